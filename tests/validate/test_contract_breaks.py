"""Validation on contract tables written directly (no parser, no dbt): the pipeline-break paths
that a healthy pipeline cannot produce, and the command's handling of bad input."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from ingest import cli
from ingest.validate import synthetic


@pytest.fixture(scope="module")
def clean_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "warehouse.duckdb"
    synthetic.write(path, 28)
    return path


@pytest.fixture
def db(clean_db, tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "w.duckdb"
    shutil.copyfile(clean_db, path)
    return path


def validate(db, *extra):
    return cli.main(["validate", "--db", str(db), "--no-docs", *extra])


def findings(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("""SELECT rule_id, severity, report_id, table_key, row_key, column_key,
                                     expected, actual, difference, message
                              FROM validation_findings ORDER BY ALL""").fetchall()


def test_balanced_synthetic_warehouse_is_clean(db, capsys):
    assert validate(db) == 0
    assert findings(db) == []
    with duckdb.connect(str(db), read_only=True) as con:
        statuses = dict(con.execute("SELECT status, count(*) FROM validation_results GROUP BY 1").fetchall())
        runs = con.execute("SELECT outcome, exit_code, reports FROM validation_runs").fetchall()
        carry = con.execute("SELECT sum(evaluated) FROM validation_results "
                            "WHERE rule_id = 'carry_over_across_years'").fetchone()[0]
    assert set(statuses) == {"pass"}
    assert runs == [("clean", 0, 28)]
    assert carry > 0  # issuers have consecutive years: the cross-year rule is evaluated
    assert "outcome: clean (exit 0)" in capsys.readouterr().out


def test_missing_cell_fails_the_run(db):
    with duckdb.connect(str(db)) as con:
        rid = con.execute("SELECT min(report_id) FROM dim_report").fetchone()[0]
        con.execute("DELETE FROM int_report_cells WHERE report_id = ? AND table_key = 'table4' "
                    "AND row_key = 'review' AND column_key = 'pending'", [rid])
    assert validate(db) == 1
    rows = [f for f in findings(db) if f[1] == "pipeline"]
    assert [(f[0], f[2], f[3], f[4], f[5]) for f in rows] == [
        ("complete_cells", rid, "table4", "review", "pending")]
    # the group with a missing term is not evaluable, not a publisher break
    assert not [f for f in findings(db) if f[1] == "publisher"]


def test_report_loaded_twice_fails_the_run(db):
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO dim_report SELECT * FROM dim_report ORDER BY report_id LIMIT 1")
    assert validate(db) == 1
    rules = {f[0] for f in findings(db)}
    assert "report_loaded_once" in rules
    assert "unique_issuer_year" not in rules  # same content twice is ours, not the publisher's


def test_two_documents_for_one_issuer_year_are_a_publisher_finding(db):
    with duckdb.connect(str(db)) as con:
        a, b = con.execute("SELECT report_id, issuer_id, year FROM dim_report ORDER BY report_id LIMIT 2"
                           ).fetchall()
        con.execute("UPDATE dim_report SET issuer_id = ?, year = ? WHERE report_id = ?", [a[1], a[2], b[0]])
    assert validate(db) == 3
    dup = [f for f in findings(db) if f[0] == "unique_issuer_year"]
    assert sorted(f[2] for f in dup) == sorted([a[0], b[0]])
    assert all(f[1] == "publisher" and f[7] == 2 and f[8] == 1 for f in dup)


def test_report_without_template_fails_the_run(db):
    with duckdb.connect(str(db)) as con:
        rid = con.execute("SELECT min(report_id) FROM dim_report").fetchone()[0]
        con.execute("UPDATE dim_report SET template = NULL WHERE report_id = ?", [rid])
    assert validate(db) == 1
    assert [(f[0], f[2]) for f in findings(db) if f[1] == "pipeline"] == [("report_has_template", rid)]


def test_cell_outside_the_template_and_duplicate_cell_fail_the_run(db):
    with duckdb.connect(str(db)) as con:
        con.execute("""INSERT INTO int_report_cells
                       SELECT * REPLACE ('procurement' AS row_key) FROM int_report_cells
                       WHERE template = '2021' AND table_key = 'table2' AND row_key = 'permits' LIMIT 1""")
        con.execute("""INSERT INTO int_report_cells SELECT * FROM int_report_cells
                       WHERE table_key = 'table3' AND row_key = 'new' AND column_key = 'research' LIMIT 1""")
    assert validate(db) == 1
    rules = sorted((f[0], f[4]) for f in findings(db) if f[1] == "pipeline")
    assert rules == [("known_cells", "procurement"), ("unique_cells", "new")]


def test_no_warehouse_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "empty"))
    assert cli.main(["validate"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "make build" in err[0]


def test_not_a_duckdb_file_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    bogus = tmp_path / "w.duckdb"
    bogus.write_text("not a database")
    assert validate(bogus) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a readable DuckDB warehouse" in err[0]


def test_warehouse_without_contract_tables_is_a_pipeline_failure(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    assert validate(path) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "int_report_cells" in err[0]
