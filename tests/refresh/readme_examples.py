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


def section(readme: str, heading: str) -> str:
    start = readme.index(heading)
    nxt = readme.find("\n## ", start + len(heading))
    return readme[start: nxt if nxt >= 0 else None]


def example_queries(readme_path: Path) -> list[tuple[str, str]]:
    """(sql, expected output) for every ```sql block directly followed by a ```text block."""
    text = section(readme_path.read_text(encoding="utf-8"), "## Analyst quickstart")
    blocks = [(m.group(1), m.group(2), m.start(), m.end()) for m in FENCE.finditer(text)]
    pairs = []
    for (lang, body, _, end), (nlang, nbody, nstart, _) in zip(blocks, blocks[1:]):
        if lang == "sql" and nlang == "text" and not text[end:nstart].strip():
            pairs.append((body, nbody))
    return pairs
