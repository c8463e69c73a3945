"""`python -m bench.validate [--units N] [--years Y] [--data-dir D] [--reuse] [--contract] [--increment [N]]`:
time and peak memory of `python -m ingest validate` on a synthetic warehouse.

Targets (docs/benchmarks.md): 21,000 reports (3,000 units × 7 years, ≈ 5M cells) in under 30 s, 210,000
(`--units 30000`) in under 5 minutes.

The warehouse is the warehouse benchmark's: synthetic text reports (ingest/synthetic.py) →
`ingest load` → `ingest build --no-swap`, so validation reads what dbt really builds. With
`--contract` the contract tables are written directly in DuckDB instead (ingest/validate/
synthetic.py: same volume, no parser or dbt, with a table-4 break planted in every 50th report)
— quick, and the way to reach 210,000 reports without the 10-minute build. `--reuse` keeps the
warehouse already built in --data-dir. The run validates a copy (`--db`), with Data Docs, in its
own process; peak RSS covers the process tree, sampled every 50 ms.

`--increment [N]` (N = 10 when omitted) measures incremental validation beside the full one:
the copy is validated fully (with Data Docs, as above), then N reports spread over the
warehouse get one more upheld review each (a table-4 total break), the file records them as
an incremental build would (int_report_changes, a warehouse_builds row: written here, not by
dbt, so only validation is timed), and `ingest validate --db` runs again — incrementally, as
its mode line says.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

TARGETS = {21_000: 30.0, 210_000: 300.0}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench validate")
    ap.add_argument("--units", type=int, default=3000, help="issuing units (default 3000)")
    ap.add_argument("--years", type=int, default=7, help="report years per unit (default 7)")
    ap.add_argument("--data-dir", help="where to build (default: a temporary directory, removed after)")
    ap.add_argument("--reuse", action="store_true", help="reuse the warehouse already built in --data-dir")
    ap.add_argument("--contract", action="store_true",
                    help="write the contract tables directly instead of load + dbt build")
    ap.add_argument("--increment", type=int, nargs="?", const=10, default=None, metavar="N",
                    help="also measure validating an increment of N changed reports (default 10)")
    args = ap.parse_args(argv)
    py = sys.executable
    tmp = None
    if args.data_dir:
        data = Path(args.data_dir).resolve()
        data.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.mkdtemp(prefix="bench-validate-")
        data = Path(tmp)
    n = args.units * args.years
    env = {**os.environ, "DATA_DIR": str(data)}
    try:
        source = "contract tables" if args.contract else "load + dbt build"
        print(f"validate benchmark: {n} synthetic reports ({source}) in {data}")
        built = data / ("contract.duckdb" if args.contract else "build/warehouse.duckdb")
        if not (args.reuse and built.is_file()):
            if args.contract:
                from ingest.validate import synthetic

                started = time.perf_counter()
                synthetic.write(built, n, break_every=50)
                print(f"  contract tables {time.perf_counter() - started:6.1f} s  (not part of the figures)")
            else:
                for cmd, label in (
                    ([py, "-m", "ingest.synthetic", "--data-dir", str(data), "--units", str(args.units),
                      "--years", str(args.years), "--real-names"], "generate"),
                    ([py, "-m", "ingest", "load"], "load"),
                    ([py, "-m", "ingest", "build", "--skip-load", "--no-swap"], "dbt build"),
                ):
                    s, _, _, _ = run_measured(cmd, env)
                    print(f"  {label:<15} {s:6.1f} s  (not part of the figures)")
        target = data / "bench-validate.duckdb"
        shutil.copyfile(built, target)
        if args.increment is not None:
            _record_build(target, [], "full", first=True)  # a file no build recorded: as a full one
        # exit 3 = findings about publishers (the planted breaks): a successful run
        seconds, cpu, peak_mb, out = run_measured(
            [py, "-m", "ingest", "validate", "--db", str(target), "--show", "0"], env, ok=(0, 3))
        lines = out.strip().splitlines()
        for line in lines:
            if line.startswith(("  ", "findings:", "outcome:", "validation mode:")):
                print("  " + line)
        increment = None
        if args.increment is not None:
            changed = _change_reports(target, args.increment)
            _record_build(target, changed, "incremental")
            increment = run_measured(
                [py, "-m", "ingest", "validate", "--db", str(target), "--show", "0"], env, ok=(0, 3))
            print("  --- increment")
            for line in increment[3].strip().splitlines():
                if line.startswith(("findings:", "outcome:", "validation mode:", "  rules re-run")):
                    print("  " + line)
        import duckdb

        with duckdb.connect(str(target), read_only=True) as con:
            from ingest import layers

            reports, cells = con.execute(
                f"SELECT (SELECT count(*) FROM dim_report), (SELECT count(*) FROM {layers.locate(con, 'int_report_cells')})"
            ).fetchall()[0]
        target.unlink(missing_ok=True)
        limit = TARGETS.get(n)
        verdict = (f" (target < {limit:.0f} s: {'met' if seconds < limit else 'MISSED'})" if limit else "")
        print("  ---")
        print(f"  reports {reports}, cells {cells}")
        print(f"  validate (GX suites + findings + Data Docs): {seconds:.1f} s wall, {cpu:.1f} s CPU; "
              f"peak {peak_mb:.0f} MB{verdict}")
        if increment is not None:
            print(f"  validate an increment of {args.increment} changed report(s) (no Data Docs): "
                  f"{increment[0]:.1f} s wall, {increment[1]:.1f} s CPU; peak {increment[2]:.0f} MB")
        return 0
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def _change_reports(db: Path, n: int) -> list[tuple]:
    """One more upheld review in n reports spread over the warehouse (a table-4 total break);
    returns their (report_id, issuer_id, region_code, year)."""
    import duckdb

    from ingest import layers

    with duckdb.connect(str(db)) as con:
        total = con.execute("SELECT count(*) FROM dim_report").fetchone()[0]
        step = max(total // max(n, 1), 1)
        rows = con.execute(f"""
            SELECT report_id, issuer_id, region_code, year FROM (
                SELECT *, row_number() OVER (ORDER BY md5(report_id)) - 1 AS k FROM dim_report)
            WHERE k % {step} = 0 ORDER BY k LIMIT {n}""").fetchall()
        cells = layers.locate(con, "int_report_cells")
        con.execute(f"""
            UPDATE {cells} SET value = value + 1
            WHERE table_key = 'table4' AND row_key = 'review' AND column_key = 'upheld'
              AND report_id IN (SELECT unnest(?::VARCHAR[]))""", [[r[0] for r in rows]])
    return rows


def _record_build(db: Path, changed: list[tuple], mode: str, *, first: bool = False) -> None:
    """What an incremental `ingest build` leaves for validation: int_report_changes (the changed
    reports, keys unchanged) and a warehouse_builds row. With `first`, only when the file has no
    build record yet (contract tables)."""
    import datetime as dt
    import uuid

    import duckdb

    from ingest import layers

    with duckdb.connect(str(db)) as con:
        if first and layers.has(con, "warehouse_builds"):
            return
        con.execute("""CREATE TABLE IF NOT EXISTS main.warehouse_builds (
                           build_id VARCHAR, mode VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
                           reports INTEGER, reports_added INTEGER, reports_changed INTEGER,
                           reports_removed INTEGER)""")
        try:
            where = layers.locate(con, "int_report_changes")
        except LookupError:
            con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
            where = "intermediate.int_report_changes"
        con.execute(f"""CREATE OR REPLACE TABLE {where} (
                            report_id VARCHAR, change VARCHAR, issuer_id VARCHAR, region_code VARCHAR,
                            year INTEGER, prev_issuer_id VARCHAR, prev_region_code VARCHAR, prev_year INTEGER)""")
        if changed:
            con.executemany(f"INSERT INTO {where} VALUES (?, 'changed', ?, ?, ?, ?, ?, ?)",
                            [(r, i, c, y, i, c, y) for r, i, c, y in changed])
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        row = {"build_id": "bench-" + uuid.uuid4().hex[:8], "mode": mode, "started_at": now,
               "finished_at": now, "reports": con.execute("SELECT count(*) FROM dim_report").fetchone()[0],
               "reports_added": 0, "reports_changed": len(changed), "reports_removed": 0}
        # the build's own table may have more columns (reason, fingerprint …): text ones say "bench"
        for name, dtype, nullable in con.execute(
                "SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
                "WHERE table_name = 'warehouse_builds' AND schema_name = 'main'").fetchall():
            if name not in row:
                row[name] = "bench" if dtype == "VARCHAR" else (0 if not nullable else None)
        cols = list(row)
        con.execute(f"INSERT INTO main.warehouse_builds ({', '.join(cols)}) VALUES "
                    f"({', '.join('?' * len(cols))})", [row[c] for c in cols])


def run_measured(cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)
                 ) -> tuple[float, float, float, str]:
    """Run cmd; return (wall s, CPU s of the process and the children it waited for, peak RSS MB
    of the process tree sampled every 50 ms, output). CPU seconds do not grow when other work
    shares the machine; wall seconds do."""
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
    if proc.returncode not in ok:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{text[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, peak / 1024, text


def _tree_rss_kb(root: int) -> int:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
                parents.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        except OSError:
            pass
        stack += parents.get(pid, [])
    return total


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
