"""`python -m bench refresh [--portals N] [--data-dir D]`: the scheduled job's own costs.

Targets (docs/benchmarks.md): an idle refresh (nothing new) in under 10 s wall; N unreachable
portals recorded within seconds (connection refused costs no timeout); the first refresh of a
fresh clone (snapshot → warehouse → notebooks, data dictionary included) in under 2 minutes
on 2 cores.

Runs, each `python -m ingest refresh` as its own process in a fresh DATA_DIR, from a copy of
the working tree (what a clone would hold), so edits made meanwhile cannot trigger a rebuild:
  1. cold: the shipped snapshot, a registry of N closed ports on 127.0.0.1;
  2. idle: the same again (build, validation and notebooks skipped);
  3. forced: `--force --no-docs` (rebuild, validate, render with nothing new: the cost of a
     refresh that found one new report, minus the parsing of it).
Wall time and the per-stage seconds come from the run's own summary JSON; CPU seconds are the
children's user+sys (the machine is shared, so CPU is the steadier figure).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _closed_ports(n: int) -> list[int]:
    ports = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        ports.append(s.getsockname()[1])
        s.close()
    return ports


def _registry(path: Path, n: int) -> Path:
    from ingest.data import regions

    units = regions.county_level_units()[:n]
    lines = ["version: 1", "sources:"]
    for i, (unit, port) in enumerate(zip(units, _closed_ports(n))):
        lines += [f"  - id: bench-{i:03d}", f"    name: {unit.name}", f'    code: "{unit.code}"',
                  f"    province: {unit.province_name}", f"    prefecture: {unit.prefecture_name}",
                  f"    base_url: http://127.0.0.1:{port}/", "    entry: /", "    adapter: generic",
                  "    confirmed: false"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _copy_tree(dst: Path) -> Path:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)
    return dst


def _refresh(repo: Path, data: Path, *args: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "ingest", "refresh", *args], cwd=repo,
                       env={**os.environ, "DATA_DIR": str(data)}, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 3):
        raise SystemExit(f"refresh failed (exit {r.returncode}):\n{r.stdout}\n{r.stderr}")
    summary = json.loads(max((data / "logs").glob("refresh-*.summary.json")).read_text(encoding="utf-8"))
    return {"wall_s": round(wall, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "stages": {s["stage"]: s["seconds"] for s in summary["stages"]},
            "failed_sources": len(summary["sources_failed"]), "exit": r.returncode,
            "rebuilt_because": summary["rebuild_reasons"]}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench refresh", description=__doc__.split("\n\n")[0])
    ap.add_argument("--portals", type=int, default=31, help="unreachable portals in the registry (31 = shipped registry size)")
    ap.add_argument("--data-dir", help="keep the state here (default: a temporary directory)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    data = Path(args.data_dir) if args.data_dir else tmp / "data"
    try:
        registry = _registry(tmp / "closed.yaml", args.portals)
        repo = _copy_tree(tmp / "clone")
        results = {
            "cold": _refresh(repo, data, "--registry", str(registry)),
            "idle": _refresh(repo, data, "--registry", str(registry)),
            "forced": _refresh(repo, data, "--offline", "--force", "--no-docs"),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for name, r in results.items():
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
        print(f"refresh {name:<6} wall {r['wall_s']:6.1f} s  cpu {r['cpu_s']:6.1f} s  "
              f"(stages: {stages}; unreachable portals recorded: {r['failed_sources']}; "
              f"rebuilt because: {', '.join(r['rebuilt_because']) or 'not rebuilt'})")
    crawl = results["cold"]["stages"].get("crawl")
    print(f"crawl of {args.portals} unreachable portals: {crawl:.1f} s")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
