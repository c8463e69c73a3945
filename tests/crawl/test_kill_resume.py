"""A crawl killed midway (SIGKILL) and rerun ends with the same archive as an uninterrupted one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.crawl.conftest import FAST, REPO, query
from bench.sites.portal import Portals

pytestmark = pytest.mark.slow

DOC_COLUMNS = "url, sha256, source_id, issuer, title, content_type, encoding, encoding_source, bytes, year_hint, " \
              "parent_url, kind"


def archive_state(data_dir):
    """What must not depend on interruptions: every document version, and the blobs on disk."""
    docs = sorted(query(data_dir, f"SELECT {DOC_COLUMNS} FROM document_versions"))
    blobs = sorted(p.name for p in (data_dir / "archive" / "blobs").glob("??/*"))
    return docs, blobs


def crawl_process(registry, data_dir, delay="0.05"):
    args = [sys.executable, "-m", "ingest", "crawl", "--registry", str(registry), *FAST, "--delay", delay]
    env = {**os.environ, "DATA_DIR": str(data_dir)}
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_killed_crawl_resumes_to_the_same_archive(tmp_path):
    portals = Portals(slow_seconds=0.6, huge_bytes=2 * 1024 * 1024)
    try:
        registry = tmp_path / "registry.yaml"
        registry.write_text(portals.registry_yaml(), encoding="utf-8")
        county = portals["county"]

        # the reference: one uninterrupted crawl
        ref = crawl_process(registry, tmp_path / "reference")
        out, err = ref.communicate(timeout=120)
        assert ref.returncode == 0, err
        reference = archive_state(tmp_path / "reference")
        assert len(reference[0]) == 20

        # the same crawl, killed once the county portal has served a dozen requests
        portals.reset_logs()
        killed_dir = tmp_path / "killed"
        proc = crawl_process(registry, killed_dir)
        deadline = time.monotonic() + 60
        while len(county.hits) < 12 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, "the crawl finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        partial = archive_state(killed_dir)
        assert 0 < len(partial[0]) < len(reference[0])  # killed midway: some documents, not all
        assert set(partial[0]) <= set(reference[0])

        # the rerun resumes: what was stored answers 304, the rest is fetched
        rerun = crawl_process(registry, killed_dir)
        out, err = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, err
        assert "interrupted" in err  # the killed run was noticed and marked
        got = archive_state(killed_dir)
        assert set(got[0]) - set(reference[0]) == set() and set(reference[0]) - set(got[0]) == set(), (set(got[0]) ^ set(reference[0]))
        assert got == reference
        interrupted = query(killed_dir, "SELECT source_id FROM crawl_runs WHERE status = 'interrupted'")
        assert ("hanyin",) in interrupted  # the county portal was mid-crawl when the kill came
        assert not list((killed_dir / "archive" / "blobs").glob("??/.*.tmp"))
        # what the killed run stored is not fetched again blind: the rerun either skips it (the
        # frontier snapshot covered it) or asks conditionally (stored after the last snapshot),
        # and it sends fewer requests than a crawl from scratch
        killed_runs = "SELECT run_id FROM crawl_runs WHERE status = 'interrupted'"
        blind = query(killed_dir, f"""
            SELECT count(*) FROM fetch_attempts r
            WHERE r.run_id NOT IN ({killed_runs}) AND NOT r.conditional AND r.purpose <> 'robots'
              AND r.url IN (SELECT url FROM fetch_attempts k
                            WHERE k.run_id IN ({killed_runs}) AND k.sha256 IS NOT NULL)""")
        assert blind[0][0] == 0
        rerun_requests = query(killed_dir, f"SELECT count(*) FROM fetch_attempts WHERE run_id NOT IN ({killed_runs})")
        reference_requests = query(tmp_path / "reference", "SELECT count(*) FROM fetch_attempts")
        assert rerun_requests[0][0] < reference_requests[0][0]
    finally:
        portals.stop()


def test_sigterm_marks_the_run_interrupted_and_keeps_what_was_stored(tmp_path):
    portals = Portals(slow_seconds=0.6)
    try:
        registry = tmp_path / "registry.yaml"
        registry.write_text(portals.registry_yaml(include_dead=False), encoding="utf-8")
        proc = crawl_process(registry, tmp_path / "data", delay="0.1")
        deadline = time.monotonic() + 60
        while len(portals["county"].hits) < 8 and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 143
        assert "interrupted" in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
        statuses = {s for (s,) in query(tmp_path / "data", "SELECT status FROM crawl_runs")}
        assert statuses == {"interrupted"}
        stored = query(tmp_path / "data", "SELECT count(*) FROM fetch_attempts WHERE sha256 IS NOT NULL")
        assert stored[0][0] >= 5
    finally:
        portals.stop()
