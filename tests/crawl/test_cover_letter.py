"""A report published as a cover letter (函) holding the whole report is kept by the crawler,
its sender as the issuer hint and its year from the title; a notice asking bodies to send their
reports (「关于报送…的通知」) is not. A small site served by a real HTTP server on 127.0.0.1
and crawled as `python -m ingest crawl` does."""

from __future__ import annotations

import pytest

from bench.sites.layouts import links, page
from ingest.crawl.discovery import is_report_title, issuer_of
from tests.crawl.conftest import query, shiquan_site
from tests.crawl.test_discovery import crawl

GOV = "石泉县人民政府"
LETTER = "石泉县教育局关于报送2020年度政府信息公开工作年度报告的函"
NOTICE = "石泉县人民政府办公室关于报送2020年度政府信息公开工作年度报告的通知"


def test_cover_letter_titles():
    assert is_report_title(LETTER)
    assert is_report_title("石泉县人民政府办公室关于报送2020年度政府信息公开工作年度报告的函")
    assert not is_report_title(NOTICE)
    assert not is_report_title("关于做好2020年度政府信息公开工作年度报告编制发布工作的通知")
    assert issuer_of(LETTER, default=GOV) == "石泉县教育局"


@pytest.fixture
def site(tmp_path):
    body = ("<p>县政府办公室：</p><p>现将我局2020年度政府信息公开工作年度报告报送给你们。</p>"
            "<p>石泉县教育局2020年政府信息公开工作年度报告</p><p>一、总体情况</p><p>……</p>"
            "<p>二、主动公开政府信息情况</p><table><tr><td>规章</td><td>0</td></tr></table>"
            "<p>三、收到和处理政府信息公开申请情况</p><p>……</p>")
    files = {
        "/index.html": page("政府信息公开年报", links(("/nb/2021/t1.html", LETTER), ("/nb/2021/t2.html", NOTICE)),
                            gov=GOV),
        "/nb/2021/t1.html": page(LETTER, f"<h1>{LETTER}</h1>{body}", gov=GOV),
        "/nb/2021/t2.html": page(NOTICE, f"<h1>{NOTICE}</h1><p>各部门：请于3月31日前报送。</p>", gov=GOV),
    }
    portal, registry = shiquan_site(tmp_path, "letters", files)
    try:
        yield portal, registry
    finally:
        portal.stop()


def test_the_crawler_keeps_a_report_sent_as_a_cover_letter(site, tmp_path):
    portal, registry = site
    data_dir = tmp_path / "data"
    crawl(registry, data_dir)
    rows = query(data_dir, "SELECT url, kind, issuer, year_hint, title FROM document_versions")
    assert rows == [(portal.base + "/nb/2021/t1.html", "page", "石泉县教育局", 2020, LETTER)], rows
