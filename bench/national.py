"""`python -m bench national [--sizes 3000,30000,115000] [--years 7] [--increment 10] [--work DIR] [--repeat N]`:
the warehouse at national scale, every figure of one run side by side (docs/benchmarks.md).

For each size (issuing units × years of synthetic reports, ingest/synthetic.py, real unit names):
  full build    `ingest load` (parsing included), `ingest build --full --no-swap` (dbt build:
                seeds, models, unit and data tests), the plain-SQL floor (bench/warehouse.py: every
                model's compiled SQL once as CREATE TABLE), `ingest validate --full` (publishes);
                with --repeat N, N−1 more pairs of build and floor with the build directory kept
                (a scheduled refresh's rebuild), their median ratio reported beside the first;
  increment     (sizes listed in --increment-at) next year's reports of `--increment` units
                (`ingest.synthetic extend`), then what a refresh runs for them: `ingest load`,
                `ingest build --no-swap` (incremental: a copy of the published warehouse, only the
                changed reports and the partitions they touch rebuilt), `ingest validate`
                (incremental); then `ingest build --full --no-swap` on the same inputs, and the two
                warehouses compared table by table (ingest/load/incremental.diff_warehouses).
Each step runs in its own process: wall seconds, CPU seconds of its process tree, peak RSS of the
tree (sampled every 50 ms). DuckDB spills to disk beyond WAREHOUSE_MEMORY_LIMIT (3GB default).
Results also go to WORK/national.json.

With --reuse a size whose DATA_DIR already holds the synthetic archive is not generated again
(generation is not a pipeline figure; the load always runs). --reuse-parsed also keeps its
parsed.duckdb (no load figure: for trying changes to the dbt project); --reuse-parsed-at limits that
to the sizes listed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from bench.warehouse import FLOOR_SCRIPT, measure

PY = sys.executable


def _step(name: str, cmd: list[str], env: dict[str, str], results: dict) -> str:
    wall, cpu, peak, out = measure(cmd, env)
    results[name] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "peak_mb": round(peak)}
    last = out.strip().splitlines()[-1] if out.strip() else ""
    print(f"    {name:<22}{wall:9.1f}{cpu:9.1f}{peak:9.0f}   {last[:110]}", flush=True)
    return out


def _floor(data: Path, env: dict[str, str], results: dict) -> None:
    floor_db = data / "build" / "floor" / "warehouse.duckdb"
    floor_db.parent.mkdir(parents=True, exist_ok=True)
    floor_db.unlink(missing_ok=True)
    out = _step("floor (plain SQL)", [PY, "-c", FLOOR_SCRIPT, str(data / "build" / "dbt_target"), str(floor_db),
                                      str(data / "parsed.duckdb"), str(data / "archive" / "archive.duckdb"),
                                      str(data / "build" / "warehouse.duckdb"),
                                      os.environ.get("WAREHOUSE_MEMORY_LIMIT", "3GB")], env, results)
    floor = json.loads(out.strip().splitlines()[-1])
    # the floor's own figure: the SQL alone, without the process start and the seed copy
    results["floor (plain SQL)"]["sql_s"] = round(floor["seconds"], 1)
    shutil.rmtree(floor_db.parent, ignore_errors=True)


def _dbt_test_seconds(data: Path) -> tuple[float, float]:
    """Seconds dbt spent in models and in tests (unit + data), from run_results.json."""
    results = json.loads((data / "build" / "dbt_target" / "run_results.json").read_text())
    models = sum(r.get("execution_time", 0) for r in results["results"] if r["unique_id"].startswith("model."))
    tests = sum(r.get("execution_time", 0) for r in results["results"]
                if r["unique_id"].startswith(("test.", "unit_test.")))
    return round(models, 1), round(tests, 1)


def _layer_seconds(data: Path) -> dict:
    """Seconds of every model of the last dbt run, by how an incremental build treats it
    (macros/incremental.sql: `report` and `partition` grain rewrite only what changed; `whole` models
    are rebuilt every time; `view` costs nothing), from run_results.json and nodes.json (ingest/load/dbt_runner.py)."""
    target = data / "build" / "dbt_target"
    results = json.loads((target / "run_results.json").read_text())
    nodes = json.loads((target / "nodes.json").read_text())["nodes"]
    out: dict = {}
    for r in results["results"]:
        node = nodes.get(r["unique_id"])
        if not node or node["resource_type"] != "model":
            continue
        cfg = node["config"]
        kind = ("view" if cfg.get("materialized") == "view"
                else (cfg.get("meta") or {}).get("incremental_grain") or "whole")
        layer = out.setdefault(kind, {"seconds": 0.0, "models": {}})
        layer["seconds"] = round(layer["seconds"] + r.get("execution_time", 0), 2)
        layer["models"][node["name"]] = round(r.get("execution_time", 0), 2)
    for layer in out.values():
        layer["models"] = dict(sorted(layer["models"].items(), key=lambda kv: -kv[1]))
    return out


def _print_layers(layers: dict) -> None:
    for kind, layer in sorted(layers.items()):
        top = ", ".join(f"{k} {v:.1f}" for k, v in list(layer["models"].items())[:6])
        print(f"      {kind:<10}{layer['seconds']:8.1f} s  {len(layer['models'])} models; {top}", flush=True)


def run_size(units: int, years: int, work: Path, *, increment: int, reuse: bool, reuse_parsed: bool,
             repeat: int = 1) -> dict:
    data = work / f"u{units}y{years}"
    env = {**os.environ, "DATA_DIR": str(data)}
    res: dict = {"units": units, "years": years, "reports": units * years, "data_dir": str(data)}
    print(f"  {units} units × {years} years = {units * years} reports in {data}", flush=True)
    print(f"    {'step':<22}{'wall s':>9}{'cpu s':>9}{'peak MB':>9}", flush=True)
    have_archive = (data / "archive" / "archive.duckdb").exists()
    have_parsed = (data / "parsed.duckdb").exists()
    if not ((reuse or reuse_parsed) and have_archive):
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        wall, *_ = measure([PY, "-m", "ingest.synthetic", "--data-dir", str(data), "--units", str(units),
                            "--years", str(years), "--real-names"], env)
        print(f"    {'(generate)':<22}{wall:9.1f}   not a pipeline figure", flush=True)
        have_parsed = False
    if not (reuse_parsed and have_parsed):
        for f in ("parsed.duckdb", "parsed.duckdb.wal"):
            (data / f).unlink(missing_ok=True)
    for leftover in ("build", "warehouse.duckdb", "browse", "validation"):
        p = data / leftover
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    full: dict = {}
    if reuse_parsed and have_parsed:
        full["load"] = {"reused": True}
        print(f"    {'load':<22}   (reused {data / 'parsed.duckdb'})", flush=True)
    else:
        _step("load", [PY, "-m", "ingest", "load"], env, full)
    _step("dbt build", [PY, "-m", "ingest", "build", "--skip-load", "--full", "--no-swap"], env, full)
    full["dbt build"]["models_s"], full["dbt build"]["tests_s"] = _dbt_test_seconds(data)
    full["dbt build"]["layers"] = _layer_seconds(data)
    _print_layers(full["dbt build"]["layers"])
    _floor(data, env, full)
    full["dbt/floor"] = round(full["dbt build"]["wall_s"] / full["floor (plain SQL)"]["sql_s"], 2)
    # Again, build then floor, as a scheduled refresh rebuilds: with the DATA_DIR's build
    # directory kept (dbt's partial parse, the node seconds its order comes from,
    # ingest/load/dbt_schedule.py). One pair is one sample of a noisy ratio: the median is the figure.
    again = []
    for i in range(1, repeat):
        pair: dict = {}
        _step(f"dbt build (run {i + 1})", [PY, "-m", "ingest", "build", "--skip-load", "--full", "--no-swap"], env, pair)
        _floor(data, env, pair)
        again.append(round(pair[f"dbt build (run {i + 1})"]["wall_s"] / pair["floor (plain SQL)"]["sql_s"], 3))
    if again:
        full["dbt/floor again"] = again
        full["dbt/floor again median"] = round(statistics.median(again), 2)
    _step("validate", [PY, "-m", "ingest", "validate", "--full", "--no-docs"], env, full)
    res["full"] = full
    size = (data / "warehouse.duckdb").stat().st_size
    res["warehouse_mb"] = round(size / 2**20)
    print(f"    dbt build / floor {full['dbt/floor']}× (dbt models {full['dbt build']['models_s']} s, "
          f"tests {full['dbt build']['tests_s']} s); warehouse {res['warehouse_mb']} MB", flush=True)
    if again:
        print(f"    dbt build / floor again, {len(again)} runs: median {full['dbt/floor again median']}× "
              f"({min(again):.2f}–{max(again):.2f}×)", flush=True)

    if increment:
        inc: dict = {}
        wall, *_ = measure([PY, "-m", "ingest.synthetic", "extend", "--data-dir", str(data), "--units", str(units),
                            "--years", str(years), "--reports", str(increment), "--real-names"], env)
        print(f"    + {increment} new reports (next year of {increment} units)", flush=True)
        _step("inc load", [PY, "-m", "ingest", "load"], env, inc)
        _step("inc dbt build", [PY, "-m", "ingest", "build", "--skip-load", "--no-swap"], env, inc)
        inc["inc dbt build"]["models_s"], inc["inc dbt build"]["tests_s"] = _dbt_test_seconds(data)
        inc["inc dbt build"]["layers"] = _layer_seconds(data)
        _print_layers(inc["inc dbt build"]["layers"])
        _step("inc validate", [PY, "-m", "ingest", "validate", "--no-docs"], env, inc)
        inc_wall = sum(inc[k]["wall_s"] for k in ("inc load", "inc dbt build", "inc validate"))
        base = full.get("load", {}).get("wall_s")
        full_wall = (base or 0) + full["dbt build"]["wall_s"] + full["validate"]["wall_s"]
        inc["total_wall_s"] = round(inc_wall, 1)
        inc["fraction_of_full"] = round(inc_wall / full_wall, 4) if base else None
        inc["dbt_fraction_of_full_dbt"] = round(inc["inc dbt build"]["wall_s"] / full["dbt build"]["wall_s"], 4)
        inc["validate_fraction_of_full"] = round(inc["inc validate"]["wall_s"] / full["validate"]["wall_s"], 4)
        # the same inputs from scratch, compared table by table with the incremental result
        _step("full dbt (same inputs)", [PY, "-m", "ingest", "build", "--skip-load", "--full", "--no-swap"], env, inc)
        from ingest.load.incremental import diff_warehouses

        # the published file is validated, the fresh build is not: compare what dbt built
        diff = [d for d in diff_warehouses(data / "warehouse.duckdb", data / "build" / "warehouse.duckdb")
                if not d.startswith("main.validation_")]
        inc["differences_from_full_build"] = diff
        res["increment"] = inc
        frac = f"{inc['fraction_of_full']:.1%}" if inc["fraction_of_full"] is not None else "n/a (load reused)"
        print(f"    increment: {inc_wall:.1f} s = {frac} of the full load + build + validate; "
              f"dbt {inc['dbt_fraction_of_full_dbt']:.1%} of the full dbt build; validate "
              f"{inc['validate_fraction_of_full']:.1%} of the full validation; "
              f"{'identical to a full rebuild' if not diff else 'DIFFERS from a full rebuild: ' + '; '.join(diff)}",
              flush=True)
    return res


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench national")
    ap.add_argument("--sizes", default="3000,30000,115000",
                    help="issuing units per size, comma-separated (default 3000,30000,115000: 21k, 210k, 805k reports)")
    ap.add_argument("--years", type=int, default=7)
    ap.add_argument("--increment", type=int, default=10, help="new reports for the incremental refresh (default 10)")
    ap.add_argument("--increment-at", default="30000",
                    help="sizes (units) at which the increment is measured (default 30000; 'all')")
    ap.add_argument("--work", default="/tmp/bench-national", help="where the DATA_DIRs go (kept for --reuse)")
    ap.add_argument("--reuse", action="store_true", help="reuse the synthetic archives already in --work")
    ap.add_argument("--reuse-parsed", action="store_true",
                    help="also reuse their parsed.duckdb (no load figure; for trying dbt changes)")
    ap.add_argument("--reuse-parsed-at", default="",
                    help="sizes (units) at which --reuse-parsed applies, the others load (default: all)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="build and floor this many times at each size (runs after the first keep the build "
                         "directory, as a scheduled refresh does); the median ratio of those runs is reported")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        print("--repeat must be 1 or more", file=sys.stderr)
        return 2
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    at = set(sizes) if args.increment_at == "all" else {int(s) for s in args.increment_at.split(",") if s.strip()}
    parsed_at = {int(s) for s in args.reuse_parsed_at.split(",") if s.strip()}
    if parsed_at and not parsed_at <= set(sizes):
        print(f"--reuse-parsed-at {args.reuse_parsed_at}: not among --sizes {args.sizes}", file=sys.stderr)
        return 2
    started = time.time()
    print(f"national benchmark: {os.cpu_count()} cores, memory limit {os.environ.get('WAREHOUSE_MEMORY_LIMIT', '3GB')}",
          flush=True)
    results = []
    for units in sizes:
        try:
            results.append(run_size(units, args.years, work, increment=args.increment if units in at else 0,
                                    reuse=args.reuse,
                                    reuse_parsed=args.reuse_parsed and (not parsed_at or units in parsed_at),
                                    repeat=args.repeat))
        except SystemExit as exc:  # a failed step: say which, keep the other sizes' figures
            print(f"  {units} units: {str(exc).splitlines()[0] if str(exc) else exc}", flush=True)
            results.append({"units": units, "years": args.years, "failed": str(exc)[-3000:]})
        (work / "national.json").write_text(json.dumps(results, indent=1))
    print(f"done in {time.time() - started:.0f} s; figures in {work / 'national.json'}")
    bad = [r for r in results if r.get("failed") or r.get("increment", {}).get("differences_from_full_build")]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
