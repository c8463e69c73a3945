"""The two Hongze PDFs of ../shared/corpus, every cell checked.

The expected tables below were read off the RENDERED pages (pdfplumber
`page.to_image(resolution=110)`, zoomed crops at 160–180 dpi for the numbers), not from the
text layer, whose line order puts wrapped labels above and below their numbers. Notes from
the rendering:
- both years print table 3 with （六）其他处理 as ONE row beside a 2021-format table 2;
- Hongze 2023 table 4 prints 总计 0 beside 结果维持 10 / 结果纠正 1 (行政复议) and beside
  结果维持 5 (复议后起诉): totals that do not equal their parts, reported as printed;
- the row label 2.其他法律行政法规禁止公开 is printed as "2.其他法律行政止公开" in both years;
- table 3 runs from page 3 onto page 4, table 2 from page 2 onto page 3.
The tests skip cleanly when ../shared/corpus is absent.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.parse import parse_path
from ingest.parse.readers import pdf
from ingest.templates import load

REPO = Path(__file__).resolve().parents[2]
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()

pytestmark = pytest.mark.corpus


def corpus_pdf(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"../shared/corpus/{name} is not available")
    return path


# Table 3 columns in printed order: 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计.
T3_COLUMNS = [c.key for c in load().table3_columns if not c.optional]

EXPECTED = {
    "hongze_2023.pdf": {
        "title": "洪泽区人民政府2023年政府信息公开工作年度报告",
        "year": 2023,
        "issuer": "洪泽区人民政府",
        "template": "2021",
        "table3_shape": "one_row",
        "info_processing_fee_yuan": Decimal("0"),
        "table2": {
            "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
            "normative_documents": {"issued": 0, "repealed": 5, "in_force": 5},
            "permits": {"decisions": 550},
            "penalties": {"decisions": 4119},
            "coercive_measures": {"decisions": 195},
            "fees": {"amount_10k_yuan": Decimal("7730.28")},
        },
        "table3": {
            #                          自然人 商业 科研 公益 法律 其他 总计
            "new":                     [21, 0, 0, 0, 0, 0, 21],
            "carried_over":            [0, 0, 0, 0, 0, 0, 0],
            "granted":                 [0, 0, 0, 0, 0, 0, 0],
            "partial":                 [4, 0, 0, 0, 0, 0, 4],
            "deny_state_secret":       [1, 0, 0, 0, 0, 0, 1],
            "deny_law_forbidden":      [0, 0, 0, 0, 0, 0, 0],
            "deny_security_stability": [0, 0, 0, 0, 0, 0, 0],
            "deny_third_party":        [0, 0, 0, 0, 0, 0, 0],
            "deny_internal_affairs":   [0, 0, 0, 0, 0, 0, 0],
            "deny_process_info":       [1, 0, 0, 0, 0, 0, 1],
            "deny_enforcement_file":   [1, 0, 0, 0, 0, 0, 1],
            "deny_query_matter":       [0, 0, 0, 0, 0, 0, 0],
            "unable_not_held":         [10, 0, 0, 0, 0, 0, 10],
            "unable_needs_creation":   [3, 0, 0, 0, 0, 0, 3],
            "unable_unclear":          [0, 0, 0, 0, 0, 0, 0],
            "reject_petition":         [1, 0, 0, 0, 0, 0, 1],
            "reject_duplicate":        [0, 0, 0, 0, 0, 0, 0],
            "reject_publication":      [0, 0, 0, 0, 0, 0, 0],
            "reject_mass_repeat":      [0, 0, 0, 0, 0, 0, 0],
            "reject_confirmation":     [0, 0, 0, 0, 0, 0, 0],
            "other":                   [0, 0, 0, 0, 0, 0, 0],
            "total":                   [21, 0, 0, 0, 0, 0, 21],
            "carry_forward":           [0, 0, 0, 0, 0, 0, 0],
        },
        "table4": {
            #                           维持 纠正 其他 未结 总计
            "review":                  [10, 1, 0, 0, 0],
            "litigation_direct":       [0, 0, 0, 0, 0],
            "litigation_after_review": [5, 0, 0, 0, 0],
        },
    },
    "hongze_2024.pdf": {
        "title": "淮安市洪泽区人民政府2024年政府信息公开工作年度报告",
        "year": 2024,
        "issuer": "淮安市洪泽区人民政府",
        "template": "2021",
        "table3_shape": "one_row",
        "info_processing_fee_yuan": Decimal("0"),
        "table2": {
            "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
            "normative_documents": {"issued": 3, "repealed": 0, "in_force": 8},
            "permits": {"decisions": 9487},
            "penalties": {"decisions": 2776},
            "coercive_measures": {"decisions": 84},
            "fees": {"amount_10k_yuan": Decimal("7545")},
        },
        "table3": {
            #                          自然人 商业 科研 公益 法律 其他 总计
            "new":                     [95, 0, 0, 0, 0, 0, 95],
            "carried_over":            [0, 0, 0, 0, 0, 0, 0],
            "granted":                 [50, 0, 0, 0, 0, 0, 50],
            "partial":                 [9, 0, 0, 0, 0, 0, 9],
            "deny_state_secret":       [0, 0, 0, 0, 0, 0, 0],
            "deny_law_forbidden":      [0, 0, 0, 0, 0, 0, 0],
            "deny_security_stability": [1, 0, 0, 0, 0, 0, 1],
            "deny_third_party":        [0, 0, 0, 0, 0, 0, 0],
            "deny_internal_affairs":   [0, 0, 0, 0, 0, 0, 0],
            "deny_process_info":       [1, 0, 0, 0, 0, 0, 1],
            "deny_enforcement_file":   [1, 0, 0, 0, 0, 0, 1],
            "deny_query_matter":       [0, 0, 0, 0, 0, 0, 0],
            "unable_not_held":         [31, 0, 0, 0, 0, 0, 31],
            "unable_needs_creation":   [1, 0, 0, 0, 0, 0, 1],
            "unable_unclear":          [0, 0, 0, 0, 0, 0, 0],
            "reject_petition":         [1, 0, 0, 0, 0, 0, 1],
            "reject_duplicate":        [0, 0, 0, 0, 0, 0, 0],
            "reject_publication":      [0, 0, 0, 0, 0, 0, 0],
            "reject_mass_repeat":      [0, 0, 0, 0, 0, 0, 0],
            "reject_confirmation":     [0, 0, 0, 0, 0, 0, 0],
            "other":                   [0, 0, 0, 0, 0, 0, 0],
            "total":                   [95, 0, 0, 0, 0, 0, 95],
            "carry_forward":           [0, 0, 0, 0, 0, 0, 0],
        },
        "table4": {
            #                           维持 纠正 其他 未结 总计
            "review":                  [1, 1, 0, 0, 2],
            "litigation_direct":       [1, 0, 0, 0, 1],
            "litigation_after_review": [2, 0, 1, 0, 3],
        },
    },
}
FILES = sorted(EXPECTED)


@pytest.fixture(scope="module")
def reports() -> dict[str, dict]:
    """Each PDF parsed once for the whole module (pdfplumber takes ~0.5 s a file)."""
    out = {}
    for name in FILES:
        path = CORPUS / name
        if path.is_file():
            out[name] = parse_path(path)
    return out


def _report(reports: dict, name: str) -> dict:
    corpus_pdf(name)
    return reports[name]


@pytest.mark.parametrize("name", FILES)
def test_metadata(reports, name):
    report, exp = _report(reports, name), EXPECTED[name]
    for key in ("title", "year", "issuer", "template", "table3_shape", "info_processing_fee_yuan"):
        assert report[key] == exp[key], key
    assert isinstance(report["info_processing_fee_yuan"], Decimal)
    assert report["source"]["kind"] == "pdf"


@pytest.mark.parametrize("name", FILES)
def test_table2_every_cell(reports, name):
    report, exp = _report(reports, name), EXPECTED[name]
    assert report["table2"] == exp["table2"]
    fee = report["table2"]["fees"]["amount_10k_yuan"]
    assert isinstance(fee, Decimal) and fee == exp["table2"]["fees"]["amount_10k_yuan"]


@pytest.mark.parametrize("name", FILES)
def test_table3_every_cell(reports, name):
    report, exp = _report(reports, name), EXPECTED[name]
    expected = {row: dict(zip(T3_COLUMNS, values, strict=True)) for row, values in exp["table3"].items()}
    # Every row a one-row （六） table prints, in the template's order, and nothing else with values.
    assert list(expected) == load().table3_row_keys("one_row")
    got = {row: {c: cols.get(c) for c in T3_COLUMNS} for row, cols in report["table3"].items()
           if any(v is not None for v in cols.values())}
    assert got == expected
    for row, cols in report["table3"].items():
        if row not in expected:
            assert all(v is None for v in cols.values()), row


@pytest.mark.parametrize("name", FILES)
def test_table4_every_cell(reports, name):
    report, exp = _report(reports, name), EXPECTED[name]
    cols = [c.key for c in load().table4_columns]
    expected = {g: dict(zip(cols, values, strict=True)) for g, values in exp["table4"].items()}
    assert report["table4"] == expected


def test_hongze_2023_table4_totals_are_reported_as_printed(reports):
    t4 = _report(reports, "hongze_2023.pdf")["table4"]
    # Printed: 10 + 1 + 0 + 0 with 总计 0, and 5 + 0 + 0 + 0 with 总计 0. Never "fixed".
    assert t4["review"]["total"] == 0 and t4["review"]["upheld"] + t4["review"]["corrected"] == 11
    assert t4["litigation_after_review"]["total"] == 0
    assert t4["litigation_after_review"]["upheld"] == 5
    raw = _report(reports, "hongze_2023.pdf")["raw"]["table4"]
    assert raw["review"]["total"] == "0" and raw["review"]["upheld"] == "10"


@pytest.mark.parametrize("name", FILES)
def test_raw_text_is_what_was_printed(reports, name):
    report = _report(reports, name)
    raw = report["raw"]
    assert raw["table2"]["fees"]["amount_10k_yuan"] == {"hongze_2023.pdf": "7730.28",
                                                         "hongze_2024.pdf": "7545"}[name]
    assert raw["table3"]["new"]["natural_person"] == str(EXPECTED[name]["table3"]["new"][0])


def test_carry_over_across_the_two_years(reports):
    y2023 = _report(reports, "hongze_2023.pdf")["table3"]
    y2024 = _report(reports, "hongze_2024.pdf")["table3"]
    assert y2024["carried_over"] == y2023["carry_forward"]


# ---- the intermediate form: what the geometry produced -------------------------------------

@pytest.mark.parametrize("name", FILES)
def test_front_end_blocks(name):
    doc = pdf.extract(corpus_pdf(name).read_bytes())
    assert [(b.section, b.origin, b.grid) for b in doc.blocks] == [
        ("table2", "pdf pages 2-3", True),
        ("table3", "pdf pages 3-4", True),
        ("table4", "pdf page 4", True),
    ]
    t3 = doc.section_blocks("table3")[0]
    # 3 header rows, 一, 二, 20 result rows (（六） as one row), 四.
    assert len(t3.rows) == 26 and all(len(r) == 10 for r in t3.rows)
    # The vertical label 三、本年度办理结果 is one cell over exactly the 20 result rows, on both
    # pages, and none of its characters leaked into any other cell.
    label_rows = [i for i, r in enumerate(t3.rows) if r[0] == "三、本年度办理结果"]
    assert label_rows == list(range(5, 25))
    assert len({t3.cell_ids[i][0] for i in label_rows}) == 1
    for i, row in enumerate(t3.rows):
        others = row[1:] if i in label_rows else row
        assert not any(cell in ("三", "、", "本", "年", "度", "办", "理", "结", "果") for cell in others)
    # A label wrapped onto a second line inside its cell stays whole, in its own row.
    partial = t3.rows[6]
    assert partial[1] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert partial[3:] == [str(v) for v in EXPECTED[name]["table3"]["partial"]]
    # （四）无法提供 runs over the page break as one cell.
    unable = [i for i, r in enumerate(t3.rows) if r[1] == "（四）无法提供"]
    assert unable == [15, 16, 17] and len({t3.cell_ids[i][1] for i in unable}) == 1
    t4 = doc.section_blocks("table4")[0]
    assert t4.rows[-1] == [str(v) for g in EXPECTED[name]["table4"].values() for v in g]


@pytest.mark.parametrize("name", FILES)
def test_front_end_text(name):
    doc = pdf.extract(corpus_pdf(name).read_bytes())
    exp = EXPECTED[name]
    assert doc.title == exp["title"]
    paras = doc.narrative.splitlines()
    assert paras[0] == exp["title"]
    assert "六、其他需要报告的事项" in paras
    fee_para = paras[paras.index("六、其他需要报告的事项") + 1]
    assert fee_para.endswith("全年收取政府信息公开信息处理费0元。")
    assert f"统计期限自{exp['year']}年1月1日起至{exp['year']}年12月31日止" in doc.narrative
    # Page numbers ("- 3 -") are furniture, not report text.
    assert not any(line.strip(" -").isdigit() for line in doc.text.splitlines())
    # Table cells do not leak into the running text.
    assert "本年新收政府信息公开申请数量" not in doc.narrative


# ---- through the command line --------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", FILES)
def test_cli_parse_json(name):
    path = corpus_pdf(name)
    proc = subprocess.run([sys.executable, "-m", "ingest", "parse", str(path), "--json"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout, parse_float=Decimal)
    exp = EXPECTED[name]
    assert report["year"] == exp["year"] and report["issuer"] == exp["issuer"]
    fee = report["table2"]["fees"]["amount_10k_yuan"]
    # An exact JSON number (7730.28, 7545), not a string and not 7730.2800000000001.
    assert isinstance(fee, (int, Decimal)) and Decimal(fee) == exp["table2"]["fees"]["amount_10k_yuan"]
    printed = str(exp["table2"]["fees"]["amount_10k_yuan"]).replace(".", r"\.")
    assert re.search(rf'"amount_10k_yuan":\s*{printed}[,\s}}]', proc.stdout)
    assert report["table4"]["review"]["total"] == exp["table4"]["review"][4]
