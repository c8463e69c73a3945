"""`python -m bench [NAME …]` (or `python -m bench NAME --option …`): run the benchmarks of each stage and print their figures.

Each stage keeps its benchmark in bench/<stage>.py with a `main(argv) -> int`. With no NAME,
all of them run in pipeline order. Figures are recorded by hand in docs/benchmarks.md.
"""

from __future__ import annotations

import importlib
import sys

STAGES = ["parse", "print-variation", "crawl", "discovery", "portals", "warehouse", "validate", "refresh"]
# run only when named: the national-scale run takes about an hour and 30 GB of disk
ON_REQUEST = ["national", "crawl-sim"]


def main(argv: list[str]) -> int:
    options: list[str] = []
    if len(argv) > 1 and argv[1].startswith("-"):
        argv, options = argv[:1], argv[1:]  # `python -m bench NAME --option …`: one benchmark's options
    names = argv or STAGES
    unknown = [n for n in names if n not in STAGES + ON_REQUEST]
    if unknown:
        print(f"error: unknown benchmark {', '.join(unknown)}; choose from {', '.join(STAGES + ON_REQUEST)}",
              file=sys.stderr)
        return 2
    rc = 0
    for name in names:
        print(f"== bench {name}", flush=True)
        try:
            mod = importlib.import_module(f"bench.{name.replace('-', '_')}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name.replace('-', '_')}":
                raise
            print(f"   (no benchmark for {name} yet)")
            continue
        rc = max(rc, int(mod.main(options) or 0))
    return rc


raise SystemExit(main(sys.argv[1:]))
