"""The archive journal: `archive reindex` rebuilds archive.duckdb exactly from it, and
`archive verify` finds damaged blobs and a damaged or stale index without changing anything.

Real crawls of the local fixture portals (HTTP over sockets on 127.0.0.1), real files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import HANYIN_SEED
from tests.crawl.conftest import FAST, REPO, run_cli
from bench.sites.portal import Portals

pytestmark = pytest.mark.slow  # real crawls and some forty `python -m ingest` processes

TABLES = ("fetch_attempts", "document_versions", "crawl_runs", "registry_sources", "archive_meta")


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def differences(a: Path, b: Path) -> dict[str, tuple[int, int, int]]:
    """table → (rows in a, rows only in a, rows only in b), for tables that differ."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    out = {}
    for t in TABLES:
        n = con.execute(f"SELECT count(*) FROM a.{t}").fetchone()[0]
        only_a = con.execute(f"SELECT count(*) FROM (SELECT * FROM a.{t} EXCEPT ALL SELECT * FROM b.{t})").fetchone()[0]
        only_b = con.execute(f"SELECT count(*) FROM (SELECT * FROM b.{t} EXCEPT ALL SELECT * FROM a.{t})").fetchone()[0]
        if only_a or only_b:
            out[t] = (n, only_a, only_b)
    con.close()
    return out


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """Two crawls of the fixture portals (new documents, then 304s and seen-again versions),
    plus a local import under a registry source: every kind of journal record."""
    tmp = tmp_path_factory.mktemp("journal")
    portals = Portals(slow_seconds=0.6, huge_bytes=2 * 1024 * 1024)
    try:
        registry = tmp / "registry.yaml"
        registry.write_text(portals.registry_yaml(), encoding="utf-8")
        data = tmp / "data"
        for _ in range(2):
            r = run_cli("crawl", "--registry", str(registry), *FAST, data_dir=data, timeout=180)
            assert r.returncode == 0, r.stderr
        r = run_cli("archive", "add", str(HANYIN_SEED), "--issuer", "汉阴县人民政府", "--source-id", "hanyin",
                    "--registry", str(registry), data_dir=data)
        assert r.returncode == 0, r.stderr
    finally:
        portals.stop()
    return data


@pytest.fixture
def data(crawled, tmp_path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(crawled, d)
    return d


def test_reindex_rebuilds_the_index_exactly(data, tmp_path):
    original = tmp_path / "original.duckdb"
    shutil.copyfile(data / "archive" / "archive.duckdb", original)
    counts = duckdb.connect(str(original), read_only=True).execute(
        "SELECT (SELECT count(*) FROM fetch_attempts), (SELECT count(*) FROM document_versions),"
        " (SELECT count(*) FROM crawl_runs), (SELECT count(*) FROM registry_sources),"
        " (SELECT count(*) FROM document_versions WHERE last_seen > first_seen)").fetchone()
    assert counts[0] > 50 and counts[1] >= 20 and counts[2] >= 6 and counts[3] >= 3 and counts[4] > 0, counts
    r = run_cli("archive", "reindex", data_dir=data)
    assert r.returncode == 0, r.stderr
    assert "reindexed" in r.stdout and "archive.duckdb.before-reindex" in r.stdout
    assert differences(original, data / "archive" / "archive.duckdb") == {}
    # and the rebuilt index goes on working: a new write gets a fresh attempt id
    r = run_cli("archive", "add", str(REPO / "tests" / "fixtures" / "html" / next(
        p.name for p in (REPO / "tests" / "fixtures" / "html").iterdir() if p.suffix == ".html")),
        "--issuer", "某县人民政府", data_dir=data)
    assert r.returncode == 0, r.stderr
    assert run_cli("archive", "verify", data_dir=data).returncode == 0


def test_verify_of_a_sound_archive_changes_nothing(data):
    before = tree(data)
    r = run_cli("archive", "verify", data_dir=data)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "archive verified: no damage" in r.stdout
    assert tree(data) == before


def test_verify_reports_a_damaged_and_a_missing_blob_and_changes_nothing(data):
    blobs = sorted((data / "archive" / "blobs").glob("??/*"))
    damaged, missing = blobs[0], blobs[1]
    os.chmod(damaged, 0o644)
    raw = bytearray(damaged.read_bytes())
    raw[len(raw) // 2] ^= 0x01  # one bit flipped: same size, different content
    damaged.write_bytes(bytes(raw))
    missing.unlink()
    before = tree(data)
    r = run_cli("archive", "verify", data_dir=data)
    assert r.returncode == 1
    assert f"DAMAGE: blob {damaged} is damaged" in r.stdout
    assert f"DAMAGE: blob {missing.name} of a stored document version is missing" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    assert tree(data) == before
    # the loader refuses the damaged blob by its hash; adding the original file repairs it
    good = bytes(raw)
    good_raw = bytearray(good)
    good_raw[len(good_raw) // 2] ^= 0x01
    src = data.parent / "original.bin"
    src.write_bytes(bytes(good_raw))
    assert hashlib.sha256(src.read_bytes()).hexdigest() == damaged.name
    assert run_cli("archive", "add", str(src), "--issuer", "汉阴县人民政府", data_dir=data).returncode == 0
    r = run_cli("archive", "verify", data_dir=data)
    assert f"blob {damaged} is damaged" not in r.stdout


def test_an_overwritten_index_is_reported_then_rebuilt(data, tmp_path):
    """The issue's report: the index overwritten with 4 bytes (as `COPY … TO` once could)."""
    index = data / "archive" / "archive.duckdb"
    original = tmp_path / "original.duckdb"
    shutil.copyfile(index, original)
    index.write_bytes(b"1\n\x00\x00")
    r = run_cli("archive", "verify", data_dir=data)
    assert r.returncode == 1
    assert "cannot be read" in r.stdout and "archive reindex" in r.stdout
    r = run_cli("archive", "list", data_dir=data)
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    r = run_cli("archive", "reindex", data_dir=data)
    assert r.returncode == 0, r.stderr
    assert differences(original, index) == {}
    assert (data / "archive" / "archive.duckdb.before-reindex").read_bytes() == b"1\n\x00\x00"


def test_an_index_changed_behind_the_archive_is_reported(data):
    index = data / "archive" / "archive.duckdb"
    with duckdb.connect(str(index)) as con:
        con.execute("UPDATE document_versions SET issuer = 'wrong' WHERE rowid = (SELECT min(rowid) FROM document_versions)")
    r = run_cli("archive", "verify", data_dir=data)
    assert r.returncode == 1
    assert "document_versions: 1 row(s) in the journal are not in the index" in r.stdout
    assert "document_versions: 1 row(s) in the index are not in the journal" in r.stdout


def test_a_kill_between_journal_and_index_loses_nothing(data, tmp_path):
    """SIGKILL after the journal's fsync, before the index commit: reindex keeps the document."""
    marker = tmp_path / "paused"
    env = {**os.environ, "DATA_DIR": str(data), "INGEST_FAULT_PAUSE": f"archive-write:{marker}"}
    src = tmp_path / "late.txt"
    src.write_bytes(HANYIN_SEED.read_bytes() + "\n（补充）".encode())
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "archive", "add", str(src), "--issuer", "汉阴县人民政府",
                             "--url", "https://www.hanyin.gov.cn/late.html"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    listed = run_cli("archive", "list", "--json", data_dir=data)
    assert sha not in listed.stdout  # the index never got it
    r = run_cli("archive", "verify", data_dir=data)
    assert r.returncode == 1 and "in the journal are not in the index" in r.stdout
    # either reindex, or simply the next writer: it redoes the journal's tail first
    saved = tmp_path / "after-kill"
    shutil.copytree(data / "archive", saved)
    assert run_cli("archive", "reindex", data_dir=data).returncode == 0
    assert sha in run_cli("archive", "list", "--json", data_dir=data).stdout
    assert run_cli("archive", "verify", data_dir=data).returncode == 0
    reindexed = tmp_path / "reindexed.duckdb"
    shutil.copyfile(data / "archive" / "archive.duckdb", reindexed)
    shutil.rmtree(data / "archive")
    shutil.copytree(saved, data / "archive")
    r = run_cli("archive", "backfill-journal", data_dir=data)  # any writable open
    assert r.returncode == 0 and "1 journal record(s) of an interrupted write applied to the index" in r.stderr
    assert run_cli("archive", "verify", data_dir=data).returncode == 0
    assert differences(reindexed, data / "archive" / "archive.duckdb") == {}


def test_a_torn_journal_tail_is_cut_and_the_archive_goes_on(data):
    journal = data / "archive" / "journal.jsonl"
    with open(journal, "ab") as fh:
        fh.write(b'{"rec":"version","txn":"dead","sha256":"ab')  # a kill mid-append
    assert run_cli("archive", "verify", data_dir=data).returncode == 0  # never committed: not damage
    assert run_cli("archive", "add", str(HANYIN_SEED), "--issuer", "汉阴县人民政府", data_dir=data).returncode == 0
    assert journal.read_bytes().endswith(b"\n") and b'"txn":"dead"' not in journal.read_bytes()
    assert run_cli("archive", "verify", data_dir=data).returncode == 0


def test_an_archive_older_than_the_journal(data, tmp_path):
    (data / "archive" / "journal.jsonl").unlink()
    r = run_cli("archive", "reindex", data_dir=data)
    assert r.returncode == 2 and "predates the journal" in r.stderr and "backfill-journal" in r.stderr
    assert run_cli("archive", "backfill-journal", data_dir=data).returncode == 0
    original = tmp_path / "original.duckdb"  # the index as it was (backfill only notes its offset)
    shutil.copyfile(data / "archive" / "archive.duckdb", original)
    assert run_cli("archive", "verify", data_dir=data).returncode == 0
    assert run_cli("archive", "reindex", data_dir=data).returncode == 0
    assert differences(original, data / "archive" / "archive.duckdb") == {}


_RECORD = """
import sys
from ingest.config import paths
from ingest.crawl.archive import Archive, Attempt, utcnow
with Archive(paths()) as a:
    a.record_many([(Attempt(run_id="r", source_id=None, url=sys.argv[1], method="GET", purpose="detail",
                            try_no=1, outcome="ok", started_at=utcnow(), status=200, bytes=1), None, None)])
    print(a.query("select max(attempt_id) from fetch_attempts")[0][0])
"""


def test_attempt_ids_of_a_killed_write_are_not_given_out_again(tmp_path):
    """The ids drawn by a transaction that never committed come back after a crash: the redo
    of the journal's tail must move the sequence past them, or the next attempt collides."""
    data = tmp_path / "data"
    env = {**os.environ, "DATA_DIR": str(data)}
    first = subprocess.run([sys.executable, "-c", _RECORD, "http://x/1"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    marker = tmp_path / "paused"
    proc = subprocess.Popen([sys.executable, "-c", _RECORD, "http://x/2"], cwd=REPO,
                            env={**env, "INGEST_FAULT_PAUSE": f"archive-write:{marker}"})
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    third = subprocess.run([sys.executable, "-c", _RECORD, "http://x/3"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=60)
    assert third.returncode == 0, third.stderr
    assert "1 journal record(s) of an interrupted write applied" in third.stderr
    urls = duckdb.connect(str(data / "archive" / "archive.duckdb"), read_only=True).execute(
        "select url from fetch_attempts order by attempt_id").fetchall()
    assert urls == [("http://x/1",), ("http://x/2",), ("http://x/3",)]
    assert run_cli("archive", "verify", data_dir=data).returncode == 0
