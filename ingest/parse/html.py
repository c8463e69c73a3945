"""HTML front end: bytes → decoded text → selectolax (Lexbor) → tables expanded into grids.

The bytes are decoded by ingest/decode.py (HTTP charset, <meta>, detector; gb2312/gbk read as
gb18030). Only innermost tables are read, so a page laid out with tables, or a report nested in
one, yields the report's own tables. Each table is expanded into a grid (rowspan/colspan cells
repeated, with cell ids) and placed under the section heading (二/三/四) that precedes it in
the page text; a table with no heading before it, or whose labels clearly belong to another
table, is placed by its labels.

Word-pasted markup is handled by reading text, not tags: a cell's text is every text node in
it joined without separators (so <span>2</span><span>0</span> is 20 and 商业<p>企业</p> is
商业企业), with whitespace, &nbsp; and <o:p> padding collapsed.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from ingest import templates
from ingest.decode import decode_bytes
from ingest.errors import NotAReport
from ingest.parse import labels as L
from ingest.parse.layout import SECTIONS, Block, Document

# Paragraph-level elements and table cells end a line of the page text. A marker character is
# put after each paragraph end, and just *inside* each cell end (text between two cells would
# be moved out of the table by the HTML parser), before parsing: the text of Word markup is
# otherwise one run with no line breaks.
_LINE_END = re.compile(r"(</(?:p|div|h[1-6]|li|dt|dd|title|ucaptitle)\s*>|<br\s*/?>)", re.IGNORECASE)
_CELL_END = re.compile(r"(</t[dh]\s*>)", re.IGNORECASE)
_MARK = "\x1e"
_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff\x1e]+")
_CELL_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_MAX_SPAN = 100  # rowspan/colspan beyond this are typos (rowspan="2222"), not layouts
_META_NAMES = ("articletitle", "pubdate", "publishdate", "firstpublishedtime", "contentsource",
               "maketime", "keywords", "description", "sitename", "columnname", "og:title")


def extract(data: bytes, *, content_type: str | None = None) -> Document:
    decoded = decode_bytes(data, content_type)
    if "\x00" in decoded.text[:4096]:
        raise NotAReport("the input looks like binary data, not a 政府信息公开工作年度报告 page")
    marked = _CELL_END.sub(_MARK + r"\1", _LINE_END.sub(r"\1" + _MARK, decoded.text))
    tree = LexborHTMLParser(marked)
    meta = _meta(tree)
    title_node = tree.css_first("title")
    title = _flat(title_node.text()) if title_node is not None else None
    root = tree.body or tree.root
    if root is None:
        raise NotAReport("the input is an HTML page with no body: no report to read")
    tree.strip_tags(["script", "style", "noscript", "template", "iframe", "object"])

    raw_text = root.text(separator="")
    tables = [t for t in root.css("table") if len(t.css("table")) == 1]
    headings = _heading_positions(raw_text)

    blocks: list[Block] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for n, table in enumerate(tables, 1):
        ttext = table.text(separator="")
        start = raw_text.find(ttext, pos) if ttext else -1
        if start >= 0:
            spans.append((start, start + len(ttext)))
            pos = start + len(ttext)
        rows, ids = expand(table)
        if not rows or not any(c for row in rows for c in row):
            continue
        section = _section_before(headings, start) if start >= 0 else None
        by_labels = classify_text(templates.normalise(ttext))
        if by_labels == "mixed":
            section = None  # one table holding several: the mapper cuts it by its labels
        elif by_labels is not None and by_labels != section:
            section = by_labels
        elif section not in SECTIONS:
            section = None if by_labels is None else by_labels
        if section is None and by_labels is None:
            continue  # a layout or navigation table: nothing the templates name
        blocks.append(Block(rows=rows, section=section, grid=True, cell_ids=ids,
                            origin=f"html table {n}"))

    # Page text as lines (tables included) and the narrative without the tables.
    narrative_parts = []
    last = 0
    for s, e in spans:
        narrative_parts.append(raw_text[last:s])
        narrative_parts.append(_MARK)
        last = e
    narrative_parts.append(raw_text[last:])
    return Document(
        kind="html",
        text=_lines(raw_text),
        narrative=_lines("".join(narrative_parts)),
        blocks=blocks,
        title=title,
        meta=meta,
        encoding=decoded.encoding,
        encoding_source=decoded.source,
    )


def expand(table) -> tuple[list[list[str]], list[list[int]]]:
    """A <table> → (grid of cell texts, grid of cell ids); spans repeated, rows padded."""
    grid: list[list[str]] = []
    ids: list[list[int]] = []
    carry: dict[int, list] = {}  # column → [rows left, text, id] of a rowspan from above
    next_id = 0
    for tr in table.css("tr"):
        row: list[str] = []
        rid: list[int] = []
        col = 0
        for td in tr.iter():
            if td.tag not in ("td", "th"):
                continue
            while col in carry:
                col = _take(carry, col, row, rid)
            attrs = td.attrs
            rs = _span(attrs.get("rowspan"))
            cs = _span(attrs.get("colspan"))
            text = _cell_text(td)
            cid = next_id
            next_id += 1
            for _ in range(cs):
                row.append(text)
                rid.append(cid)
                if rs > 1:
                    carry[col] = [rs - 1, text, cid]
                col += 1
        while carry and any(c >= col for c in carry):
            if col in carry:
                col = _take(carry, col, row, rid)
            else:
                row.append("")
                rid.append(-1)
                col += 1
        grid.append(row)
        ids.append(rid)
    width = max((len(r) for r in grid), default=0)
    for row, rid in zip(grid, ids):
        while len(row) < width:
            row.append("")
            rid.append(-1)  # no printed cell here (layout.py: negative id)
    return grid, ids


def _take(carry: dict[int, list], col: int, row: list[str], rid: list[int]) -> int:
    entry = carry[col]
    row.append(entry[1])
    rid.append(entry[2])
    entry[0] -= 1
    if entry[0] <= 0:
        del carry[col]
    return col + 1


def _span(value: str | None) -> int:
    if not value:
        return 1
    digits = value.strip().split(".")[0]
    if not digits.isdigit():
        return 1
    n = int(digits)
    return 1 if n < 1 else min(n, _MAX_SPAN)


def _cell_text(td) -> str:
    text = td.text(separator="")
    if text.isascii() and text.strip().isdigit():
        return text.strip()
    text = text.replace(_MARK, "")
    return _CELL_WS.sub(" ", text).strip()


def _flat(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _lines(raw: str) -> str:
    out = []
    for part in raw.split(_MARK):
        line = _CELL_WS.sub(" ", part).strip()
        if line:
            out.append(line)
    return "\n".join(out)


def _meta(tree) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in tree.css("meta"):
        attrs = node.attrs
        name = (attrs.get("name") or attrs.get("property") or "").strip()
        if name and name.lower() in _META_NAMES:
            content = attrs.get("content")
            if content:
                out[name] = content.strip()
    return out


# ---- where each table sits ---------------------------------------------------------------------

_HEADING_RX: re.Pattern | None = None
_HEADING_KEYS: dict[str, str] = {}


def _heading_regex() -> re.Pattern:
    """Section headings as they appear in running text: numbering, then the heading words with
    any spacing or punctuation between characters."""
    global _HEADING_RX
    if _HEADING_RX is None:
        alts = []
        for norm, key in templates.load().section_heading_index():
            pattern = r"[\s\u00a0\u3000\x1e、，,（）()]*".join(re.escape(ch) for ch in norm)
            _HEADING_KEYS[norm] = key
            alts.append(pattern)
        _HEADING_RX = re.compile(
            r"(?:^|[\x1e\n])[\s\u00a0\u3000]*[一二三四五六][\s\u00a0\u3000]*[、.．][\s\u00a0\u3000]*"
            r"(?:[^\x1e\n]{0,12}?)(" + "|".join(alts) + ")")
    return _HEADING_RX


def _heading_positions(raw: str) -> list[tuple[int, str]]:
    rx = _heading_regex()
    out = []
    for m in rx.finditer(raw):
        key = _HEADING_KEYS.get(templates.normalise(m.group(1)))
        if key is not None:
            out.append((m.start(1), key))
    return out


def _section_before(headings: list[tuple[int, str]], pos: int) -> str | None:
    section = None
    for at, key in headings:
        if at > pos:
            break
        section = key
    return section


def classify_text(norm: str) -> str | None:
    """'table2' | 'table3' | 'table4' from the labels a table prints; 'mixed' when it holds
    several tables' labels; None when it holds none (a layout or unrelated table)."""
    idx = L.indexes()
    found = []
    for sec, index in idx.anchors.items():
        hits = sum(1 for label, _key in index.long if label in norm)
        if sec == "table2":
            hits += sum(1 for label in ("规章",) if label in norm)
        found.append((hits, sec))
    strong = [sec for hits, sec in found if hits >= 2]
    if len(strong) > 1:
        # table 3 repeats words of table 4 (行政…) rarely; count only clear majorities
        strong.sort(key=lambda s: -dict((sec, h) for h, sec in found)[s])
        counts = dict((sec, h) for h, sec in found)
        if counts[strong[0]] >= 4 and all(counts[s] <= 1 for s in strong[1:]):
            return strong[0]
        return "mixed"
    if strong:
        return strong[0]
    return None
