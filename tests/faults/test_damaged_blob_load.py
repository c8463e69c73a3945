"""A damaged blob is never parsed as if it were the report; once repaired it is parsed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]


def _run(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATA_DIR": str(data)}
    env.pop("INGEST_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


def _parsed(data: Path) -> tuple[list, list]:
    con = duckdb.connect(str(data / "parsed.duckdb"), read_only=True)
    try:
        reports = con.execute("select report_id from reports").fetchall()
        failures = con.execute("select sha256, error_kind from parse_failures").fetchall()
    finally:
        con.close()
    return reports, failures


def test_damaged_blob_is_a_failure_then_parsed_once_repaired(tmp_path):
    data = tmp_path / "data"
    assert _run(data, "archive", "import-snapshot").returncode == 0
    blob = sorted((data / "archive" / "blobs").glob("??/*"))[0]
    os.chmod(blob, 0o644)
    raw = bytearray(blob.read_bytes())
    raw[100] ^= 0x20
    blob.write_bytes(bytes(raw))

    r = _run(data, "load")
    assert r.returncode == 0, r.stderr
    reports, failures = _parsed(data)
    assert (blob.name,) not in reports and failures == [(blob.name, "blob_error")]
    assert _run(data, "load").returncode == 0  # still damaged: skipped, nothing new written
    assert _parsed(data) == (reports, failures)

    # the original bytes come back (here: the snapshot imported again; a crawl would do the same)
    r = _run(data, "archive", "import-snapshot")
    assert r.returncode == 0, r.stderr
    assert _run(data, "archive", "verify").returncode == 0
    r = _run(data, "load")
    assert r.returncode == 0, r.stderr
    after, failures = _parsed(data)
    assert sorted(after) == sorted(reports + [(blob.name,)]) and failures == []
