"""Facts an analyst can add up: the fct_* an analyst reaches first hold the current version of
every report, so summing them by county and year gives mart_county_year's figures; a revision
moves no sum except by the cells it changed; every version stays in fct_*_history.

Real synthetic reports in a real archive, the real loader and `python -m ingest build` (dbt as
a subprocess): one full build, then a revision and a second document, then an incremental build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

import duckdb
import pytest

from ingest import templates
from ingest.config import paths as make_paths
from ingest.crawl.archive import Archive
from ingest.synthetic import FIRST_YEAR, _text, generate, insert_documents, planted_rule, units, write_archive

from .conftest import ingest

pytestmark = pytest.mark.slow

UNITS, YEARS = 6, 2

# fact → (value column, row column, column column, table_key): how a fact row names its cell
FACTS = {
    "fct_applications": ("applications", "outcome_key", "applicant_type", "table3"),
    "fct_application_intake": ("applications", "intake_measure", "applicant_type", "table3"),
    "fct_permits": ("value", "permit_item", "measure", "table2"),
    "fct_penalties": ("value", "enforcement_kind", "measure", "table2"),
    "fct_regulations": ("value", "document_kind", "measure", "table2"),
    "fct_reviews_litigation": ("cases", "proceeding", "result", "table4"),
}

# mart_county_year column → the sum over a fact that makes it
MART_SUMS = {
    "handled": "select region_code, year, sum(applications) from fct_applications group by all",
    "applications_new": "select region_code, year, sum(applications) filter (where intake_measure = 'new') "
                        "from fct_application_intake group by all",
    "permit_decisions": "select region_code, year, sum(value) filter (where permit_item = 'permits' "
                        "and measure = 'decisions') from fct_permits group by all",
    "penalty_decisions": "select region_code, year, sum(value) filter (where enforcement_kind = 'penalties' "
                         "and measure = 'decisions') from fct_penalties group by all",
    "review_cases": "select region_code, year, sum(cases) filter (where proceeding = 'review') "
                    "from fct_reviews_litigation group by all",
    "fee_amount_yuan": "select region_code, year, sum(amount_yuan) filter (where measure = 'fee_amount_yuan') "
                       "from fct_fees group by all",
}


def _query(db, sql, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _mismatches(db, headline_only: bool) -> dict[str, list]:
    """Per mart column, the county-years where the fact's plain sum differs from the mart (only
    over each county-year's headline report when `headline_only`)."""
    out = {}
    for column, sql in MART_SUMS.items():
        fact = sql.split(" from ")[-1].split()[0]
        if headline_only:
            sql = sql.replace(f"from {fact}", f"from {fact} semi join mart_county_year as h using (report_id)")
        out[column] = _query(db, f"""
            select m.region_code, m.year, m.{column}, s.total
            from mart_county_year as m
            full join ({sql}) as s(region_code, year, total) using (region_code, year)
            where m.{column} is distinct from s.total""")
    return {k: v for k, v in out.items() if v}


def _cell_sums(db) -> dict[tuple, int]:
    """Every fact summed by county, year and cell: (fact, region, year, table, row, column) → sum."""
    sums = {}
    for fact, (value, row, col, table) in FACTS.items():
        for region, year, r, c, total in _query(
                db, f"select region_code, year, {row}, {col}, sum({value}) from {fact} group by all"):
            sums[(fact, region, year, table, r, c)] = total
    return sums


def _archive_version(p, unit_no: int, issuer: str, year: int, text: str, url: str, run_id: str,
                     now: dt.datetime) -> str:
    data = text.encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    with Archive(p) as archive:
        archive.blob_path(sha).parent.mkdir(parents=True, exist_ok=True)
        archive.blob_path(sha).write_bytes(data)
        insert_documents(archive, {"sha256": [sha], "url": [url], "source_id": [f"synthetic-{unit_no:06d}"],
                                   "issuer": [issuer], "bytes": [len(data)], "year_hint": [year]}, now, run_id)
    return sha


def _replay(unit_no: int, issuer: str, year: int):
    """The unit's report of `year` as write_archive generated it (same random stream)."""
    rng, carry = random.Random(20240101 * 1_000_003 + unit_no), None
    for y in range(FIRST_YEAR, year + 1):
        rep = generate(issuer, y, rng, carry, planted_rule(unit_no, y - FIRST_YEAR, YEARS))
        carry = {c: rep.table3["carry_forward"][c] for c in rep.table3["carry_forward"]}
    return rep


def test_facts_add_up_to_the_mart_and_a_revision_moves_only_its_cells(tmp_path_factory):
    data = tmp_path_factory.mktemp("current-versions")
    p = make_paths(data)
    write_archive(p, UNITS, YEARS)
    ingest("build", data_dir=data)
    db = p.warehouse_db

    # ---- one version per report: the first query anyone writes gives the mart's figures ----------
    assert _mismatches(db, headline_only=False) == {}
    before = _cell_sums(db)
    assert len(before) > 100

    # ---- the source revises unit 3's second report (same URL, later run): a few cells change, and
    #      the printed review total that was one more than its parts (a planted finding) is mended
    names = units(UNITS)
    year = FIRST_YEAR + 1
    rep = _replay(3, names[3], year)
    assert rep.plant == "t4_group_total"
    rep.table2["permits"]["decisions"] = str(int(rep.table2["permits"]["decisions"]) + 7)
    for r in ("granted", "new", "total"):  # one more granted application, balanced everywhere
        rep.table3[r]["natural_person"] += 1
        rep.table3[r]["total"] += 1
    rep.table4["review"]["corrected"] += 1  # the printed total (parts + 1) now equals its parts
    rep.plant = None
    t = templates.load()
    url = f"synthetic://reports/{3:06d}/{year}.txt"
    old_id = _query(db, "select report_id from dim_report where source_url = ?", [url])[0][0]
    ingest("validate", "--no-docs", data_dir=data, check=False)
    assert ("t4_group_total",) in _query(db, "select rule_id from validation_findings where report_id = ?", [old_id])
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=1)
    new_id = _archive_version(p, 3, names[3], year, _text(rep, t), url, "revision-run", later)

    # ---- unit 2 publishes a second document for its first year (seen in the same run as the first:
    #      not a revision): the county-year keeps one headline report
    second = _replay(2, names[2], FIRST_YEAR)
    second.table2["permits"]["decisions"] = str(int(second.table2["permits"]["decisions"]) + 1000)
    other_url = f"synthetic://reports/{2:06d}/{FIRST_YEAR}-copy.txt"
    first_seen = _query(p.archive_db, "select first_seen from document_versions where url = ?",
                        [f"synthetic://reports/{2:06d}/{FIRST_YEAR}.txt"])[0][0]
    _archive_version(p, 2, names[2], FIRST_YEAR, _text(second, t), other_url, "synthetic", first_seen)

    ingest("load", data_dir=data)
    proc = ingest("build", "--skip-load", data_dir=data)
    assert "build: incremental" in proc.stdout

    # every version stays, and says which replaced it
    versions = dict(((r[0]), r[1:]) for r in _query(db, "select report_id, is_current, superseded_by from dim_report"))
    assert versions[old_id] == (False, new_id) and versions[new_id] == (True, None)
    history = _query(db, "select report_id, is_current, count(*) from fct_permits_history "
                         "where source_url = ? group by all order by 2", [url])
    assert [(r[0], r[1]) for r in history] == [(old_id, False), (new_id, True)]
    assert _query(db, "select count(*) from fct_permits where report_id = ?", [old_id]) == [(0,)]

    # the mart and the facts agree: by plain sums wherever a county-year has one document, and over
    # each county-year's headline report everywhere
    region2 = _query(db, "select region_code from dim_report where source_url = ?", [other_url])[0][0]
    assert _query(db, "select reports_for_year from mart_county_year where region_code = ? and year = ?",
                  [region2, FIRST_YEAR]) == [(2,)]
    plain = _mismatches(db, headline_only=False)
    assert {(r[0], r[1]) for rows in plain.values() for r in rows} == {(region2, FIRST_YEAR)}
    assert _mismatches(db, headline_only=True) == {}

    # no sum moved except by the revised cells, each by exactly its change (mart_revision_cells)
    after = _cell_sums(db)
    region1 = _query(db, "select region_code from dim_report where report_id = ?", [new_id])[0][0]
    moved = {k: (before.get(k), after.get(k)) for k in before.keys() | after.keys()
             if before.get(k) != after.get(k) and k[1:3] != (region2, FIRST_YEAR)}
    changed = {(table, row, col): int(diff) for table, row, col, diff in _query(
        db, "select table_key, row_key, column_key, difference from mart_revision_cells "
            "where new_report_id = ? and change_kind = 'value'", [new_id])}
    expected = {}
    for fact, (_, row, col, table) in FACTS.items():
        for (t_key, r, c), diff in changed.items():
            k = (fact, region1, year, table, r, c)
            if t_key == table and k in after:
                expected[k] = (after[k] - diff, after[k])
    assert moved == expected
    assert {(k[0], k[4], k[5]) for k in moved} >= {
        ("fct_permits", "permits", "decisions"), ("fct_applications", "granted", "natural_person"),
        ("fct_application_intake", "new", "natural_person"), ("fct_reviews_litigation", "review", "corrected")}

    # ---- findings follow versions: the replaced version's leave validation_findings for the
    #      history, with the version that replaced them; a revision is not a second document, a
    #      second document is
    checked = ingest("validate", "--no-docs", data_dir=data, check=False)
    assert "validation mode: incremental" in checked.stdout
    assert _query(db, "select count(*) from validation_findings where report_id = ?", [old_id]) == [(0,)]
    assert ("t4_group_total", new_id) in _query(
        db, "select rule_id, superseded_by from validation_findings_history where report_id = ?", [old_id])
    assert ("t4_group_total",) not in _query(db, "select rule_id from validation_findings where report_id = ?",
                                             [new_id])
    duplicates = _query(db, "select distinct region_code, year from validation_findings "
                            "where rule_id = 'unique_issuer_year'")
    assert duplicates == [(region2, FIRST_YEAR)]
