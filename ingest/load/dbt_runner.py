"""`python -m ingest.load.dbt_runner build ARGS…`: dbt's build as `ingest build` runs it, in a
child process of its own (ingest/load/build.py, run_dbt).

dbt's command line writes target/manifest.json twice per build, after parsing and again at the
end: every macro (558), doc and node of the project, 1.7 MB, about 0.6 s of CPU on one core
while nothing else runs (measured at 60 and at 21,000 reports: it is a fixed cost). Nothing here
reads it. This runs the same build through dbt's programmatic entry point (dbtRunner, the same
command, flags, logs and partial parse) with `--no-write-json`, then writes the two files that
are read, from the build's own results:

  run_results.json  dbt's artifact as dbt writes it (RunExecutionResult.write): the first
                    failing node for the one-line error (build._first_failure), the benchmarks'
                    seconds per model and test;
  nodes.json        {"nodes": {unique_id: {resource_type, name, package_name, schema, alias,
                    original_file_path, config: {materialized, meta}, depends_on: {nodes}}}}
                    for every node the build ran (models, seeds, tests): the DAG the floor
                    benchmark replays (bench/warehouse.py) and the tests read.

For `build` it also hooks two things into dbt, in this process only: the order nodes start in
(ingest/load/dbt_schedule.py: the longest expected chain first, node_seconds.json) and Jinja's
compilations kept between builds (ingest/load/jinja_cache.py: jinja_code.marshal;
INGEST_JINJA_CACHE=0 turns it off). For every command, the JSON schemas dbt validates its project
and profile with are kept between runs (ingest/load/schema_cache.py: json_schemas.json).

Any other command (`docs generate`, `parse`) is passed to dbt unchanged. The exit status is
dbt's: 0 success, 1 a node failed, 2 dbt itself could not run.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ingest.load import dbt_schedule, jinja_cache, schema_cache
from ingest.safeio import atomic_write_text

NODES_FILE = "nodes.json"
RESULTS_FILE = "run_results.json"


def _option(args: list[str], name: str) -> str | None:
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def _node_entry(node) -> dict:
    config = getattr(node, "config", None)
    depends = getattr(node, "depends_on", None)
    return {
        "unique_id": node.unique_id,
        "resource_type": str(node.resource_type),
        "name": node.name,
        "package_name": node.package_name,
        "schema": getattr(node, "schema", None),
        "alias": getattr(node, "alias", None),
        "original_file_path": node.original_file_path,
        "config": {"materialized": getattr(config, "materialized", None),
                   "meta": dict(getattr(config, "meta", None) or {})},
        "depends_on": {"nodes": list(getattr(depends, "nodes", None) or [])},
    }


def _could_not_run(res) -> int:
    """dbt raised before or instead of running nodes: one line saying so (dbt's own
    "Encountered an error" lines, when it wrote them, stay above it in the log)."""
    text = " ".join(str(res.exception).split())[:300] or type(res.exception).__name__
    print(f"error: dbt could not run: {text}", file=sys.stderr)
    return 2


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m ingest.load.dbt_runner DBT_COMMAND [ARGS…] "
              "(ingest build runs it; see ingest/load/build.py)", file=sys.stderr)
        return 2
    from dbt.cli.main import dbtRunner

    target = Path(_option(argv, "--target-path") or "target")
    save_schemas = schema_cache.install(target)
    if argv[0] != "build":
        res = dbtRunner().invoke(argv)
        save_schemas()
        if res.success:
            return 0
        return _could_not_run(res) if res.exception is not None else 1
    # a file left by an earlier build (or by dbt's command line: manifest.json) must not speak for this one
    for name in (RESULTS_FILE, NODES_FILE, "manifest.json", "semantic_manifest.json"):
        (target / name).unlink(missing_ok=True)
    mode = os.environ.get("WAREHOUSE_BUILD_MODE", "full")
    print(dbt_schedule.install(dbt_schedule.load_seconds(target, mode)), flush=True)
    save_templates = jinja_cache.install(target) if os.environ.get("INGEST_JINJA_CACHE", "1") != "0" else None
    res = dbtRunner().invoke([*argv, "--no-write-json"])
    save_schemas()
    result = res.result
    results = getattr(result, "results", None)
    if results is not None:  # dbt ran: write what it did, failed nodes included
        target.mkdir(parents=True, exist_ok=True)
        result.write(str(target / RESULTS_FILE))
        nodes = {r.node.unique_id: _node_entry(r.node) for r in results}
        atomic_write_text(target / NODES_FILE, json.dumps({"nodes": nodes}))
        dbt_schedule.save_seconds(target, mode, results)
    if save_templates is not None and res.exception is None:
        save_templates()
    if res.success:
        return 0
    if results is None and res.exception is not None:
        return _could_not_run(res)
    return 1 if results is not None else 2


def _exit(code: int) -> None:
    """Leave without the interpreter's teardown: after a build, freeing dbt's thousands of
    modules and objects one by one took 0.3–0.4 s at 21,000 reports, on top of closing the
    warehouse file. The file is closed first (DuckDB checkpoints it, 0.25–0.35 s, work the
    build needs: a connection left open would leave a write-ahead log for the next opener to
    replay, never a lost write), then the logs and the output are flushed."""
    import logging
    import multiprocessing.util

    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        env = getattr(DuckDBConnectionManager, "_ENV", None)
        if env is not None:
            env.close()
    except Exception:  # noqa: BLE001 - any failure here only costs the replay of a log
        pass
    # multiprocessing's own exit hook: it unlinks the named semaphores of dbt's spawn context,
    # which its resource tracker otherwise reports as leaked in every build log
    multiprocessing.util._exit_function()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit(main(sys.argv[1:]))
