"""A registry entry whose reports name a zone, a differently named government, departments and
an area office: crawl it from a fixture portal on 127.0.0.1, build, and find every report under
the entry's code (crawl → load → dbt build → query, all real).

平潭 (350128 平潭县 in the division dataset) publishes as 平潭综合实验区管委会 / 管理委员会 /
平潭综合实验区; no county-level unit carries those names, so only the registry entry that fetched
the reports (and the reviewed alias table) can place them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.crawl.conftest import FAST, run_cli
from bench.sites.portal import Portal

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "tests" / "fixtures" / "html" / "report_2019.html"

# (path, issuer as the report prints it, year, issuer_level expected)
REPORTS = [
    ("zwgk/zfxxgknb/202002/t20200210_1.html", "平潭综合实验区管委会", 2019, "county_government"),
    ("zwgk/zfxxgknb/202102/t20210210_2.html", "平潭综合实验区管理委员会", 2020, "county_government"),
    ("zwgk/zfxxgknb/202202/t20220210_3.html", "平潭综合实验区", 2021, "county_government"),
    ("zwgk/zfxxgknb/202302/t20230210_4.html", "平潭县人民政府", 2022, "county_government"),
    ("zwgk/zfxxgknb/202302/t20230211_5.html", "平潭综合实验区经济发展局", 2022, "department"),
    ("zwgk/zfxxgknb/202302/t20230212_6.html", "平潭综合实验区君山片区管理局", 2022, "area_office"),
]


def _report_page(issuer: str, year: int) -> str:
    page = TEMPLATE.read_text(encoding="utf-8")
    page = page.replace("样例区人民政府", issuer).replace("样例区", issuer)
    return page.replace("2019年", f"{year}年").replace("2020-03-20", f"{year + 1}-02-10")


def _write_site(root: Path) -> None:
    (root / "zwgk" / "zfxxgknb").mkdir(parents=True)
    (root / "index.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>平潭综合实验区</title></head><body>'
        '<a href="/zwgk/zfxxgknb/index.html">政府信息公开年报</a></body></html>', encoding="utf-8")
    items = []
    for path, issuer, year, _ in REPORTS:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(_report_page(issuer, year), encoding="utf-8")
        items.append(f'<li><a href="/{path}">{issuer}{year}年政府信息公开工作年度报告</a></li>')
    (root / "zwgk" / "zfxxgknb" / "index.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>'
        f'<ul>{"".join(items)}</ul></body></html>', encoding="utf-8")


class _SitePortal(Portal):
    def __init__(self, root: Path):
        super().__init__("zone")
        self._root = root

    @property
    def root(self) -> Path:
        return self._root


@pytest.mark.slow
def test_a_zone_county_lands_every_report_under_the_entry_code(tmp_path):
    site = tmp_path / "site"
    _write_site(site)
    portal = _SitePortal(site).start()
    data = tmp_path / "data"
    try:
        registry = tmp_path / "registry.yaml"
        registry.write_text(f"""version: 1
sources:
  - id: pingtan
    name: 平潭县
    code: "350128"
    province: 福建省
    prefecture: 福州市
    base_url: {portal.base}/
    entry: /
    adapter: generic
    confirmed: true
""", encoding="utf-8")
        crawl = run_cli("crawl", "--registry", str(registry), *FAST, data_dir=data, timeout=300)
        assert crawl.returncode == 0, crawl.stderr
    finally:
        portal.stop()
    build = run_cli("build", data_dir=data, timeout=900)
    assert build.returncode == 0, build.stderr + build.stdout

    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        county = con.execute("SELECT region_code, year, issuer FROM mart_county_year ORDER BY year").fetchall()
        assert county == [("350128", y, i) for _, i, y, lvl in REPORTS if lvl == "county_government"]
        bodies = con.execute("""SELECT issuer, year, issuer_level, region_code, region_match_method
                                FROM mart_issuer_year ORDER BY year, issuer""").fetchall()
        assert sorted(bodies) == sorted((i, y, lvl, "350128", "source") for _, i, y, lvl in REPORTS)
        assert con.execute("SELECT count(*) FROM mart_unassigned_reports").fetchone() == (0,)
        # the evidence names the registry entry that fetched each report
        evidence = con.execute("SELECT DISTINCT region_evidence FROM dim_report").fetchall()
        assert evidence and all("source pingtan (350128 平潭县" in e for (e,) in evidence)
        # "all issuers of one county" is one query
        assert con.execute("SELECT count(DISTINCT issuer_id) FROM mart_issuer_year WHERE region_code = '350128'"
                           ).fetchone() == (3,)
    finally:
        con.close()
