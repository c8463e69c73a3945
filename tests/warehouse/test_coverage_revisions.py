"""Coverage, revisions and corrections end to end: a fixture portal on 127.0.0.1 crawled twice,
the real loader and `dbt build` (subprocesses), the real GX validation.

The portal's county (汉阴县, 610921) lists its 2023 and 2022 reports, a page for 2021 that is
not a report (a notice served under the report's title), and nothing for 2020; 宁陕县 (610923)
is registered on a port nothing listens on. Between the two crawls the 2023 report is revised
at the same URL (four cells change). A correction of the 2023 report's printed typo is made
with `python -m ingest correct` against the first version; after the revision the build fails
with one line naming it until the correction is pointed at the new version.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.crawl.conftest import FAST
from bench.sites.portal import Portal, closed_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2024-06-01"  # coverage judged as of this day: 2019 … 2023 are all due


def _generator():
    spec = importlib.util.spec_from_file_location("html_fixture_generator",
                                                  REPO / "tests" / "fixtures" / "html" / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def report_html(year: int, *, revised: bool = False) -> str:
    """A complete 2021-template report of 汉阴县人民政府. Its table 3 prints a typo: 本年新收 by
    自然人 is 45 where the row total (54) says 44. The revision moves one application from
    予以公开 to 部分公开 (four cells: the two natural-person cells and their row totals)."""
    g = _generator()
    t3 = g.t3_values(3)
    t3["new"][0] = 45  # the typo the correction fixes
    if revised:
        t3["granted"][0] -= 1
        t3["granted"][6] -= 1
        t3["partial"][0] += 1
        t3["partial"][6] += 1
    t2 = {"regulations": [0, 0, 0], "normative_documents": [4, 1, 23], "permits": 12650,
          "penalties": 1873, "coercive_measures": 41, "fees": "1.5"}
    t4 = [1, 1, 0, 0, 2, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    return g.word_page(
        title=f"汉阴县人民政府{year}年政府信息公开工作年度报告", site="汉阴县人民政府",
        pubdate=f"{year + 1}-01-26 09:30", index_no=f"11610921MB0000000X/{year + 1}-00017",
        source="汉阴县人民政府办公室", narrative_before=["一、总体情况", "本年度，我县持续加强政府信息公开工作。"],
        t2=g.word_table2_2021(t2), t3_tables=g.word_table3(t3), t4=g.word_table4(t4),
        narrative_after=["五、存在的主要问题及改进情况", "下一步，我县将持续深化政务公开。"])


NOTICE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>关于开展政府信息公开工作检查的通知</title></head>
<body><h1>关于开展政府信息公开工作检查的通知</h1><div class="content"><p>各镇、各部门：请对照主动公开政府信息情况、
收到和处理政府信息公开申请情况逐项自查，于月底前报送。</p></div></body></html>"""

LIST = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报_汉阴县人民政府</title></head>
<body><div class="list"><ul>
<li><a href="./2024/t20240126_0001.html" target="_blank">汉阴县人民政府2023年政府信息公开工作年度报告</a><span>2024-01-26</span></li>
<li><a href="./2023/t20230126_0002.html" target="_blank">汉阴县人民政府2022年政府信息公开工作年度报告</a><span>2023-01-26</span></li>
<li><a href="./2022/t20220126_0003.html" target="_blank">汉阴县人民政府2021年政府信息公开工作年度报告</a><span>2022-01-26</span></li>
</ul></div></body></html>"""


@dataclass
class DirPortal(Portal):
    """The fixture portal serving a directory the test writes (and rewrites between crawls)."""
    directory: Path | None = None

    @property
    def root(self) -> Path:
        return self.directory


def ingest(*args: str, env: dict, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "ingest", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"ingest {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}\n{proc.stdout}")
    return proc


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_coverage_revisions_and_corrections(tmp_path):
    site = tmp_path / "site"
    listing = site / "zfxxgk" / "zfxxgknb"
    (listing / "2024").mkdir(parents=True)
    (listing / "2023").mkdir()
    (listing / "2022").mkdir()
    (listing / "index.html").write_text(LIST, encoding="utf-8")
    report_2023 = listing / "2024" / "t20240126_0001.html"
    report_2023.write_text(report_html(2023), encoding="utf-8")
    (listing / "2023" / "t20230126_0002.html").write_text(report_html(2022), encoding="utf-8")
    (listing / "2022" / "t20220126_0003.html").write_text(NOTICE, encoding="utf-8")

    portal = DirPortal("coverage", directory=site).start()
    try:
        registry = tmp_path / "registry.yaml"
        registry.write_text(f"""version: 1
sources:
  - id: hanyin
    name: 汉阴县
    code: "610921"
    province: 陕西省
    prefecture: 安康市
    base_url: {portal.base}/
    entry: /zfxxgk/zfxxgknb/index.html
    adapter: generic
    confirmed: true
  - id: ningshan
    name: 宁陕县
    code: "610923"
    province: 陕西省
    prefecture: 安康市
    base_url: http://127.0.0.1:{closed_port()}/
    entry: /zfxxgk/zfxxgknb/
    adapter: generic
    confirmed: false
""", encoding="utf-8")
        data = tmp_path / "data"
        corrections = tmp_path / "corrections.csv"
        env = {**os.environ, "DATA_DIR": str(data), "INGEST_CORRECTIONS_FILE": str(corrections),
               "INGEST_COVERAGE_AS_OF": AS_OF}
        env.pop("INGEST_DEBUG", None)
        published = data / "warehouse.duckdb"

        # ---- crawl 1, build 1, and a correction of the first version's typo ------------------
        ingest("crawl", "--registry", str(registry), *FAST, env=env)
        ingest("build", env=env)
        (v1,) = rows(published, "SELECT report_id FROM dim_report WHERE year = 2023")[0]
        made = ingest("correct", v1[:16], "table3.new.natural_person", "44", "--reason",
                      "the row total (54) and the column balance say 44", "--by", "test reviewer",
                      "--page", "1", "--evidence", "本年新收 自然人 45，合计 54", "--at", "2024-05-01",
                      env=env)
        assert "'45' → 44" in made.stdout
        with open(corrections, encoding="utf-8") as fh:
            (row,) = list(csv.DictReader(fh))
        assert (row["report_id"], row["printed_value"], row["corrected_value"]) == (v1, "45", "44")
        # a second correction of the same cell is refused, and so is a cell the report lacks
        again = ingest("correct", v1, "table3.new.natural_person", "43", "--reason", "x", "--by", "y",
                       env=env, check=False)
        assert again.returncode == 2 and len(again.stderr.strip().splitlines()) == 1
        missing = ingest("correct", v1, "table3.nothing.natural_person", "1", "--reason", "x", "--by", "y",
                         env=env, check=False)
        assert missing.returncode == 2 and "has no cell" in missing.stderr

        # ---- the portal revises the 2023 report at the same URL; crawl 2 ---------------------
        report_2023.write_text(report_html(2023, revised=True), encoding="utf-8")
        ingest("crawl", "--registry", str(registry), *FAST, env=env)

        # the correction still names the first version: the build fails with one clear line
        failed = ingest("build", env=env, check=False)
        assert failed.returncode != 0
        lines = failed.stderr.strip().splitlines()
        assert len(lines) == 1, failed.stderr
        assert "int_cell_corrections" in lines[0] and f"correction {v1[:12]}" in lines[0]
        assert f"report {v1[:12]} was revised" in lines[0]
        assert rows(published, "SELECT count(*) FROM dim_report")[0][0] == 2  # build 1 still published

        # the reviewer points the correction at the new version (same printed typo): it builds
        parsed = duckdb.connect(str(data / "parsed.duckdb"), read_only=True)
        try:
            (v2,) = parsed.execute("SELECT report_id FROM reports WHERE year = 2023 AND report_id <> ?",
                                   [v1]).fetchall()[0]
        finally:
            parsed.close()
        # … and a correction of a report this archive never held (the repository's file serves
        # every deployment) is kept, unapplied, without failing the build
        absent = "f" * 64
        corrections.write_text(corrections.read_text(encoding="utf-8").replace(v1, v2)
                               + f"elsewhere,{absent},table3,new,total,9,8,typo,,,someone,2024-05-01\n",
                               encoding="utf-8")
        ingest("build", "--skip-load", env=env)
        assert rows(published, "SELECT correction_id, status FROM intermediate.int_cell_corrections ORDER BY 1") == [
            (row["correction_id"], "applied"), ("elsewhere", "report_not_archived")]

        # ---- revisions: exactly the changed cells, both hashes, the newest version used ------
        (rev,) = rows(published, """SELECT old_sha256, new_sha256, revision_kind, old_url = new_url,
                                           cells_changed, is_latest, new_first_seen > old_first_seen
                                    FROM mart_report_revisions""")
        assert rev == (v1, v2, "same_url", True, 4, True, True)
        changed = rows(published, """SELECT table_key, row_key, column_key, change_kind, old_value::INT,
                                            new_value::INT
                                     FROM mart_revision_cells ORDER BY row_key, column_key""")
        assert changed == [("table3", "granted", "natural_person", "value", 23, 22),
                           ("table3", "granted", "total", "value", 27, 26),
                           ("table3", "partial", "natural_person", "value", 6, 7),
                           ("table3", "partial", "total", "value", 8, 9)]
        assert rows(published, "SELECT report_id, revision_count FROM mart_county_year "
                               "WHERE region_code = '610921' AND year = 2023") == [(v2, 1)]
        assert rows(published, "SELECT report_id, revision_count FROM mart_issuer_year "
                               "WHERE issuer_id = '610921:county_government' AND year = 2023") == [(v2, 1)]

        # ---- the corrected fact row keeps the printed value beside the corrected one ---------
        fact = rows(published, """SELECT applications, parsed_value::INT, raw_text, is_corrected, correction_id,
                                         page_no
                                  FROM fct_application_intake WHERE report_id = ? AND intake_measure = 'new'
                                        AND applicant_type = 'natural_person'""", [v2])
        assert fact == [(44, 45, "45", True, row["correction_id"], None)]
        assert rows(published, "SELECT count(*) FROM fct_application_intake WHERE is_corrected")[0][0] == 1

        # ---- coverage names each case ---------------------------------------------------------
        cov = dict(((r[0], r[1]), r[2:]) for r in rows(published, """
            SELECT region_code, year, status, reason, last_error FROM mart_coverage_county_year
            WHERE region_code IN ('610921', '610923', '610902')"""))
        assert {y for (_, y) in cov} == {2019, 2020, 2021, 2022, 2023}
        assert cov[("610921", 2023)][0] == "in_warehouse" and "newest of 2 versions" in cov[("610921", 2023)][1]
        assert cov[("610921", 2022)][0] == "in_warehouse"
        assert cov[("610921", 2021)][0] == "not_a_report"
        assert "does not look like" in cov[("610921", 2021)][1]
        assert cov[("610921", 2020)][0] == "no_report_for_year"
        assert all(cov[("610923", y)][0] == "source_unreachable" for y in range(2019, 2024))
        assert cov[("610923", 2022)][2] and cov[("610923", 2022)][2] in cov[("610923", 2022)][1]
        assert cov[("610902", 2023)][0] == "no_known_portal"
        issuers = rows(published, """SELECT year, status FROM mart_coverage_issuer_year
                                     WHERE issuer_id = '610921:county_government' ORDER BY year""")
        assert issuers == [(2019, "no_report_for_year"), (2020, "no_report_for_year"),
                           (2021, "not_a_report"), (2022, "in_warehouse"), (2023, "in_warehouse")]

        # ---- validation runs on the corrected value; the typo's findings are resolved --------
        checked = ingest("validate", "--no-docs", env=env, check=False)
        assert checked.returncode in (0, 3), checked.stderr
        assert "resolved by correction" in checked.stdout
        open_rules = {r[0] for r in rows(published, "SELECT rule_id FROM validation_findings "
                                                    "WHERE report_id = ? AND table_key = 'table3'", [v2])}
        assert not open_rules & {"t3_row_total", "t3_column_balance"}
        resolved = rows(published, """SELECT rule_id, row_key, column_key, correction_ids, resolution
                                      FROM validation_resolved_findings WHERE report_id = ? ORDER BY 1""", [v2])
        assert [r[0] for r in resolved] == ["t3_column_balance", "t3_row_total"]
        assert all(r[3] == row["correction_id"] and r[4] == "resolved_by_correction" for r in resolved)
    finally:
        portal.stop()
