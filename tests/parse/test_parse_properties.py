"""Property-based: whatever HTML or text comes in, the parser returns a report or raises
NotAReport — never anything else — and what it returns serialises as JSON."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import templates
from ingest.errors import NotAReport, UserError
from ingest.parse import parse_bytes
from ingest.parse.output import to_json

_T = templates.load()
LABELS = sorted({r.zh for r in _T.table3_rows} | {r.zh for tid in _T.template_ids for r in _T.table2_rows(tid)}
                | {c.zh for c in _T.table3_columns} | {g["zh"] for g in _T.table4_groups}
                | {c.zh for c in _T.table4_columns}
                | {"二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                   "四、政府信息公开行政复议、行政诉讼情况", "六、其他需要报告的事项", "（三）不予公开",
                   "（六）其他处理", "三、本年度办理结果", "第二十条第（一）项", "信息内容", "小计",
                   "示范县人民政府2023年政府信息公开工作年度报告", "发布日期：2024-01-02", "索引号：",
                   "本年度未收取信息处理费。", "收取信息处理费12.5万元", "受理申请7件"})
NUMBERS = ["0", "1", "30", "18468", "1077.892534", "-18", "+2", "１２", "1,204", "/", "—", "无", "",
           "75394432.52元", "O", "3件", "减少2", "9" * 30, "1e5", "NaN", "∞"]
FRAGMENTS = LABELS + NUMBERS + ["\n", " ", "\t", "　", "<", ">", "&nbsp;", "\x00", "\ufffd", "、", "（", "）"]

# PARSE_FUZZ_EXAMPLES=5000 runs a longer search locally; the suite keeps it short.
SETTINGS = settings(max_examples=int(os.environ.get("PARSE_FUZZ_EXAMPLES", "120")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(data: bytes, *, allowed: type[Exception] = NotAReport, **kw) -> None:
    try:
        report = parse_bytes(data, **kw)
    except allowed:
        return
    json.loads(to_json(report))
    assert set(report) >= {"title", "year", "template", "table2", "table3", "table4", "warnings", "raw"}
    for table in ("table2", "table3", "table4"):
        assert (report[table] is None) == (report["raw"][table] is None)


@SETTINGS
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=300))
def test_text_made_of_report_fragments(parts):
    _check("\n".join(parts).encode("utf-8"), filename="x.txt")


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=200),
       st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_text_any_characters_any_encoding(parts, encoding):
    _check(" ".join(parts).encode(encoding, errors="replace"))


@st.composite
def html_pages(draw):
    def cell():
        tag = draw(st.sampled_from(["td", "th", "td", "TD"]))
        attrs = ""
        if draw(st.booleans()):
            attrs += f' rowspan="{draw(st.sampled_from(["0", "1", "2", "3", "22", "-1", "x", "9999", "2.0"]))}"'
        if draw(st.booleans()):
            attrs += f' colspan="{draw(st.sampled_from(["0", "2", "3", "15", "abc", "99999"]))}"'
        inner = "".join(
            draw(st.sampled_from(["<p>", "</p>", "<span>", "</span>", "<o:p></o:p>", "<br>", "&nbsp;"]))
            + draw(st.sampled_from(FRAGMENTS))
            for _ in range(draw(st.integers(0, 3))))
        close = draw(st.sampled_from([f"</{tag}>", ""]))  # HTML lets cells go unclosed
        return f"<{tag}{attrs}>{inner}{close}"

    def table(depth=0):
        rows = []
        for _ in range(draw(st.integers(0, 8))):
            cells = [cell() for _ in range(draw(st.integers(0, 9)))]
            if depth < 2 and draw(st.integers(0, 9)) == 0:
                cells.append(f"<td>{table(depth + 1)}</td>")
            rows.append("<tr>" + "".join(cells) + draw(st.sampled_from(["</tr>", ""])))
        return "<table>" + "".join(rows) + draw(st.sampled_from(["</table>", ""]))

    body = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            body.append(table())
        else:
            body.append(f"<p>{draw(st.sampled_from(FRAGMENTS))}</p>")
    charset = draw(st.sampled_from(["utf-8", "gb2312", "gbk", "big5", "bogus-charset", ""]))
    head = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{head}<title>{draw(st.sampled_from(LABELS))}</title></head><body>{''.join(body)}</body></html>"


@SETTINGS
@given(html_pages(), st.sampled_from([None, "text/html; charset=gbk", "text/html; charset=nonsense"]))
def test_html_made_of_report_fragments(page, content_type):
    _check(page.encode("utf-8"), content_type=content_type, filename="x.html")


@SETTINGS
@given(html_pages())
def test_html_cut_anywhere(page):
    data = page.encode("gb18030")
    for cut in (len(data) // 3, len(data) // 2, len(data) - 7):
        if cut > 0:
            _check(data[:cut])


@SETTINGS
@given(st.binary(max_size=4000) | st.binary(max_size=200).map(lambda b: b"%PDF-1.7\n" + b))
def test_arbitrary_bytes(data):
    # Bytes that start like a PDF go to the PDF reader, which may also answer with another
    # one-line UserError ("the PDF is truncated"): still exit 2, never a traceback.
    _check(data, allowed=UserError)
