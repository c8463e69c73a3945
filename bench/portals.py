"""`python -m bench portals`: requests and time per county-level unit found by recursive discovery.

Serves the loopback tree of bench/sites/portal_tree.py (福建省 → 福州市, 南平市, 漳州市 → their
county portals, with every naming case, conflicting evidence, private links; 新疆 → 伊犁州 and
兵团 → their cities), one asyncio server on many 127.x.y.z addresses, and runs
`python -m ingest registry discover URL --recursive` from each provincial portal as a user runs
it (a real process, real sockets, the polite fetcher with robots.txt; delay 0 between requests
to one host so that the figure is the discovery's own cost, not the politeness wait). Prints,
per province: HTTP requests (robots.txt included), pages read, portals proposed (strong / weak),
links not proposed, wall time, and requests and milliseconds per proposed unit. Then the same
walk again over the state file of the first (a resumed walk: no page asked twice).

    python -m bench portals [--delay S]

With the default politeness (--delay 1.0 s per host), the wall time is bounded below by the
deepest chain of requests to one host, not by the count: hosts are fetched concurrently.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(url: str, registry: Path, data: Path, delay: float, *extra: str) -> tuple[dict, float]:
    env = {**os.environ, "DATA_DIR": str(data)}
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "ingest", "registry", "discover", url, "--recursive", "--json",
                        "--no-save", "--registry", str(registry), "--allow-private", "127.0.0.0/8",
                        "--delay", str(delay), "--timeout", "3", "--retries", "0", *extra],
                       cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if r.returncode != 0:
        raise SystemExit(f"discover failed: {r.stderr.strip()}")
    return json.loads(r.stdout), wall


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench portals")
    p.add_argument("--delay", type=float, default=0.0, help="seconds between requests to one host (default 0)")
    args = p.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from bench.sites.portal_tree import EXPECTED, PROVINCE, XINJIANG, TreeServer

    server = TreeServer().start()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            registry = Path(tmp) / "empty.yaml"
            registry.write_text("version: 1\nsources: []\nunknown: []\n", encoding="utf-8")
            for label, start, province in (("福建省", PROVINCE, "福建省"), ("新疆", XINJIANG, "新疆维吾尔自治区")):
                for run in ("first walk", "resumed walk"):
                    out, wall = _run(server.url(start), registry, Path(tmp) / "data", args.delay,
                                     *(["--fresh"] if run == "first walk" else []))
                    got = {p["code"] for p in out["proposals"]}
                    assert got == set(EXPECTED[province]), sorted(got ^ set(EXPECTED[province]))
                    strong = sum(p["strength"] == "strong" for p in out["proposals"])
                    rows.append((label, run, out["requests"], len(out["pages_read"]) + len(got), strong,
                                 len(got) - strong, len(out["not_proposed"]), out["seconds"], wall, len(got)))
    finally:
        server.stop()
    print(f"{'province':<8} {'run':<13} {'requests':>8} {'pages':>6} {'strong':>6} {'weak':>5} {'rejected':>8} "
          f"{'walk s':>7} {'wall s':>7} {'req/unit':>8} {'ms/unit':>8}")
    for label, run, req, pages, strong, weak, rejected, secs, wall, units in rows:
        print(f"{label:<8} {run:<13} {req:>8} {pages:>6} {strong:>6} {weak:>5} {rejected:>8} {secs:>7.2f} "
              f"{wall:>7.2f} {req / units:>8.2f} {1000 * secs / units:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
