"""A national crawl in miniature: 20 synthetic portals on 127.x.y.z (bench/crawl_sim.py).

Real sockets to one server process, the crawler as `python -m ingest crawl` in a process of its
own, real DuckDB archives, a real SIGKILL. The sites cover the seven CMS families and six hub
layouts (year sub-columns whose URLs do not nest under the column, 「2023年报」 labels,
paginated year lists, 本级 / 部门 tabs, 更多>> boxes, report-titled links to a year's list)
with their traps (政策解读, robots-disallowed drafts, neighbouring counties, a host answering
503, a slow one, one refusing connections).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest

from bench import crawl_sim
from bench.sim_sites import FAMILIES, LAYOUTS, site

SITES = 20  # covers every family (i % 7) and every layout (i % 6) at least once each
DELAY = "0.05"


@pytest.fixture(scope="module")
def sim():
    with crawl_sim.Sim(SITES, slow_seconds=0.3) as s:
        yield s


def _crawl(sim, data: Path, *extra: str, kill_after: int | None = None) -> subprocess.CompletedProcess | int:
    registry = data.parent / "registry.yaml"
    if not registry.exists():
        sim.registry(registry)
    cmd = crawl_sim.crawl_cmd(registry, float(DELAY), 16, list(extra))
    env = {**os.environ, "DATA_DIR": str(data)}
    if kill_after is None:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    before = sum(crawl_sim.ask(sim.control)["requests"].values())
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if sum(crawl_sim.ask(sim.control)["requests"].values()) - before >= kill_after:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    return proc.wait()


def _docs(data: Path) -> list[tuple]:
    con = duckdb.connect(str(data / "archive" / "archive.duckdb"), read_only=True)
    try:
        return con.execute("SELECT source_id, url, kind, sha256, issuer, title, year_hint FROM document_versions"
                           " ORDER BY ALL").fetchall()
    finally:
        con.close()


def _attempts(data: Path) -> list[tuple]:
    con = duckdb.connect(str(data / "archive" / "archive.duckdb"), read_only=True)
    try:
        return con.execute("SELECT run_id, source_id, url FROM fetch_attempts ORDER BY attempt_id").fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def full(sim, tmp_path_factory):
    data = tmp_path_factory.mktemp("full") / "data"
    crawl_sim.ask(sim.control, "reset")
    done = _crawl(sim, data)
    assert done.returncode == 0, done.stderr[-2000:]
    return data, json.loads(done.stdout), crawl_sim.ask(sim.control)


def test_every_hub_layout_is_followed_and_nothing_else_is_stored(sim, full):
    assert {FAMILIES[i % 7] for i in range(SITES)} == set(FAMILIES)
    assert {LAYOUTS[i % len(LAYOUTS)] for i in range(SITES)} == set(LAYOUTS)
    data, summary, stats = full
    got = {(sid, urlsplit(url).path, kind) for sid, url, kind, *_ in _docs(data)}
    want = {(sid, path, kind) for sid, paths in sim.expected().items() for path, kind in paths}
    assert want - got == set()       # recall 100 %: every report behind every layout
    assert got - want == set()       # no 政策解读, no draft, no neighbour's report
    assert stats["robots_violations"] == 0
    off_site = [(sid, url) for _, sid, url in _attempts(data) if urlsplit(url).hostname != crawl_sim.address(int(sid[3:]))]
    assert off_site == []
    faults = crawl_sim.layout(SITES)
    by_fault = {f: summary["sources"][f"sim{i:05d}"] for i, f in faults.items()}
    assert by_fault["503"]["why"] and by_fault["refused"]["why"]  # a source that yields nothing says why
    assert "connection refused" in by_fault["refused"]["why"]
    assert by_fault["slow"]["new_documents"] == len(site(SITES + 1, SITES, small=True)[1])


def test_per_host_summary_is_in_the_run_record(full):
    data, summary, _ = full
    con = duckdb.connect(str(data / "archive" / "archive.duckdb"), read_only=True)
    try:
        rows = dict(con.execute("SELECT source_id, summary FROM crawl_runs").fetchall())
    finally:
        con.close()
    assert len(rows) == SITES + 3
    first = json.loads(rows["sim00000"])
    assert first["reports"] == len(site(0, SITES)[1]) and first["failures"] == 0 and first["why"] is None
    assert first["columns"]
    refused = json.loads(rows[f"sim{SITES + 2:05d}"])
    assert refused["reports"] == 0 and "connection refused" in refused["why"]


def test_a_kill_and_a_rerun_archive_what_one_crawl_does_without_starting_over(sim, full, tmp_path):
    data_full, _, stats = full
    total = sum(stats["requests"].values())
    data = tmp_path / "data"
    assert _crawl(sim, data, kill_after=total // 2) == -signal.SIGKILL
    killed = _attempts(data)
    pages = {}
    for _, sid, url in killed:
        if not url.endswith("/robots.txt"):
            pages.setdefault(sid, []).append(urlsplit(url).path)
    homes = {sid for sid, paths in pages.items() if paths[0] == "/" and len(paths) > 1}  # begun: past the home page
    assert homes, "killed before any host got past its home page"
    crawl_sim.ask(sim.control, "reset")
    rerun = _crawl(sim, data)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "continuing an interrupted crawl" in rerun.stderr
    assert _docs(data) == _docs(data_full)
    run_ids = sorted({r for r, *_ in _attempts(data)})
    again = {sid for r, sid, url in _attempts(data) if r == run_ids[-1] and urlsplit(url).path == "/"}
    assert again & homes == set()  # no host that had begun starts again from its home page
    robots_again = {sid for r, sid, url in _attempts(data)
                    if r == run_ids[-1] and url.endswith("/robots.txt") and sid in homes}
    assert robots_again == set()   # robots.txt learned before the kill is not asked again
    # the rerun sent about what remained, not a crawl from scratch
    assert sum(crawl_sim.ask(sim.control)["requests"].values()) < 0.75 * total
    # the session is over: the next run is a new crawl (conditional requests, nothing new)
    again_run = _crawl(sim, data)
    assert again_run.returncode == 0 and "continuing" not in again_run.stderr
    assert _docs(data) == _docs(data_full)


def test_budget_stops_cleanly_and_the_next_run_finishes(sim, full, tmp_path):
    data_full, _, _ = full
    data = tmp_path / "data"
    first = _crawl(sim, data, "--budget", "120")
    assert first.returncode == 0, first.stderr[-2000:]
    statuses = {s["status"] for s in json.loads(first.stdout)["sources"].values()}
    assert "interrupted" in statuses
    second = _crawl(sim, data)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "continuing an interrupted crawl" in second.stderr
    assert _docs(data) == _docs(data_full)


@pytest.mark.parametrize("value", ["ten", "0", "-5", "1.5", "3d"])
def test_bad_budget_is_one_line_and_exit_2(tmp_path, value):
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-m", "ingest", "crawl", "--budget", value], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "--budget" in done.stderr
    assert not (tmp_path / "data" / "archive").exists()
