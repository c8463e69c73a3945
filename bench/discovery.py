"""`python -m bench discovery`: pages fetched per report found, from the home page and from a
remembered column.

Serves the fixture portal layouts of bench/sites/layouts.py (each on its own 127.0.0.1 port:
a column three and four levels down with department and township columns, a column reached
only through "更多>>" and a footer icon, a column only the site map links, a small portal) and crawls them as `python -m ingest
crawl` does, twice into one DATA_DIR:

- from the home page: nothing remembered, the best-first search finds the columns;
- from the remembered columns: the second run starts where the first found reports.

For each it prints HTTP requests (robots.txt included), pages answered, reports found, and
requests per report. The search budget (60 pages per source) is the ceiling of the first.

    python -m bench discovery
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

LAYOUTS = ("deep", "footer", "sitemap", "moved")


def _crawl(registry: Path, data: Path) -> dict:
    from ingest.crawl import cli as crawl_cli

    parser = argparse.ArgumentParser()
    crawl_cli.add_arguments(parser)
    os.environ["DATA_DIR"] = str(data)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        crawl_cli.run(parser.parse_args(["--registry", str(registry), "--delay", "0", "--quiet", "--json"]))
    return json.loads(out.getvalue())["sources"]


def main(argv: list[str]) -> int:
    argparse.ArgumentParser(prog="python -m bench discovery").parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.sites.layouts import COUNTIES, Layouts

    saved = os.environ.get("DATA_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        layouts = Layouts(Path(tmp) / "sites", names=LAYOUTS)
        try:
            registry = Path(tmp) / "registry.yaml"
            registry.write_text(layouts.registry_yaml(), encoding="utf-8")
            runs = {"from the home page": _crawl(registry, Path(tmp) / "data"),
                    "from remembered columns": _crawl(registry, Path(tmp) / "data")}
        finally:
            layouts.stop()
            if saved is None:
                os.environ.pop("DATA_DIR", None)
            else:
                os.environ["DATA_DIR"] = saved
    print(f"{'run':<24} {'source':<8} {'requests':>8} {'pages':>6} {'search':>6} {'reports':>7} {'req/report':>10}")
    for label, summary in runs.items():
        total_req = total_rep = 0
        for name in LAYOUTS:
            s = summary[COUNTIES[name][0]]
            reports = s["new_documents"] + s["unchanged"]
            total_req += s["requests"]
            total_rep += reports
            print(f"{label:<24} {COUNTIES[name][0]:<8} {s['requests']:>8} {s['pages_fetched']:>6} "
                  f"{s['search_pages']:>6} {reports:>7} {s['requests'] / max(reports, 1):>10.2f}")
        print(f"{label:<24} {'all':<8} {total_req:>8} {'':>6} {'':>6} {total_rep:>7} "
              f"{total_req / max(total_rep, 1):>10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
