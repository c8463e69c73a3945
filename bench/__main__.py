"""`python -m bench [NAME …]`: run the benchmarks of each stage and print their figures.

Each stage keeps its benchmark in bench/<stage>.py with a `main(argv) -> int`. With no NAME,
all of them run in pipeline order. Figures are recorded by hand in docs/benchmarks.md.
"""

from __future__ import annotations

import importlib
import sys

STAGES = ["parse", "crawl", "discovery", "portals", "warehouse", "validate", "refresh"]
# run only when named: the national-scale run takes about an hour and 30 GB of disk
ON_REQUEST = ["national", "crawl-sim"]


def main(argv: list[str]) -> int:
    if len(argv) > 1 and argv[1].startswith("-"):  # one benchmark with its options
        if argv[0] not in STAGES + ON_REQUEST:
            print(f"error: unknown benchmark {argv[0]}; choose from {', '.join(STAGES + ON_REQUEST)}", file=sys.stderr)
            return 2
        print(f"== bench {argv[0]}", flush=True)
        return int(importlib.import_module(f"bench.{argv[0].replace('-', '_')}").main(argv[1:]) or 0)
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
        rc = max(rc, int(mod.main([]) or 0))
    return rc


raise SystemExit(main(sys.argv[1:]))
