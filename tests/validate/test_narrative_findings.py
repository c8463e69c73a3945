"""Narrative findings on contract tables written directly: a 受理 figure matches new or new +
carried over; only a difference is a finding, a warning unless the sentence is unambiguous, and
it carries its sentence as evidence. The sentences are the 平潭 ones of issue 11."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from ingest import cli
from ingest.validate import synthetic


@pytest.fixture(scope="module")
def clean_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic-narrative") / "warehouse.duckdb"
    synthetic.write(path, 6)
    return path


@pytest.fixture
def db(clean_db, tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "w.duckdb"
    shutil.copyfile(clean_db, path)
    return path


def _report_with_intake(con, new: int, carried: int) -> str:
    """A report of an issuer's first year (nothing carried over into it from a report before),
    its table-3 new/carried-over totals set and balanced again; its synthetic facts removed."""
    rid = con.execute("SELECT report_id FROM dim_report ORDER BY year, report_id LIMIT 1").fetchone()[0]
    con.execute("DELETE FROM int_narrative_facts WHERE report_id = ?", [rid])
    cells = dict(((r, c), v) for r, c, v in con.execute(
        "SELECT row_key, column_key, value FROM int_report_cells WHERE report_id = ? AND table_key = 'table3'",
        [rid]).fetchall())
    # put the change in natural_person and the totals, keeping every balancing rule true
    dn = new - cells[("new", "total")]
    dc = carried - cells[("carried_over", "total")]
    for row, d in (("new", dn), ("carried_over", dc), ("granted", dn + dc), ("total", dn + dc)):
        con.execute("UPDATE int_report_cells SET value = value + ? WHERE report_id = ? AND table_key = 'table3' "
                    "AND row_key = ? AND column_key IN ('natural_person', 'total')", [d, rid, row])
    return rid


def _add_fact(con, rid: str, key: str, value: int, sentence: str) -> None:
    con.execute("INSERT INTO int_narrative_facts VALUES (?, ?, ?, ?)", [rid, key, value, sentence])


def _findings(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("""SELECT rule_id, level, row_key, expected, actual, evidence, message
                              FROM validation_findings ORDER BY ALL""").fetchall()


def _validate(db) -> int:
    return cli.main(["validate", "--db", str(db), "--no-docs"])


@pytest.mark.parametrize("figure", [749, 713])
def test_received_figure_matching_new_or_new_plus_carried_over_is_no_finding(db, figure):
    with duckdb.connect(str(db)) as con:
        rid = _report_with_intake(con, 713, 36)
        _add_fact(con, rid, "applications_received", figure, "全县全年共受理政府信息公开申请749件")
    assert _validate(db) == 0
    assert _findings(db) == []


def test_received_figure_matching_neither_is_a_warning_with_its_sentence(db):
    with duckdb.connect(str(db)) as con:
        rid = _report_with_intake(con, 740, 9)
        _add_fact(con, rid, "applications_received", 760, "全年共受理政府信息公开申请760件")
    assert _validate(db) == 3
    [(rule, level, row, expected, actual, evidence, message)] = _findings(db)
    assert (rule, level, row, expected, actual) == ("narrative_matches_tables", "warning", "new", 740, 760)
    assert evidence == "全年共受理政府信息公开申请760件"
    assert "nor new+carried_over" in message


def test_unambiguous_new_figure_differing_is_an_error(db):
    with duckdb.connect(str(db)) as con:
        rid = _report_with_intake(con, 740, 9)
        _add_fact(con, rid, "applications_new", 749, "本年新收政府信息公开申请749件")
    assert _validate(db) == 3
    [(rule, level, row, expected, actual, evidence, _)] = _findings(db)
    assert (rule, level, row, expected, actual, evidence) == (
        "narrative_matches_tables", "error", "new", 740, 749, "本年新收政府信息公开申请749件")


def test_table_arithmetic_is_an_error(db):
    with duckdb.connect(str(db)) as con:
        rid = con.execute("SELECT min(report_id) FROM dim_report").fetchone()[0]
        con.execute("UPDATE int_report_cells SET value = value + 5 WHERE report_id = ? AND table_key = 'table4' "
                    "AND row_key = 'review' AND column_key = 'total'", [rid])
    assert _validate(db) == 3
    assert {(f[0], f[1]) for f in _findings(db)} == {("t4_group_total", "error")}
