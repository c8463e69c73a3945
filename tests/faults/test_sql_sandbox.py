"""`python -m ingest sql` cannot write any file: each escape hatch is one line, exit 2, no change.

The issue this answers: `ingest sql "COPY (select 1) TO 'data/archive/archive.duckdb'"` used to
exit 0 and overwrite the archive index, because a read-only attach stops DROP and DELETE, not
file writes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]


def _snapshot(root: Path) -> dict[str, str]:
    """Every file under root with its sha256: 'nothing changed on disk' is this, equal."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("sqldata")
    (data / "archive").mkdir()
    for name, table in (("warehouse.duckdb", "dim_report"), ("parsed.duckdb", "reports"),
                        ("archive/archive.duckdb", "document_versions")):
        with duckdb.connect(str(data / name)) as con:
            con.execute(f"create table {table} as select 1 as report_id, '汉阴县' as issuer")
    return data


def _sql(data: Path, query: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest", "sql", query, *extra], cwd=data,
                          env={**os.environ, "DATA_DIR": str(data)}, capture_output=True, text=True,
                          timeout=60)


ESCAPES = {
    "copy over the archive index": "COPY (select 1) TO 'archive/archive.duckdb'",
    "copy over parsed store": "COPY (select 1) TO '{data}/parsed.duckdb' (FORMAT csv)",
    "copy to a new file": "COPY dim_report TO '{data}/out.parquet' (FORMAT parquet)",
    "export database": "EXPORT DATABASE '{data}/dump'",
    "attach writable": "ATTACH '{data}/parsed.duckdb' AS p",
    "attach a new file": "ATTACH '{data}/new.duckdb' AS n",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "set external access back on": "SET enable_external_access = true",
    "set anything": "SET threads = 1",
    "reset": "RESET lock_configuration",
    "read another file": "select * from read_csv('/etc/passwd')",
    "write the warehouse": "CREATE TABLE x AS SELECT 1",
    "delete": "DELETE FROM dim_report",
}


@pytest.mark.parametrize("what", sorted(ESCAPES))
def test_every_escape_is_one_line_and_changes_nothing(data_dir, what):
    before = _snapshot(data_dir)
    r = _sql(data_dir, ESCAPES[what].format(data=data_dir))
    assert r.returncode == 2, (what, r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert "Traceback" not in r.stderr
    assert _snapshot(data_dir) == before


def test_file_escapes_say_why(data_dir):
    r = _sql(data_dir, "COPY (select 1) TO 'archive/archive.duckdb'")
    assert "`ingest sql` is read-only and cannot touch files" in r.stderr


def test_queries_still_work_in_both_layouts(data_dir):
    r = _sql(data_dir, "select issuer, report_id from dim_report", "--csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["issuer,report_id", "汉阴县,1"]
    r = _sql(data_dir, "select count(*) as n from dim_report")
    assert r.returncode == 0 and "n" in r.stdout, r.stderr
