"""Incremental validation (ingest/validate/incremental.py): after an incremental build, only the
reports it changed (and those their rules compare them with) are re-checked, and the validation
tables come out as a full run over the same warehouse writes them.

The warehouses are contract tables written directly (ingest/validate/synthetic.py: 8 issuers ×
7 years, balanced, a table-4 total break planted in every 5th report where it shows), with the
corrections columns added; tests/validate/builds.py writes what an incremental build leaves
(int_report_changes, warehouse_builds)."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from ingest import cli
from ingest.validate import incremental, synthetic
from tests.validate.builds import record_build, snapshot

REPORTS = 56  # 8 issuers × 2019 … 2025
PER_RUN = {"validation_findings": ("run_id", "checked_at"),
           "validation_resolved_findings": ("run_id", "checked_at"),
           "validation_results": (), "validation_rules": ()}
TOTALS = ["reports", "checks", "not_evaluable", "publisher_findings", "pipeline_findings", "outcome",
          "exit_code"]


def validate(db, *extra) -> int:
    return cli.main(["validate", "--db", str(db), "--no-docs", "--show", "0", *extra])


def q(db, sql, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def x(db, *statements):
    with duckdb.connect(str(db)) as con:
        for s in statements:
            con.execute(s)


def rid(db, issuer: int | str, year: int) -> str:
    issuer_id = issuer if isinstance(issuer, str) else f"syn-{issuer:06d}"
    rows = q(db, "SELECT report_id FROM dim_report WHERE issuer_id = ? AND year = ?", [issuer_id, year])
    assert len(rows) == 1, (issuer_id, year, rows)
    return rows[0][0]


def set_cell(db, report_id, table, row, column, value, *, parsed=None, correction=None):
    """Set a cell's value (and parsed_value: the same unless a correction is given)."""
    x(db, f"""UPDATE int_report_cells SET value = {value}, raw_text = '{value}',
                     parsed_value = {value if parsed is None else parsed},
                     is_corrected = {correction is not None},
                     correction_id = {f"'{correction}'" if correction else 'NULL'}
              WHERE report_id = '{report_id}' AND table_key = '{table}' AND row_key = '{row}'
                AND column_key = '{column}'""")


def cell(db, report_id, table, row, column):
    return q(db, "SELECT value FROM int_report_cells WHERE report_id = ? AND table_key = ? AND row_key = ? "
                 "AND column_key = ?", [report_id, table, row, column])[0][0]


def rules_of(db, report_id):
    return sorted({r[0] for r in q(db, "SELECT rule_id FROM validation_findings WHERE report_id = ?",
                                   [report_id])})


def copy_report(db, source: str, new_id: str, issuer_id: str, year: int) -> None:
    """A new report: `source`'s cells and narrative under a new id, issuer and year."""
    x(db, f"""INSERT INTO dim_report SELECT * REPLACE ('{new_id}' AS report_id, '{issuer_id}' AS issuer_id,
                     '{issuer_id} 人民政府' AS issuer, {year} AS year, '{new_id}' AS content_sha256)
              FROM dim_report WHERE report_id = '{source}'""",
          f"""INSERT INTO int_report_cells SELECT * REPLACE ('{new_id}' AS report_id, '{issuer_id}' AS issuer_id,
                     {year} AS year)
              FROM int_report_cells WHERE report_id = '{source}'""",
          f"""INSERT INTO int_narrative_facts SELECT * REPLACE ('{new_id}' AS report_id)
              FROM int_narrative_facts WHERE report_id = '{source}'""")


def assert_same_tables(incr, full):
    """Every validation table equal row for row, but for the per-run columns."""
    for table, per_run in PER_RUN.items():
        cols = f"* EXCLUDE ({', '.join(per_run)})" if per_run else "*"
        a = q(incr, f"SELECT {cols} FROM {table} ORDER BY ALL")
        b = q(full, f"SELECT {cols} FROM {table} ORDER BY ALL")
        assert a == b, (table, sorted(set(a) ^ set(b)))
    last = f"SELECT {', '.join(TOTALS)} FROM validation_runs ORDER BY started_at DESC LIMIT 1"
    assert q(incr, last) == q(full, last)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The warehouse of a full build, validated fully: findings planted, one correction."""
    root = tmp_path_factory.mktemp("incremental")
    db = root / "warehouse.duckdb"
    synthetic.write(db, REPORTS, break_every=5)
    x(db, "ALTER TABLE int_report_cells ADD COLUMN parsed_value DECIMAL(24,6)",
          "UPDATE int_report_cells SET parsed_value = value",
          "ALTER TABLE int_report_cells ADD COLUMN is_corrected BOOLEAN DEFAULT FALSE",
          "ALTER TABLE int_report_cells ADD COLUMN correction_id VARCHAR")
    # issuer 3, 2022 carries 7 too many forward: its own column balance and 2023's carry-over break
    r = rid(db, 3, 2022)
    set_cell(db, r, "table3", "carry_forward", "natural_person",
             cell(db, r, "table3", "carry_forward", "natural_person") + 7)
    # issuer 1, 2024: a reviewed correction of a printed 总计 (the printed value breaks t4)
    r = rid(db, 1, 2024)
    set_cell(db, r, "table4", "review", "total", cell(db, r, "table4", "review", "total"),
             parsed=cell(db, r, "table4", "review", "total") + 1, correction="c1")
    # issuer 7, 2021: a correction of its carry-forward; the printed value breaks its own
    # balance and 2022's carry-over, which the issuer's correction resolves
    r = rid(db, 7, 2021)
    value = cell(db, r, "table3", "carry_forward", "natural_person")
    set_cell(db, r, "table3", "carry_forward", "natural_person", value, parsed=value + 2, correction="c7a")
    record_build(db, None, mode="full")
    return db


@pytest.fixture
def db(base, tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(base, path)
    assert validate(path) == 3  # the planted findings
    assert q(path, "SELECT mode FROM validation_runs") == [("full",)]
    return path


def test_incremental_run_equals_a_full_run(db, tmp_path, capsys):
    before = snapshot(db)
    first_run = q(db, "SELECT run_id FROM validation_runs")[0][0]
    planted = q(db, "SELECT DISTINCT report_id FROM validation_findings WHERE rule_id = 't4_group_total'")
    fixed_report = sorted(r[0] for r in planted)[0]
    # a planted break fixed: the finding disappears
    x(db, f"""UPDATE int_report_cells SET value = (SELECT sum(value) FROM int_report_cells
                 WHERE report_id = '{fixed_report}' AND table_key = 'table4' AND row_key = 'review'
                   AND column_key <> 'total'), parsed_value = NULL
              WHERE report_id = '{fixed_report}' AND table_key = 'table4' AND row_key = 'review'
                AND column_key = 'total'""",
          f"UPDATE int_report_cells SET parsed_value = value WHERE report_id = '{fixed_report}'")
    # a new break: one more lawsuit in a total
    broken = next(r for r in (rid(db, 1, y) for y in (2019, 2020, 2021, 2022, 2023)) if not rules_of(db, r))
    set_cell(db, broken, "table4", "litigation_direct", "total",
             cell(db, broken, "table4", "litigation_direct", "total") + 1)
    # cross-year, appearing: issuer 2's 2021 carries 5 more forward → 2022's carry-over breaks
    y, y1 = rid(db, 2, 2021), rid(db, 2, 2022)
    set_cell(db, y, "table3", "carry_forward", "total", cell(db, y, "table3", "carry_forward", "total") + 5)
    # cross-year, disappearing: issuer 3's 2022 restored → 2023's carry-over finding goes
    r3, r3next = rid(db, 3, 2022), rid(db, 3, 2023)
    assert "carry_over_across_years" in rules_of(db, r3next)
    set_cell(db, r3, "table3", "carry_forward", "natural_person",
             cell(db, r3, "table3", "carry_forward", "natural_person") - 7)
    # two documents for one issuer-year: issuer 4's 2020 report re-dated 2021
    moved, other = rid(db, 4, 2020), rid(db, 4, 2021)
    x(db, f"UPDATE dim_report SET year = 2021 WHERE report_id = '{moved}'",
          f"UPDATE int_report_cells SET year = 2021 WHERE report_id = '{moved}'")
    # a report filed under another issuer: issuer 0's 2019 (its 2020 loses last year's report)
    refiled = rid(db, 0, 2019)
    x(db, f"UPDATE dim_report SET issuer_id = 'syn-refiled' WHERE report_id = '{refiled}'")
    # added: issuer 5's 2026 (compared with its 2025), and a new issuer's 2024
    copy_report(db, rid(db, 5, 2025), "added-2026", "syn-000005", 2026)
    copy_report(db, rid(db, 0, 2024), "added-new-issuer", "syn-new", 2024)
    # removed: issuer 6's 2023 (its 2024 loses its carry-over check)
    gone = rid(db, 6, 2023)
    x(db, *(f"DELETE FROM {t} WHERE report_id = '{gone}'"
            for t in ("dim_report", "int_report_cells", "int_narrative_facts")))
    # the narrative contradicts the table: issuer 7's 2024
    narrated = rid(db, 7, 2024)
    x(db, f"UPDATE int_narrative_facts SET value = value + 3 WHERE report_id = '{narrated}'")
    # corrections: issuer 1's 2024 correction withdrawn (its finding is open again), a new one on
    # issuer 2's 2024
    c1 = rid(db, 1, 2024)
    x(db, f"""UPDATE int_report_cells SET value = parsed_value, is_corrected = FALSE, correction_id = NULL
              WHERE report_id = '{c1}'""")
    c2 = rid(db, 2, 2024)
    set_cell(db, c2, "table4", "review", "total", cell(db, c2, "table4", "review", "total"),
             parsed=cell(db, c2, "table4", "review", "total") + 2, correction="c2")
    # … and one on issuer 7's 2025: 2022's resolved finding now names both of the issuer's
    c7 = rid(db, 7, 2025)
    set_cell(db, c7, "table4", "review", "total", cell(db, c7, "table4", "review", "total"),
             parsed=cell(db, c7, "table4", "review", "total") + 1, correction="c7b")
    changes = record_build(db, before)
    assert sorted(changes["change"].value_counts().items()) == [("added", 2), ("changed", 10), ("removed", 1)]

    full = tmp_path / "full.duckdb"
    shutil.copyfile(db, full)
    capsys.readouterr()
    assert validate(db) == 3
    out = capsys.readouterr().out
    assert out.startswith("validation mode: incremental (build b-")
    assert "Data Docs unchanged: an incremental run does not rebuild them" in out
    assert validate(full, "--full") == 3
    assert capsys.readouterr().out.startswith("validation mode: full (--full)")

    assert_same_tables(db, full)

    # the increment did what the cases say …
    assert rules_of(db, fixed_report) == []
    assert rules_of(db, broken) == ["t4_group_total"]
    assert "carry_over_across_years" in rules_of(db, y1)
    assert "carry_over_across_years" not in rules_of(db, r3next)
    assert "unique_issuer_year" in rules_of(db, moved) and "unique_issuer_year" in rules_of(db, other)
    assert rules_of(db, narrated) == ["narrative_matches_tables"]
    assert "carry_over_across_years" in rules_of(db, "added-2026")  # its carried_over is 2025's
    assert q(db, "SELECT count(*) FROM validation_results WHERE report_id = ?", [gone]) == [(0,)]
    assert "t4_group_total" in rules_of(db, c1)
    resolved = q(db, "SELECT DISTINCT report_id, correction_ids FROM validation_resolved_findings")
    assert (c2, "c2") in resolved and (c7, "c7b") in resolved
    assert sorted(ids for r, ids in resolved if r == rid(db, 7, 2022)) == [
        ", ".join(sorted(["c7a", "c7b"], key=lambda c: rid(db, 7, 2021 if c == "c7a" else 2025)))]
    # … re-checking only some reports, and keeping the rows of the others from the first run
    mode, checked, changed, total = q(db, """SELECT mode, reports_checked, reports_changed, reports
                                             FROM validation_runs ORDER BY started_at DESC LIMIT 1""")[0]
    assert mode == "incremental" and changed == 13 and checked < total
    kept = q(db, "SELECT count(*) FROM validation_findings WHERE run_id = ?", [first_run])[0][0]
    assert 0 < kept < q(db, "SELECT count(*) FROM validation_findings")[0][0]


def test_a_second_incremental_run_on_the_same_build_changes_nothing(db, tmp_path):
    before = snapshot(db)
    r = rid(db, 2, 2023)
    set_cell(db, r, "table4", "review", "upheld", cell(db, r, "table4", "review", "upheld") + 1)
    record_build(db, before)
    assert validate(db) == 3
    once = {t: q(db, f"SELECT * EXCLUDE (run_id, checked_at) FROM {t} ORDER BY ALL")
            for t in ("validation_findings", "validation_resolved_findings")}
    results = q(db, "SELECT * FROM validation_results ORDER BY ALL")
    assert validate(db) == 3
    assert q(db, "SELECT mode FROM validation_runs ORDER BY started_at") == [("full",), ("incremental",),
                                                                            ("incremental",)]
    for t, rows in once.items():
        assert q(db, f"SELECT * EXCLUDE (run_id, checked_at) FROM {t} ORDER BY ALL") == rows
    assert q(db, "SELECT * FROM validation_results ORDER BY ALL") == results


def test_exit_code_is_the_whole_tables(db, capsys):
    """An increment whose reports are all clean still exits 3 while other reports have findings;
    a pipeline break anywhere in the increment exits 1; orphan cells are found though no report
    changed (the global check runs fully)."""
    before = snapshot(db)
    r = rid(db, 0, 2023)
    assert rules_of(db, r) == []
    set_cell(db, r, "table2", "permits", "decisions", 1)
    record_build(db, before)
    assert validate(db) == 3
    assert q(db, "SELECT reports_checked FROM validation_runs ORDER BY started_at DESC LIMIT 1")[0][0] < REPORTS

    full = db.with_name("full.duckdb")
    before = snapshot(db)
    x(db, f"""INSERT INTO int_report_cells SELECT * REPLACE ('orphan' AS report_id)
              FROM int_report_cells WHERE report_id = '{r}'""")
    record_build(db, before)  # cells alone: no report changed
    shutil.copyfile(db, full)
    capsys.readouterr()
    assert validate(db) == 1
    assert validate(full, "--full") == 1
    err = capsys.readouterr().err
    assert "internal error" not in err and err.count("pipeline failure: 1 pipeline finding(s)") == 2, err
    assert_same_tables(db, full)
    assert q(db, "SELECT rule_id FROM validation_findings WHERE report_id = 'orphan' AND severity = 'pipeline'"
             ) == [("report_has_template",)]

    # the orphan cells go again: the rows of a report no longer anywhere go with them
    before = snapshot(db)
    x(db, "DELETE FROM int_report_cells WHERE report_id = 'orphan'")
    record_build(db, before)
    assert validate(db) == 3
    assert q(db, "SELECT count(*) FROM validation_results WHERE report_id = 'orphan'") == [(0,)]


def plan_of(db, **kw):
    from ingest.validate import frames

    con = frames.open_readonly(db)
    try:
        return incremental.decide(con, **kw)
    finally:
        con.close()


def test_when_a_run_is_full(db):
    before = snapshot(db)
    r = rid(db, 0, 2023)
    set_cell(db, r, "table2", "permits", "decisions", 2)
    record_build(db, before)
    plan = plan_of(db)
    assert plan.incremental, plan.reason
    # the touched set: the report, its issuer's year before and after
    assert set(plan.scope) == {rid(db, 0, y) for y in (2022, 2023, 2024)}
    assert plan_of(db, force_full=True).reason == "--full"

    copy = db.with_name("other.duckdb")
    shutil.copyfile(db, copy)
    x(copy, "UPDATE validation_runs SET fingerprint = 'older'")
    assert "other rules or code" in plan_of(copy).reason
    x(copy, "ALTER TABLE validation_runs DROP COLUMN fingerprint")
    assert "predates incremental validation" in plan_of(copy).reason

    shutil.copyfile(db, copy)  # two builds since the last validation
    record_build(copy, snapshot(copy))
    assert "not of the build before" in plan_of(copy).reason

    shutil.copyfile(db, copy)  # a report the change list does not name
    copy_report(copy, r, "unlisted", "syn-000000", 2030)
    assert "neither validated before nor in int_report_changes" in plan_of(copy).reason

    shutil.copyfile(db, copy)  # a change list of another shape
    x(copy, "ALTER TABLE intermediate.int_report_changes DROP COLUMN prev_year")
    assert "int_report_changes or the previous validation tables cannot be read" in plan_of(copy).reason

    shutil.copyfile(db, copy)
    record_build(copy, None, mode="full")
    assert plan_of(copy).reason.endswith("was a full build")

    shutil.copyfile(db, copy)
    x(copy, "DROP TABLE validation_resolved_findings")
    assert "no previous validation" in plan_of(copy).reason

    shutil.copyfile(db, copy)
    x(copy, "DROP TABLE warehouse_builds")
    assert plan_of(copy).reason == "the warehouse records no builds (warehouse_builds)"
    copy.unlink()
