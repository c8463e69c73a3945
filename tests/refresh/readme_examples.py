"""Helpers of the refresh tests: the README's example queries (so tests hold the README to
them) and the environment a nested `make` must not inherit."""

from __future__ import annotations

import re
from pathlib import Path

# Variables the Makefile reads, and make's own: a `make test ARGS=…` exports them to the
# tests' environment, where they would leak into the `make` runs the tests start.
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "DATA_DIR", "PY", "VENV", "PYTHON",
                  "OFFLINE", "REGISTRY", "EXPORT", "ARGS", "DEMO_DATA_DIR", "DEMO_UNITS", "DEMO_YEARS")

FENCE = re.compile(r"```(\w*)\n(.*?)\n```", re.S)


def pages(readme_path: Path) -> list[Path]:
    """The README and the documentation pages it links (docs/*.md beside it)."""
    return [readme_path, *sorted((readme_path.parent / "docs").glob("*.md"))]


def example_queries(readme_path: Path) -> list[tuple[str, str]]:
    """(sql, expected output) for every ```sql block directly followed by a ```text block, in
    the README and every docs page."""
    pairs = []
    for page in pages(readme_path):
        text = page.read_text(encoding="utf-8")
        blocks = [(m.group(1), m.group(2), m.start(), m.end()) for m in FENCE.finditer(text)]
        for (lang, body, _, end), (nlang, nbody, nstart, _) in zip(blocks, blocks[1:]):
            if lang == "sql" and nlang == "text" and not text[end:nstart].strip():
                pairs.append((body, nbody))
    return pairs


def update(readme_path: Path, data_dir: Path) -> int:
    """Rewrite the output block of every example from a warehouse built on the seed.

    For the maintainer after a deliberate change (a new mart column, a new rule):
        DATA_DIR=/tmp/seed .venv/bin/python -m ingest refresh --offline
        .venv/bin/python tests/refresh/readme_examples.py /tmp/seed
    then review the diff of README.md.
    """
    import os
    import subprocess
    import sys

    repo = readme_path.parent
    changed = 0
    for page in pages(readme_path):
        text = page.read_text(encoding="utf-8")
        for sql, expected in example_queries(readme_path):
            old = f"```sql\n{sql}\n```\n\n```text\n{expected}\n```"
            if old not in text:
                continue
            out = subprocess.run([sys.executable, "-m", "ingest", "sql", sql], cwd=repo, check=True,
                                 env={**os.environ, "DATA_DIR": str(data_dir)}, capture_output=True,
                                 text=True).stdout.rstrip()
            if out != expected.rstrip():
                text = text.replace(old, f"```sql\n{sql}\n```\n\n```text\n{out}\n```", 1)
                changed += 1
        page.write_text(text, encoding="utf-8")
    return changed


if __name__ == "__main__":
    import sys

    n = update(Path(__file__).resolve().parents[2] / "README.md", Path(sys.argv[1]).resolve())
    print(f"{n} example output(s) updated")
