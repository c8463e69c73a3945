"""A report published as a cover letter (函) holding the whole report: read as the report, year
from the letter's title, issuer from the report's own title inside it, else from the sender —
null with a warning when the sender is a government's office (it sends its government's
report or its own: the letter cannot tell)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import print_variation as pv
from ingest.parse import parse_bytes, parse_path

HTML = Path(__file__).resolve().parents[1] / "fixtures" / "html" / "word_2021.html"
OWN = "示范县人民政府2023年政府信息公开工作年度报告"


def _letter(sender: str, inner_title: str | None) -> bytes:
    page = HTML.read_text(encoding="utf-8")
    title = f"{sender}关于报送2023年度政府信息公开工作年度报告的函"
    page = page.replace(f'content="{OWN}"', f'content="{title}"').replace(f"<title>{OWN}", f"<title>{title}")
    letter = (f'<h1 class="article-title">{title}</h1><p>县政府办公室：</p>'
              f"<p>现将{sender}2023年度政府信息公开工作年度报告报送给你们，请审阅。</p>"
              f"<p>{sender}</p><p>2024年1月20日</p>")
    page = page.replace(f'<h1 class="article-title">{OWN}</h1>',
                        letter + (f"<p>{inner_title}</p>" if inner_title else ""))
    assert title in page and page.count(OWN) == (inner_title == OWN)
    return page.encode("utf-8")


@pytest.fixture(scope="module")
def truth():
    return parse_path(HTML)


def test_the_report_inside_a_cover_letter_is_read_with_its_own_issuer(truth):
    r = parse_bytes(_letter("示范县教育局", "示范县教育局2023年政府信息公开工作年度报告"), filename="x.html")
    s = pv.compare(truth, r)
    assert s.wrong == 0 and s.right == s.cells
    assert r["title"] == "示范县教育局关于报送2023年度政府信息公开工作年度报告的函"
    assert (r["year"], r["year_source"], r["issuer"]) == (2023, "title", "示范县教育局")


def test_without_an_inner_title_the_sender_is_the_issuer(truth):
    r = parse_bytes(_letter("示范县教育局", None), filename="x.html")
    assert r["issuer"] == "示范县教育局" and r["year"] == 2023
    assert any("cover letter" in w and "sender" in w for w in r["warnings"])


def test_a_government_office_as_sender_leaves_the_issuer_null(truth):
    r = parse_bytes(_letter("示范县人民政府办公室", "2023年政府信息公开工作年度报告"), filename="x.html")
    assert r["issuer"] is None and r["year"] == 2023
    assert any("示范县人民政府办公室" in w and "null" in w for w in r["warnings"])
    r = parse_bytes(_letter("示范县人民政府办公室", "示范县人民政府2023年政府信息公开工作年度报告"), filename="x.html")
    assert r["issuer"] == "示范县人民政府"  # the report's own title decides
