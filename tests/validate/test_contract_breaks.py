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


def test_report_without_table2_has_no_template_and_that_is_the_publishers(db):
    with duckdb.connect(str(db)) as con:
        rid = con.execute("SELECT min(report_id) FROM dim_report").fetchone()[0]
        con.execute("UPDATE dim_report SET template = NULL WHERE report_id = ?", [rid])
        con.execute("DELETE FROM int_report_cells WHERE report_id = ? AND table_key = 'table2'", [rid])
    assert validate(db) == 3
    assert [(f[0], f[1], f[2], f[3]) for f in findings(db)] == [("tables_printed", "publisher", rid, "table2")]


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


def test_a_null_term_is_not_evaluable_not_a_break(db):
    with duckdb.connect(str(db)) as con:
        rid = con.execute("SELECT min(report_id) FROM dim_report").fetchone()[0]
        con.execute("UPDATE int_report_cells SET value = NULL, raw_text = '/', is_blank = TRUE "
                    "WHERE report_id = ? AND table_key = 'table3' AND row_key = 'granted' "
                    "AND column_key = 'research'", [rid])
    assert validate(db) == 0
    assert findings(db) == []
    with duckdb.connect(str(db), read_only=True) as con:
        rows = dict((r[0], r[1:]) for r in con.execute(
            "SELECT rule_id, checks, evaluated, not_evaluable, status FROM validation_results "
            "WHERE report_id = ?", [rid]).fetchall())
    # the granted row and the research column cannot be summed; everything else still is
    assert rows["t3_row_total"][2] == 1 and rows["t3_row_total"][3] == "pass"
    assert rows["t3_outcome_total"][2] == 1
    assert rows["t3_column_balance"][2] == 0


def test_narrative_figure_restating_two_cells(db):
    with duckdb.connect(str(db)) as con:
        rid, direct, after = con.execute("""
            SELECT report_id,
                   max(value) FILTER (WHERE row_key = 'litigation_direct'),
                   max(value) FILTER (WHERE row_key = 'litigation_after_review')
            FROM int_report_cells WHERE table_key = 'table4' AND column_key = 'total'
            GROUP BY report_id ORDER BY report_id LIMIT 1""").fetchone()
        con.execute("INSERT INTO int_narrative_facts VALUES (?, 'litigation_cases', ?, '行政诉讼案件')",
                    [rid, direct + after + 7])
    assert validate(db) == 3
    [f] = findings(db)
    assert f[:9] == ("narrative_matches_tables", "publisher", rid, "table4",
                     "litigation_direct+litigation_after_review", "total", direct + after, direct + after + 7, 7)


def test_committed_suites_are_what_the_code_defines(tmp_path):
    from ingest import config
    from ingest.validate import suites

    files = [p for p in suites.CONTEXT_DIR.rglob("*") if p.is_file() and "uncommitted" not in p.parts]
    before = {p: p.read_bytes() for p in files}
    suites.ensure(suites.context(config.paths(tmp_path)))
    after = {p: p.read_bytes() for p in suites.CONTEXT_DIR.rglob("*")
             if p.is_file() and "uncommitted" not in p.parts}
    changed = sorted(str(p.relative_to(suites.CONTEXT_DIR)) for p in after if before.get(p) != after[p])
    assert changed == [], "suites changed in code: commit the regenerated expectations/ files"


def test_validate_waits_for_no_one_while_a_build_holds_the_lock(clean_db, tmp_path, monkeypatch, capsys):
    import fcntl

    data = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data))
    (data / "build").mkdir(parents=True)
    shutil.copyfile(clean_db, data / "build" / "warehouse.duckdb")
    with open(data / "build" / ".build.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert cli.main(["validate", "--no-docs"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "a build or validation is running" in err[0]
    assert not (data / "warehouse.duckdb").exists()
