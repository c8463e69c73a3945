"""Word (.docx, .doc, .wps) and OFD reports read exactly what the HTML front end reads.

The inputs are tests/fixtures/office, made from tests/fixtures/html by make_office.py there
(LibreOffice for the Word files, ofd_writer.py for the OFD files). Each is compared with the
parse of the HTML fixture it was made from: every table cell, its printed text, the metadata,
the narrative figures and the warnings. Tests that convert with LibreOffice skip when `soffice`
is not installed (CI installs it).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile

import pytest

from ingest.errors import NeedsTool, NotAReport, UserError
from ingest.parse import parse_bytes, parse_path, sniff_kind
from ingest.parse.output import to_json
from parse_expect import FIXTURES, HTML, REPO

OFFICE = FIXTURES / "office"
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None,
                                   reason="LibreOffice (soffice) is not installed: "
                                          "apt-get install libreoffice-writer-nogui")
SAME = ("table2", "table3", "table4", "raw", "title", "year", "year_source", "issuer",
        "published_date", "index_no", "template", "templates", "table3_shape", "narrative",
        "info_processing_fee_yuan", "warnings")


def _report(path) -> dict:
    return json.loads(to_json(parse_path(path)))


def _html(name: str) -> dict:
    return _report(HTML / f"{name}.html")


def _reads(meta, key: str):
    """cell_meta reduced to one of its keys, same nesting."""
    if isinstance(meta, dict) and "read" in meta:
        return meta.get(key)
    if isinstance(meta, dict):
        return {k: _reads(v, key) for k, v in meta.items()}
    return meta


def _same_as_html(path, html_name: str, kind: str) -> None:
    want, got = _html(html_name), _report(path)
    assert got["source"]["kind"] == kind
    for key in SAME:
        if key in want or key in got:
            assert got.get(key) == want.get(key), f"{path.name}: {key} differs from {html_name}.html"
    assert want["table3"] and want["raw"]["table3"]  # the comparison compared something
    # every cell printed, as in the HTML; a fixed-layout page also says where (page, bbox)
    assert _reads(got["cell_meta"], "read") == _reads(want["cell_meta"], "read")
    if kind == "ofd":
        pages = _reads(got["cell_meta"]["table3"], "page")
        assert all(p for row in pages.values() for p in row.values()), "every OFD cell has its page"
        boxes = _reads(got["cell_meta"]["table3"], "bbox")
        assert all(b and len(b) == 4 for row in boxes.values() for b in row.values())


@pytest.mark.parametrize("name", ["word_2021", "report_2019", "subtotals_28x8", "nested", "gbk_2022",
                                  "blanks", "mixed_templates", "table4_no_totals"])
def test_docx_reads_what_the_html_reads(name):
    _same_as_html(OFFICE / f"{name}.docx", name, "docx")


def test_docx_merges_expand_like_html_spans():
    """gridSpan/vMerge/hMerge and gridBefore/gridAfter → the grid and ids html.expand makes from
    the same table written with colspan/rowspan (and short rows padded with negative ids)."""
    from lxml import etree

    from ingest.parse.readers import docx
    from ingest.parse.readers import html
    from selectolax.lexbor import LexborHTMLParser

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def tc(text, props=""):
        return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"

    span, restart, cont = '<w:gridSpan w:val="2"/>', '<w:vMerge w:val="restart"/>', "<w:vMerge/>"
    hstart = '<w:hMerge w:val="restart"/>'
    pads = '<w:trPr><w:gridBefore w:val="1"/><w:gridAfter w:val="1"/></w:trPr>'
    tbl = etree.fromstring(
        f"<w:tbl {w}><w:tblGrid>" + '<w:gridCol w:w="900"/>' * 4 + "</w:tblGrid>"
        f"<w:tr>{tc('A', span + restart)}{tc('B')}{tc('C')}</w:tr>"
        f"<w:tr>{tc('', span + cont)}{tc('1')}{tc('2', hstart)}</w:tr>"
        f"<w:tr>{pads}{tc('x')}{tc('y')}</w:tr>"
        "</w:tbl>")
    table = docx._expand(tbl)
    page = LexborHTMLParser('<table><tr><td colspan="2" rowspan="2">A</td><td>B</td><td>C</td></tr>'
                            '<tr><td>1</td><td>2</td></tr><tr><td></td><td>x</td><td>y</td></tr></table>')
    rows, ids = html.expand(page.css_first("table"))
    assert table.rows[:2] == rows[:2]
    assert [len(set(r)) for r in table.ids[:2]] == [len(set(r)) for r in ids[:2]]
    assert table.ids[0][0] == table.ids[0][1] == table.ids[1][0] == table.ids[1][1]  # one merged cell
    # gridBefore / gridAfter: positions no printed cell covers
    assert table.rows[2] == ["", "x", "y", ""] and table.ids[2][0] < 0 and table.ids[2][3] < 0


def test_docx_table_split_at_a_page_break_is_joined():
    """Table 3 cut by hand into two tables, header repeated, the 不予公开 label cell continued
    across the cut: one table again, every cell where the unsplit report has it."""
    from ingest.parse.readers import docx

    doc = docx.extract((OFFICE / "split_2021.docx").read_bytes())
    t3 = [b for b in doc.blocks if b.section == "table3"]
    assert len(t3) == 1 and len(t3[0].rows) == 27  # 2 header rows + 25 rows; repeats dropped
    label_ids = {row[1] for row, ids in zip(t3[0].rows, t3[0].cell_ids) if row[1] == "（三）不予公开"}
    assert label_ids == {"（三）不予公开"}
    ids = {ids[1] for row, ids in zip(t3[0].rows, t3[0].cell_ids) if row[1] == "（三）不予公开"}
    assert len(ids) == 1  # one merged cell over the cut, not two
    _same_as_html(OFFICE / "split_2021.docx", "word_2021", "docx")


def _cells_against_html(html: dict, doc: dict) -> int:
    """Every number the document gives equals the HTML parse's; the count of cells it leaves null."""
    nulls = 0
    for table in ("table2", "table3", "table4"):
        for row, cols in (html[table] or {}).items():
            for col, want in cols.items():
                got = ((doc[table] or {}).get(row) or {}).get(col)
                if got is None:
                    nulls += want is not None
                else:
                    assert got == want, (table, row, col)
    return nulls


def test_a_short_row_padded_with_libreoffices_filler_cells_is_read_in_place():
    """LibreOffice writes the ragged rows of split_table.html as rows padded on the right with
    real empty cells set at 2 pt (w:sz 4): no printed cell, so the row's own cells keep their
    columns and every cell reads as the HTML page does."""
    html, doc = _html("split_table"), _report(OFFICE / "split_table_libreoffice.docx")
    assert _cells_against_html(html, doc) == 0


def test_a_short_row_padded_with_empty_cells_is_null_never_shifted(tmp_path):
    """The same padding without the filler's 2 pt mark cannot be told from printed blanks:
    read from the right, every number would move two columns. Those rows are null with a
    warning, and no number is wrong."""
    with zipfile.ZipFile(OFFICE / "split_table_libreoffice.docx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["word/document.xml"]
    parts["word/document.xml"] = xml.replace(b'w:val="4"/>', b'w:val="21"/>')
    assert parts["word/document.xml"] != xml
    path = tmp_path / "padded.docx"
    path.write_bytes(_zip(parts))
    html, doc = _html("split_table"), _report(path)
    assert 0 < _cells_against_html(html, doc) < 120
    assert any("deny_query_matter: 9 cells for 7 columns" in w for w in doc["warnings"])


def test_a_row_libreoffice_set_beside_the_header_is_read_under_it():
    """report_2019.html has an empty <tr> under its rowspan header cells; LibreOffice's .docx
    sets the next row's cells to the right of the header's continuations. The row is put back
    under the header (docx `_unfold_row_beside`), so every cell reads as on the page."""
    assert _cells_against_html(_html("report_2019"), _report(OFFICE / "report_2019_libreoffice.docx")) == 0


@needs_soffice
def test_a_row_set_beside_the_header_in_a_word97_file_takes_the_header_cells_spans():
    """The same page as .doc: the row's cells lose their spans (its label one grid column wide,
    not three), so the i-th of its cells is put under the i-th header cell it stands beside."""
    got = _report(OFFICE / "report_2019_libreoffice.doc")
    assert got["source"]["kind"] == "doc"
    assert _cells_against_html(_html("report_2019"), got) == 0


@needs_soffice
@pytest.mark.parametrize("name, html", [("rowtables", FIXTURES / "printed" / "html" / "rowtables.html"),
                                        ("split_table", HTML / "split_table.html")])
def test_a_word97_table_whose_rows_have_their_own_edges_is_read_part_by_part(name, html):
    """Word 97 stores each row with its own cell edges: tables printed one under the other
    (table 3 as one small table per row; a continuation with fewer label columns) come back
    from .doc as one table over everyone's edges. It is cut where a row's cells cross the cells
    above (docx `_bands`) and each part read over its own columns: every cell as on the page."""
    want = _report(html)
    got = _report(OFFICE / f"{name}_libreoffice.doc")
    assert got["source"]["kind"] == "doc"
    assert _cells_against_html(want, got) == 0


def test_docx_with_another_main_content_type_is_still_read(tmp_path):
    """python-docx refuses a .dotx/.docm-typed main part; the body is the same WordprocessingML."""
    with zipfile.ZipFile(OFFICE / "word_2021.docx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"wordprocessingml.document.main+xml", b"wordprocessingml.template.main+xml")
    path = tmp_path / "word_2021.docx"
    path.write_bytes(_zip(parts))
    _same_as_html(path, "word_2021", "docx")


def test_docx_made_of_an_imported_html_page_reads_it(tmp_path):
    """A CMS's "export to Word": the body is one w:altChunk importing the page (an HTML part)."""
    with zipfile.ZipFile(OFFICE / "word_2021.docx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    doc = parts["word/document.xml"]
    start, end = doc.index(b"<w:body>") + len(b"<w:body>"), doc.index(b"</w:body>")
    parts["word/document.xml"] = doc[:start] + b'<w:altChunk r:id="rIdAlt1"/>' + doc[end:]
    rels = parts["word/_rels/document.xml.rels"]
    parts["word/_rels/document.xml.rels"] = rels.replace(b"</Relationships>", (
        b'<Relationship Id="rIdAlt1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/aFChunk" Target="afchunk.htm"/></Relationships>'))
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/word/afchunk.htm" ContentType="text/html"/></Types>'))
    parts["word/afchunk.htm"] = (HTML / "word_2021.html").read_bytes()
    path = tmp_path / "export.docx"
    path.write_bytes(_zip(parts))
    want, got = _html("word_2021"), _report(path)
    assert got["source"]["kind"] == "docx"
    for key in ("table2", "table3", "table4", "raw", "title", "year", "issuer", "narrative", "warnings"):
        assert got[key] == want[key], key


@pytest.mark.parametrize("name", ["word_2021", "report_2019", "subtotals_28x8", "nested", "gbk_2022",
                                  "blanks", "mixed_templates", "table4_no_totals"])
def test_ofd_reads_what_the_html_reads(name):
    _same_as_html(OFFICE / f"{name}.ofd", name, "ofd")


def test_ofd_with_ctm_scaled_text_and_absolute_paths():
    from ingest.parse.readers import ofd

    doc = ofd.extract((OFFICE / "word_2021_ctm.ofd").read_bytes())
    t3 = [b for b in doc.blocks if b.section == "table3"]
    assert len(t3) == 1 and t3[0].origin.startswith("ofd pages")  # joined across page breaks
    _same_as_html(OFFICE / "word_2021_ctm.ofd", "word_2021", "ofd")


@needs_soffice
@pytest.mark.parametrize("file,html_name,kind", [("word_2021.doc", "word_2021", "doc"),
                                                  ("report_2019.doc", "report_2019", "doc"),
                                                  ("word_2021.wps", "word_2021", "wps")])
def test_doc_and_wps_convert_and_read_what_the_html_reads(file, html_name, kind):
    _same_as_html(OFFICE / file, html_name, kind)


# ---- sniffing by content --------------------------------------------------------------------

def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _xls_from_doc() -> bytes:
    """The .doc fixture with its WordDocument stream renamed Workbook: an OLE file of Excel's shape."""
    data = bytearray((OFFICE / "word_2021.doc").read_bytes())
    old = "WordDocument".encode("utf-16-le")
    at = data.find(old)
    assert at > 0
    new = "Workbook".encode("utf-16-le")
    data[at:at + 64] = (new + b"\0" * 64)[:64]
    data[at + 64:at + 66] = (len(new) + 2).to_bytes(2, "little")
    return bytes(data)


def test_sniffing_reads_content_not_names():
    docx_bytes = (OFFICE / "word_2021.docx").read_bytes()
    doc_bytes = (OFFICE / "word_2021.doc").read_bytes()
    ofd_bytes = (OFFICE / "word_2021.ofd").read_bytes()
    # the extension says nothing: the members and streams do
    assert sniff_kind(docx_bytes, "report.pdf") == "docx"
    assert sniff_kind(ofd_bytes, "report.zip") == "ofd"
    assert sniff_kind(doc_bytes, "report.docx") == "doc"
    assert sniff_kind(doc_bytes, "报告.wps") == "wps"  # same Word stream; the name labels it
    assert sniff_kind(doc_bytes, "x", "application/kswps") == "wps"
    assert sniff_kind(b"{\\rtf1\\ansi report}", "report.doc") == "rtf"
    for data, what in [(_zip({"xl/workbook.xml": b"<workbook/>", "[Content_Types].xml": b"<x/>"}), "Excel"),
                       (_zip({"ppt/presentation.xml": b"<p/>"}), "PowerPoint"),
                       (_zip({"a.txt": b"hello"}), "ZIP archive of 1 file"),
                       (_xls_from_doc(), "Excel workbook")]:
        with pytest.raises(NotAReport) as err:
            sniff_kind(data, "report.doc")
        assert what in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(UserError, match="damaged OLE"):
        sniff_kind(doc_bytes[:600], "report.doc")
    with pytest.raises(UserError, match="damaged ZIP"):
        sniff_kind(docx_bytes[:300], "report.docx")


# ---- hostile containers ---------------------------------------------------------------------

def test_zip_bomb_member_is_refused_before_inflating():
    bomb = _zip({"word/document.xml": b"<w/>" + b" " * (40 * 1024 * 1024), "[Content_Types].xml": b"<x/>"})
    assert len(bomb) < 200_000
    for data in (bomb, _zip({"OFD.xml": b" " * (40 * 1024 * 1024)})):
        started = time.perf_counter()
        with pytest.raises(UserError, match="zip bomb"):
            parse_bytes(data, filename="bomb")
        assert time.perf_counter() - started < 5  # refused from the directory, nothing inflated


def _understate(data: bytes, name: bytes, size: int) -> bytes:
    """The zip with `name`'s uncompressed size written as `size` in its local and central headers
    (its deflate stream and CRC unchanged): a bomb that lies about what it inflates to."""
    import struct

    out = bytearray(data)
    at = 0
    while (at := out.find(b"PK\x03\x04", at)) >= 0:
        n = struct.unpack_from("<H", out, at + 26)[0]
        if out[at + 30:at + 30 + n] == name:
            struct.pack_into("<I", out, at + 22, size)
        at += 4
    at = 0
    while (at := out.find(b"PK\x01\x02", at)) >= 0:
        n = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46:at + 46 + n] == name:
            struct.pack_into("<I", out, at + 24, size)
        at += 4
    return bytes(out)


def test_a_member_lying_about_its_size_is_stopped_at_the_declared_size():
    """A deflate stream that inflates to 30 MB under a header declaring 1000 bytes."""
    import tracemalloc

    docx_parts = {"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>",
                  "word/media/image1.png": b"\0" * (30 * 1024 * 1024)}
    for data, name in ((_zip(docx_parts), b"word/media/image1.png"),
                       (_zip({"OFD.xml": b" " * (30 * 1024 * 1024)}), b"OFD.xml")):
        bomb = _understate(data, name, 1000)
        tracemalloc.start()
        # zipfile itself stops at the declared size (then the CRC fails); our chunked read
        # stops there too: either way one line, and the 30 MB are never inflated
        with pytest.raises(UserError, match="inflates past its declared size|Bad CRC"):
            parse_bytes(bomb, filename="liar")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 8 * 1024 * 1024  # stopped after the first chunk, not after 30 MB


def test_too_many_members_and_too_large_members_are_refused():
    from ingest.parse.readers import containers

    many = _zip({f"Doc_0/Pages/Page_{i}/Content.xml": b"" for i in range(containers.MAX_MEMBERS + 1)}
                | {"OFD.xml": b"<x/>"}, zipfile.ZIP_STORED)
    with pytest.raises(UserError, match="zip bomb"):
        parse_bytes(many, filename="many.ofd")
    # a member declared larger than the cap, stored (ratio 1:1): the size cap alone refuses it
    big = _zip({"OFD.xml": b"<x/>", "Doc_0/big.bin": b"\0" * (containers.MAX_MEMBER_BYTES + 1)},
               zipfile.ZIP_STORED)
    with pytest.raises(UserError, match="would inflate"):
        parse_bytes(big, filename="big.ofd")


_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;'
           b'&lol;&lol;&lol;&lol;&lol;&lol;">]>')


def test_dtd_and_entities_are_refused_in_docx_and_ofd():
    docx_bytes = (OFFICE / "word_2021.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    body = parts["word/document.xml"]
    parts["word/document.xml"] = _LAUGHS + body[body.find(b"<w:document"):]
    with pytest.raises(UserError, match="DTD or entities"):
        parse_bytes(_zip(parts), filename="laughs.docx")
    ofd = _ofd_parts()
    ofd["OFD.xml"] = _LAUGHS + ofd["OFD.xml"][ofd["OFD.xml"].find(b"<ofd:OFD"):]
    with pytest.raises(UserError, match="DTD or entities"):
        parse_bytes(_zip(ofd), filename="laughs.ofd")
    # an external entity (file read) the same
    ofd = _ofd_parts()
    ofd["OFD.xml"] = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                      + ofd["OFD.xml"][ofd["OFD.xml"].find(b"<ofd:OFD"):])
    with pytest.raises(UserError, match="DTD or entities"):
        parse_bytes(_zip(ofd), filename="xxe.ofd")


def _ofd_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(OFFICE / "word_2021.ofd") as z:
        return {n: z.read(n) for n in z.namelist()}


def test_ofd_damage_is_one_clear_line():
    parts = _ofd_parts()
    broken = dict(parts, **{"Doc_0/Pages/Page_0/Content.xml": b"<ofd:Page><unclosed>"})
    with pytest.raises(UserError, match="not well-formed XML"):
        parse_bytes(_zip(broken), filename="broken.ofd")
    missing = {k: v for k, v in parts.items() if k != "Doc_0/Document.xml"}
    with pytest.raises(UserError, match="no part 'Doc_0/Document.xml'"):
        parse_bytes(_zip(missing), filename="missing.ofd")
    # a page of images only (a scan): no text to read
    ns = b'xmlns:ofd="http://www.ofdspec.org/2016"'
    page = (b'<ofd:Page ' + ns + b'><ofd:Content><ofd:Layer ID="1"><ofd:ImageObject ID="5" '
            b'Boundary="0 0 210 297" ResourceID="9"/></ofd:Layer></ofd:Content></ofd:Page>')
    scan = {k: v for k, v in parts.items() if "Pages/Page_" not in k}
    scan["Doc_0/Document.xml"] = scan["Doc_0/Document.xml"].split(b"<ofd:Pages>")[0] + (
        b'<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>')
    scan["Doc_0/Pages/Page_0/Content.xml"] = page
    with pytest.raises(NotAReport, match="page images"):
        parse_bytes(_zip(scan), filename="scan.ofd")


def test_ofd_delta_repeat_bomb_allocates_nothing():
    from ingest.parse.readers.ofd import deltas

    assert deltas("g 999999999 1.5", 3, 4) == [1.5, 1.5, 1.5]
    assert deltas("1 g 2 2 3", 5, 5) == [1.0, 2.0, 2.0, 3.0, None]
    started = time.perf_counter()
    parts = _ofd_parts()
    page = parts["Doc_0/Pages/Page_0/Content.xml"]
    parts["Doc_0/Pages/Page_0/Content.xml"] = page.replace(b'DeltaX="g ', b'DeltaX="g 99999999', 1)
    parse_bytes(_zip(parts), filename="repeat.ofd")  # reads (a position may be off), quickly
    assert time.perf_counter() - started < 5


# ---- LibreOffice: missing, slow -------------------------------------------------------------

def test_without_libreoffice_a_doc_needs_the_tool(monkeypatch):
    monkeypatch.setenv("GOVREPORTS_SOFFICE", "")
    with pytest.raises(NeedsTool) as err:
        parse_bytes((OFFICE / "word_2021.doc").read_bytes(), filename="r.doc")
    assert err.value.tool == "soffice" and "libreoffice-writer-nogui" in str(err.value)
    assert "\n" not in str(err.value)


@needs_soffice
def test_a_conversion_over_its_time_is_stopped(monkeypatch):
    from ingest.parse.readers import office

    started_groups = []
    real_popen = subprocess.Popen

    def popen(*args, **kw):
        proc = real_popen(*args, **kw)
        started_groups.append(proc.pid)  # start_new_session: its pid is its process group
        return proc

    monkeypatch.setattr(office.subprocess, "Popen", popen)
    started = time.perf_counter()
    with pytest.raises(UserError, match="within"):
        office.to_docx((OFFICE / "word_2021.doc").read_bytes(), ".doc", timeout=0.3)
    assert time.perf_counter() - started < 15
    # the whole process group (soffice and the soffice.bin it forks) is gone: nothing of it
    # runs any more (a killed grandchild may linger a moment as a zombie until it is reaped)
    (group,) = started_groups
    deadline = time.monotonic() + 2  # an unkilled soffice would still be converting then
    while _running_in_group(group) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _running_in_group(group) == []


def _running_in_group(group: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # state, ppid, pgrp, …
        if int(fields[2]) == group and fields[0] != "Z":
            out.append(int(entry))
    return out


def test_cli_prints_one_line_for_a_refused_container(tmp_path):
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(_zip({"word/document.xml": b" " * (40 * 1024 * 1024)}))
    xlsx = tmp_path / "table.xlsx"
    xlsx.write_bytes(_zip({"xl/workbook.xml": b"<workbook/>"}))
    for path in (bomb, xlsx):
        proc = subprocess.run([sys.executable, "-m", "ingest", "parse", str(path)], cwd=REPO,
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def _mht(html_bytes: bytes, charset: str, encoding: str) -> bytes:
    """A report saved by Word/WPS as a single-file web page (.mht, often named .doc): the MIME
    layout Word writes, the page quoted-printable (76-column lines, soft breaks) or base64."""
    import base64
    import quopri

    if encoding == "qp":
        body, cte = quopri.encodestring(html_bytes), "quoted-printable"
    else:
        raw = base64.b64encode(html_bytes)
        body, cte = b"\n".join(raw[i:i + 76] for i in range(0, len(raw), 76)), "base64"
    boundary = b"----=_NextPart_01DA0000.5F3C2A10"
    return (b"MIME-Version: 1.0\nContent-Type: multipart/related; boundary=\"" + boundary + b"\"\n\n"
            b"This document is a Single File Web Page, also known as a Web Archive file.\n\n"
            b"--" + boundary + b"\nContent-Location: file:///C:/report.htm\n"
            b"Content-Transfer-Encoding: " + cte.encode() + b"\n"
            b"Content-Type: text/html; charset=\"" + charset.encode() + b"\"\n\n" + body + b"\n\n"
            b"--" + boundary + b"\nContent-Location: file:///C:/report.files/filelist.xml\n"
            b"Content-Type: text/xml; charset=\"utf-8\"\n\n<xml/>\n\n--" + boundary + b"--\n")


@pytest.mark.parametrize("name,charset,encoding", [("word_2021", "utf-8", "qp"),
                                                    ("gbk_2022", "gb18030", "base64")])
def test_mht_reads_what_the_html_reads(tmp_path, name, charset, encoding):
    from ingest.decode import decode_bytes

    page = decode_bytes((HTML / f"{name}.html").read_bytes(), None).text
    data = _mht(page.encode(charset), charset, encoding)
    if encoding == "qp":
        assert b"=\n" in data and b"=3D" in data  # soft line breaks that would split numbers
    path = tmp_path / f"{name}.doc"  # portals serve them as .doc
    path.write_bytes(data)
    assert sniff_kind(data, path.name) == "mht"
    want, got = _html(name), _report(path)
    assert got["source"]["kind"] == "mht"
    for key in ("table2", "table3", "table4", "raw", "title", "year", "issuer", "narrative", "warnings"):
        assert got[key] == want[key], key
