"""Which node dbt's build starts next: the one with the longest expected work after it.

dbt orders the nodes ready to run by their depth in the DAG (dbt/graph/queue.py, _get_scores:
breadth first, ties by name) and hands every ready node to its thread pool at once, whose queue
is first come, first served. In a 21,000-report build that kept the nine current-version views
and a dozen tests ahead of int_report_measures, the head of the chain int_report_measures →
int_county_year → mart_county_year that ends the build: the last 2.5 s of the build did 1.2 s
of SQL on that chain while the other thread had nothing to do.

The runner (ingest/load/dbt_runner.py) replaces both, for `build` only:
- a node's priority is its *bottom level*: its own expected seconds plus the longest chain of
  expected seconds below it (critical-path list scheduling, the classic rule for a DAG on a few
  workers);
- a ready node is taken from the queue only when a thread is free, so a node that becomes ready
  later still goes ahead of a less urgent one that was ready earlier.
Expected seconds are the last build's, per mode (full / incremental), kept in node_seconds.json
in the target directory; a node never timed counts 1 s for a model and 0.1 s for anything else,
so a first build still runs the longest chains first. The order changes nothing but the
order: every node still waits for its parents, and the results are the same.

Both hooks reach into dbt's internals (GraphQueue._get_scores, BuildTask.handle_job_queue of
dbt-core 1.11): if either is missing, `install` says so in one line and dbt keeps its own order.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from ingest.safeio import atomic_write_text

SECONDS_FILE = "node_seconds.json"
UNTIMED_MODEL = 1.0  # seconds assumed for a model no build has timed yet
UNTIMED_OTHER = 0.1  # a test, a seed


def bottom_levels(graph, seconds: dict[str, float]) -> dict[str, float]:
    """Each node's own expected seconds plus the longest chain of expected seconds below it.
    `graph` is a networkx DiGraph whose edges point from a parent to the node that reads it."""
    import networkx as nx

    level: dict[str, float] = {}
    for node in reversed(list(nx.topological_sort(graph))):
        below = max((level[s] for s in graph.successors(node)), default=0.0)
        level[node] = expected_seconds(node, seconds) + below
    return level


def expected_seconds(node: str, seconds: dict[str, float]) -> float:
    s = seconds.get(node)
    if s is not None:
        return s
    return UNTIMED_MODEL if node.startswith("model.") else UNTIMED_OTHER


def load_seconds(target: Path, mode: str) -> dict[str, float]:
    try:
        data = json.loads((target / SECONDS_FILE).read_text(encoding="utf-8"))
        got = data.get(mode, {})
        return {k: float(v) for k, v in got.items() if isinstance(v, (int, float))}
    except (OSError, ValueError, AttributeError):
        return {}  # no build timed yet, or a damaged file: untimed defaults


def save_seconds(target: Path, mode: str, results) -> None:
    """Record this build's seconds per node (merged over the last ones of the same mode)."""
    path = target / SECONDS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    timed = data.get(mode) if isinstance(data.get(mode), dict) else {}
    for r in results:
        t = getattr(r, "execution_time", None)
        status = getattr(r, "status", None)
        if isinstance(t, (int, float)) and getattr(status, "value", status) in ("success", "pass"):
            timed[r.node.unique_id] = round(float(t), 4)
    data[mode] = timed
    atomic_write_text(path, json.dumps(data, sort_keys=True))


def install(seconds: dict[str, float]) -> str:
    """Hook the schedule into dbt; returns the line for the build log."""
    try:
        from dbt.graph.queue import GraphQueue
        from dbt.task.build import BuildTask
    except ImportError as e:
        return f"schedule: dbt's own order (cannot hook dbt's queue: {e})"
    original_handle = getattr(BuildTask, "handle_job_queue", None)
    if not callable(original_handle) or not callable(getattr(GraphQueue, "_get_scores", None)):
        return "schedule: dbt's own order (this dbt has no GraphQueue._get_scores / BuildTask.handle_job_queue)"

    def _get_scores(self, graph) -> dict[str, float]:
        # lower is sooner: the longest expected chain first
        return {node: -level for node, level in bottom_levels(graph, seconds).items()}

    def handle_job_queue(self, pool, callback) -> None:
        slots = getattr(self, "_free_threads", None)
        if slots is None:
            slots = self._free_threads = threading.Semaphore(max(1, int(self.config.threads or 1)))
        slots.acquire()  # wait for a free thread before taking the most urgent ready node

        def done(result):
            try:
                callback(result)  # marks the node done: its children become ready first
            finally:
                slots.release()

        try:
            original_handle(self, pool, done)
        except BaseException:
            slots.release()
            raise

    GraphQueue._get_scores = _get_scores
    BuildTask.handle_job_queue = handle_job_queue
    timed = len(seconds)
    return (f"schedule: longest expected chain first ({timed} nodes timed by the last build)"
            if timed else "schedule: longest chain first (no build timed yet: 1 s a model, 0.1 s a test)")
