"""`python -m bench warehouse [--units N] [--years Y] [--data-dir D]`: load + dbt build on
synthetic reports, next to the floor (the same marts by plain DuckDB SQL on the loaded cells).

Targets (docs/benchmarks.md): 21,000 reports (3,000 units × 7 years) end to end in under 60 s, 210,000 in
under 10 min, peak memory under 4 GB, `dbt build` within 2× of the plain-SQL floor.

Steps, each in its own process so the figures are the pipeline's own:
  1. generate the synthetic archive (ingest/synthetic.py) into DATA_DIR (not timed as pipeline);
  2. `python -m ingest load` (parsing included): wall time, peak RSS of the process tree;
  3. `python -m ingest build --skip-load --no-swap` (dbt build: seeds, 27 models, tests);
  4. the floor: every model's compiled SQL run once, in dependency order, as CREATE TABLE in a
     fresh DuckDB file (same attachments, threads and memory limit), with no dbt and no tests.
Peak RSS sums the resident sets of the process and all its descendants, sampled every 50 ms
(pages the forked parser workers share are counted once per process: an upper bound).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
                if int(fields[1]) == pid:
                    kids.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return kids


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_rss_kb(root: int) -> int:
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_kb(pid)
        stack += _children(pid)
    return total


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, str]:
    """Run cmd; return (wall seconds, CPU seconds of the process tree, peak tree RSS in MB, output).

    CPU seconds (user + sys of the command and every child it waited for) do not grow when other
    work shares the machine; wall seconds do. Both are reported."""
    started = time.perf_counter()
    out_file = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, env=env, stdout=out_file, stderr=subprocess.STDOUT, cwd=REPO)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            done.wait(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    t.join()
    seconds = time.perf_counter() - started
    out_file.seek(0)
    text = out_file.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{text[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, peak / 1024, text


FLOOR_SCRIPT = r"""
import json, re, sys, time, duckdb
target, db, parsed, archive, built, mem = sys.argv[1:7]
# the nodes the dbt build ran, with their DAG (ingest/load/dbt_runner.py writes nodes.json)
manifest = json.load(open(f"{target}/nodes.json"))
nodes = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] in ("model", "seed")}
order, seen = [], set()
def visit(k):
    if k in seen or k not in nodes: return
    seen.add(k)
    for d in nodes[k].get("depends_on", {}).get("nodes", []): visit(d)
    order.append(k)
for k in sorted(nodes): visit(k)
con = duckdb.connect(db)
con.execute(f"SET threads = 2; SET memory_limit = '{mem}'; SET preserve_insertion_order = false")
con.execute(f"ATTACH '{parsed}' AS parsed (READ_ONLY)")
con.execute(f"ATTACH '{archive}' AS archive (READ_ONLY)")
con.execute(f"ATTACH '{built}' AS built (READ_ONLY)")
# the layers' schemas (dbt_project/macros/generate_schema_name.sql), as the models name them
for schema in sorted({n["schema"] for n in nodes.values()}):
    con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
# seeds are a few thousand rows of reference data: copied, not timed
for k in order:
    n = nodes[k]
    if n["resource_type"] == "seed":
        con.execute(f'CREATE TABLE "{n["schema"]}"."{n["alias"]}" AS SELECT * FROM built."{n["schema"]}"."{n["alias"]}"')
con.execute("DETACH built")
start = time.perf_counter()
for k in order:
    n = nodes[k]
    if n["resource_type"] != "model" or n["config"].get("materialized") == "ephemeral": continue
    sql = open(f"{target}/compiled/{n['package_name']}/{n['original_file_path']}").read()
    # a view (the current-version fct_* over their _history tables) stays a view: it costs nothing
    kind = "VIEW" if n["config"].get("materialized") == "view" else "TABLE"
    con.execute(f'CREATE {kind} "{n["schema"]}"."{n["alias"]}" AS {sql}')
    # a model built in report batches (dbt_project/macros/report_batches.sql): the same batches
    m = re.search(r"% (\d+) = 0 /\* report batch \*/", sql)
    for i in range(1, int(m.group(1)) if m else 1):
        con.execute(f'INSERT INTO "{n["schema"]}"."{n["alias"]}" '
                    + sql.replace(f"% {m.group(1)} = 0 /* report batch */", f"% {m.group(1)} = {i} /* report batch */"))
con.execute("CHECKPOINT")
print(json.dumps({"seconds": time.perf_counter() - start, "models": sum(1 for k in order if nodes[k]["resource_type"] == "model" and nodes[k]["config"].get("materialized") != "ephemeral")}))
"""


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench warehouse")
    ap.add_argument("--units", type=int, default=3000, help="issuing units (default 3000)")
    ap.add_argument("--years", type=int, default=7, help="report years per unit (default 7)")
    ap.add_argument("--data-dir", help="where to build (default: a temporary directory, removed after)")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the synthetic archive already in --data-dir (skip generation)")
    ap.add_argument("--reuse-parsed", action="store_true",
                    help="reuse archive and parsed.duckdb in --data-dir: time only dbt build and the floor")
    args = ap.parse_args(argv)
    py = sys.executable
    tmp = None
    if args.data_dir:
        data = Path(args.data_dir).resolve()
    else:
        tmp = tempfile.mkdtemp(prefix="bench-warehouse-")
        data = Path(tmp)
    try:
        env = {**os.environ, "DATA_DIR": str(data)}
        n = args.units * args.years
        print(f"warehouse benchmark: {args.units} units × {args.years} years = {n} synthetic reports in {data}")
        if args.reuse_parsed:
            shutil.rmtree(data / "build", ignore_errors=True)
        elif not args.reuse:
            for sub in ("archive", "parsed.duckdb", "build", "warehouse.duckdb"):
                p = data / sub
                if p.is_dir():
                    shutil.rmtree(p)
                elif p.exists():
                    p.unlink()
            s, _, _, _ = measure([py, "-m", "ingest.synthetic", "--data-dir", str(data), "--units",
                               str(args.units), "--years", str(args.years), "--real-names"], env)
            print(f"  generate      {s:8.1f} s  (not part of the pipeline figures)")
        else:
            for sub in ("parsed.duckdb", "build"):
                p = data / sub
                shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
        print(f"  {'step':<12}{'wall s':>9}{'cpu s':>9}{'peak MB':>9}")
        if args.reuse_parsed:
            load_s = load_cpu = load_mb = 0.0
            print(f"  {'load':<12}  (reused {data / 'parsed.duckdb'})")
        else:
            load_s, load_cpu, load_mb, out = measure([py, "-m", "ingest", "load"], env)
            print(f"  {'load':<12}{load_s:9.1f}{load_cpu:9.1f}{load_mb:9.0f}   {out.strip().splitlines()[-1]}")
        build_s, build_cpu, build_mb, out = measure([py, "-m", "ingest", "build", "--skip-load", "--no-swap"], env)
        print(f"  {'dbt build':<12}{build_s:9.1f}{build_cpu:9.1f}{build_mb:9.0f}")
        floor_db = data / "build" / "floor" / "warehouse.duckdb"
        floor_db.parent.mkdir(parents=True, exist_ok=True)
        floor_db.unlink(missing_ok=True)
        floor_s, floor_cpu, floor_mb, out = measure([py, "-c", FLOOR_SCRIPT, str(data / "build" / "dbt_target"),
                                          str(floor_db), str(data / "parsed.duckdb"),
                                          str(data / "archive" / "archive.duckdb"),
                                          str(data / "build" / "warehouse.duckdb"),
                                          os.environ.get("WAREHOUSE_MEMORY_LIMIT", "3GB")], env)
        floor = json.loads(out.strip().splitlines()[-1])
        import duckdb

        con = duckdb.connect(str(data / "build" / "warehouse.duckdb"), read_only=True)
        reports, cells, synthetic = con.execute(
            "SELECT count(*), sum(cells_expected), bool_and(is_synthetic) FROM dim_report").fetchall()[0]
        con.close()
        total = load_s + build_s
        print(f"  {'floor (SQL)':<12}{floor['seconds']:9.1f}{floor_cpu:9.1f}{floor_mb:9.0f}   "
              f"({floor['models']} models as plain CREATE TABLE; process wall {floor_s:.1f} s)")
        print(f"  ---")
        print(f"  reports {reports}, cells {cells}, all synthetic: {synthetic}")
        print(f"  end to end (load + dbt build): {total:.1f} s wall, {load_cpu + build_cpu:.1f} s CPU; "
              f"peak {max(load_mb, build_mb):.0f} MB; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"  dbt build / floor: {build_s / floor['seconds']:.1f}× "
              f"(dbt build includes its start-up, seeds and every data test)")
        return 0
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
