"""ingest/load/dbt_schedule.py: dbt's build starts the ready node with the longest expected chain
of work below it, and takes a node from its queue only when a thread is free."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from ingest.load import dbt_schedule

from .conftest import ingest
from .test_build import _copy_state


def _graph(edges, nodes=()):
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    return g


def test_a_nodes_level_is_its_own_seconds_plus_the_longest_chain_below_it():
    g = _graph([("model.p.a", "model.p.b"), ("model.p.b", "model.p.c"), ("model.p.a", "test.p.t"),
                ("seed.p.s", "model.p.c")], nodes=["model.p.alone"])
    seconds = {"model.p.a": 0.5, "model.p.b": 2.0, "model.p.c": 0.25, "test.p.t": 3.0}
    levels = dbt_schedule.bottom_levels(g, seconds)
    assert levels["model.p.c"] == 0.25
    assert levels["model.p.b"] == 2.25
    assert levels["model.p.a"] == 0.5 + 3.0  # the test below it is the longer chain
    assert levels["seed.p.s"] == dbt_schedule.UNTIMED_OTHER + 0.25  # never timed: a seed's default
    assert levels["model.p.alone"] == dbt_schedule.UNTIMED_MODEL


def test_the_seconds_of_a_build_are_kept_per_mode_and_a_damaged_file_is_no_timing(tmp_path):
    class R:
        def __init__(self, uid, t, status):
            self.node = type("N", (), {"unique_id": uid})()
            self.execution_time = t
            self.status = status

    dbt_schedule.save_seconds(tmp_path, "full", [R("model.p.a", 1.5, "success"), R("test.p.t", 0.2, "fail")])
    dbt_schedule.save_seconds(tmp_path, "incremental", [R("model.p.a", 0.1, "success")])
    dbt_schedule.save_seconds(tmp_path, "full", [R("model.p.b", 0.7, "success")])
    assert dbt_schedule.load_seconds(tmp_path, "full") == {"model.p.a": 1.5, "model.p.b": 0.7}
    assert dbt_schedule.load_seconds(tmp_path, "incremental") == {"model.p.a": 0.1}
    (tmp_path / dbt_schedule.SECONDS_FILE).write_text("[1, 2")
    assert dbt_schedule.load_seconds(tmp_path, "full") == {}
    (tmp_path / dbt_schedule.SECONDS_FILE).write_text('["not", "a", "mapping"]')
    assert dbt_schedule.load_seconds(tmp_path, "full") == {}
    dbt_schedule.save_seconds(tmp_path, "full", [R("model.p.a", 1.0, "success")])
    assert dbt_schedule.load_seconds(tmp_path, "full") == {"model.p.a": 1.0}


@pytest.mark.slow
def test_one_thread_runs_every_ready_node_in_order_of_its_chain(real_warehouse, tmp_path, monkeypatch):
    """With one thread, run_results lists the nodes in the order they ran. At each step the node
    run has the longest expected chain (no build timed yet: the defaults) of all nodes whose
    parents had all run: what dbt's own order (by depth, then name) does not give."""
    p = _copy_state(real_warehouse["paths"], tmp_path)
    monkeypatch.setenv("WAREHOUSE_DBT_THREADS", "1")
    ingest("build", "--skip-load", "--full", data_dir=p.data_dir)
    target = p.build_dir / "dbt_target"
    log = sorted(p.logs_dir.glob("dbt-build-*.log"))[-1].read_text(encoding="utf-8")
    assert "schedule: longest chain first (no build timed yet" in log
    ran = [r["unique_id"] for r in json.loads((target / "run_results.json").read_text())["results"]]
    nodes = json.loads((target / "nodes.json").read_text())["nodes"]
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from((parent, k) for k, n in nodes.items() for parent in n["depends_on"]["nodes"]
                     if parent in nodes)
    levels = dbt_schedule.bottom_levels(g, {})
    depth = {k: d for d, gen in enumerate(nx.topological_generations(g)) for k in gen}
    done: set[str] = set()
    out_of_order = []
    dbt_would_differ = 0  # steps where dbt's own rule (depth, then name) picks another node
    for uid in ran:
        ready = [k for k in nodes if k not in done and all(p in done for p in g.predecessors(k))]
        assert uid in ready, f"{uid} ran before its parents"
        best = max(levels[k] for k in ready)
        if levels[uid] < best:
            out_of_order.append((uid, levels[uid], best))
        dbt_would_differ += min(ready, key=lambda k: (depth[k], k)) != uid
        done.add(uid)
    assert out_of_order == []
    assert dbt_would_differ > 10  # the order is ours, not dbt's by chance
    # and the next build is scheduled by this one's seconds
    timed = dbt_schedule.load_seconds(target, "full")
    assert set(timed) == set(nodes)
