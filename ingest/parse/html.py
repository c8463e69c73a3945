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

# Paragraph-level elements and table cells end a line of the page text: a marker character is
# put in front of each closing tag before parsing (inside the element, so the HTML parser keeps
# it in place), because the text of Word markup is otherwise one run with no line breaks. Only
# the text outside the report's tables is marked: the tables are read cell by cell anyway, and
# leaving them alone keeps the parse as fast as the page allows.
_LINE_END = re.compile(r"</(?:p|div|li|h[1-6]|title|td|th|dt|dd|tr)\s*>|<br\b[^>]*>", re.IGNORECASE)
_MARK = "\x1e"
_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff\x1e]+")
_MAX_SPAN = 100  # rowspan/colspan beyond this are typos (rowspan="2222"), not layouts
_META_NAMES = ("articletitle", "pubdate", "publishdate", "firstpublishedtime", "contentsource",
               "maketime", "keywords", "description", "sitename", "columnname", "og:title")
# Table and script tags, found in one pass over the markup (lower case first: a regular
# expression that ignores case is twice as slow, and upper-case tags are rare today).
_TAGS = re.compile(r"<(/?)(table|script|style|noscript)\b")
_TAGS_ANY_CASE = re.compile(r"<(/?)(table|script|style|noscript)\b", re.IGNORECASE)


def extract(data: bytes, *, content_type: str | None = None) -> Document:
    decoded = decode_bytes(data, content_type)
    if "\x00" in decoded.text[:4096]:
        raise NotAReport("the input looks like binary data, not a 政府信息公开工作年度报告 page")
    src = decoded.text
    # The head (often tens of KB of Word style sheets) holds no tables and no lines to mark.
    body_at = max(src.find("<body"), 0) or max(src.find("<BODY"), 0)
    tags = [(m.start(), m.group(1), m.group(2)) for m in _TAGS.finditer(src, body_at)]
    if not any(t[2] == "table" for t in tags) and ("<TABLE" in src or "<Table" in src):
        tags = [(m.start(), m.group(1), m.group(2).lower())
                for m in _TAGS_ANY_CASE.finditer(src, body_at)]
    tree = LexborHTMLParser(_mark_outside_tables(src, tags, body_at))
    meta = _meta(tree)
    title_node = tree.css_first("title")
    title = _flat(title_node.text()) if title_node is not None else None
    root = tree.body or tree.root
    if root is None:
        raise NotAReport("the input is an HTML page with no body: no report to read")
    if any(name != "table" and not slash for _at, slash, name in tags):
        for node in root.css("script, style, noscript"):  # their text is code, not report
            node.decompose()

    raw_text = root.text(separator="")
    tables = [t for t in root.css("table") if len(t.css("table")) == 1]
    headings = _heading_positions(raw_text)

    blocks: list[Block] = []
    placed: list[tuple[int, int, list[list[str]], list[list[int]]]] = []
    pos = 0
    for n, table in enumerate(tables, 1):
        ttext = table.text(separator="")
        start = raw_text.find(ttext, pos) if ttext else -1
        rows, ids = expand(table)
        if start >= 0:
            placed.append((start, start + len(ttext), rows, ids))
            pos = start + len(ttext)
        if not rows or not any(c for row in rows for c in row):
            continue
        # A heading printed as the table's first row counts as the heading before it.
        section = _section_before(headings, start + min(len(ttext), 80)) if start >= 0 else None
        if section not in SECTIONS:
            # No table heading before it (or the heading of 一/五/六): place it by its labels.
            by_labels = classify_text(templates.normalise(ttext))
            if by_labels is None:
                continue  # a layout or navigation table: nothing the templates name
            section = None if by_labels == "mixed" else by_labels
        blocks.append(Block(rows=rows, section=section, grid=True, cell_ids=ids,
                            origin=f"html table {n}"))

    # The page as lines (each table row a line of its cells) and the narrative without tables.
    text_parts: list[str] = []
    narrative_parts: list[str] = []
    last = 0
    for s, e, rows, ids in placed:
        text_parts.append(raw_text[last:s])
        narrative_parts.append(raw_text[last:s])
        narrative_parts.append(_MARK)
        text_parts.append(_MARK)
        text_parts.append(_MARK.join(_row_line(row, rid) for row, rid in zip(rows, ids)))
        text_parts.append(_MARK)
        last = e
    text_parts.append(raw_text[last:])
    narrative_parts.append(raw_text[last:])
    return Document(
        kind="html",
        text=_lines("".join(text_parts)),
        narrative=_lines("".join(narrative_parts)),
        blocks=blocks,
        title=title,
        meta=meta,
        encoding=decoded.encoding,
        encoding_source=decoded.source,
    )


def _leaf_tables(tags: list[tuple[int, str, str]], src: str) -> list[tuple[int, int]]:
    """(start, end) in the markup of every <table>…</table> with no table inside."""
    tables = [(at, slash) for at, slash, name in tags if name == "table"]
    out = []
    for (p, open_slash), (q, close_slash) in zip(tables, tables[1:]):
        if not open_slash and close_slash:
            end = src.find(">", q)
            out.append((p, len(src) if end < 0 else end + 1))
    return out


def _mark_outside_tables(src: str, tags: list[tuple[int, str, str]], start: int = 0) -> str:
    parts = [src[:start]]
    last = start
    for s, e in _leaf_tables(tags, src):
        parts.append(_LINE_END.sub(_mark, src[last:s]))
        parts.append(src[s:e])
        last = e
    parts.append(_LINE_END.sub(_mark, src[last:]))
    return "".join(parts)


def _row_line(row: list[str], rid: list[int]) -> str:
    out = []
    last = None
    for text, cid in zip(row, rid):
        if cid != last and cid >= 0 and text:
            out.append(text)
        last = cid
    return " ".join(out)


def expand(table) -> tuple[list[list[str]], list[list[int]]]:
    """A <table> → (grid of cell texts, grid of cell ids); spans repeated, rows padded with
    negative ids. Written for speed: it runs over every cell of every report."""
    grid: list[list[str]] = []
    ids: list[list[int]] = []
    carry: dict[int, list] = {}  # column → [rows left, text, id] of a rowspan from above
    next_id = 0
    for tr in table.css("tr"):
        row: list[str] = []
        rid: list[int] = []
        col = 0
        for td in tr.iter():
            tag = td.tag
            if tag != "td" and tag != "th":
                continue
            while col in carry:
                col = _take(carry, col, row, rid)
            attrs = td.attributes
            rs = _span(attrs["rowspan"]) if "rowspan" in attrs else 1
            cs = _span(attrs["colspan"]) if "colspan" in attrs else 1
            text = td.text(separator="")
            if not (text.isascii() and text.isdigit()):
                if _MARK in text:
                    text = text.replace(_MARK, "")
                if "\u200b" in text or "\ufeff" in text:
                    text = text.replace("\u200b", "").replace("\ufeff", "")
                # split() drops every Unicode space, &nbsp; and U+3000 included
                text = " ".join(text.split())
            cid = next_id
            next_id += 1
            if cs == 1:
                row.append(text)
                rid.append(cid)
                if rs > 1:
                    carry[col] = [rs - 1, text, cid]
                col += 1
            else:
                for _ in range(cs):
                    row.append(text)
                    rid.append(cid)
                    if rs > 1:
                        carry[col] = [rs - 1, text, cid]
                    col += 1
        while carry and max(carry) >= col:
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
        if len(row) < width:
            pad = width - len(row)
            row.extend([""] * pad)
            rid.extend([-1] * pad)  # no printed cell here (layout.py: negative id)
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


def _mark(m: re.Match) -> str:
    return _MARK + m.group()


def _flat(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _lines(raw: str) -> str:
    # split() drops every Unicode space (&nbsp; and U+3000 included) and empty parts
    return "\n".join(line for line in (" ".join(part.split()) for part in raw.split(_MARK)) if line)


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

# A section heading starts with its numeral: 二、主动公开政府信息情况. Candidates are found by
# that numeral, then the words after it are compared with the headings of templates.yaml.
_NUMERAL = re.compile(r"[一二三四五六][\s\u00a0\u3000]*[、.．]")


def _heading_positions(raw: str) -> list[tuple[int, str]]:
    from ingest.parse.text import heading_key

    out = []
    for m in _NUMERAL.finditer(raw):
        # the heading line: up to the next line mark, at most 48 characters
        tail = raw[m.start():m.start() + 60]
        cut = tail.find(_MARK, 1)
        if cut > 0:
            tail = tail[:cut]
        key = heading_key(" ".join(tail.split()), run_on=cut < 0)
        if key is not None:
            out.append((m.start(), key))
    return out


def _section_before(headings: list[tuple[int, str]], pos: int) -> str | None:
    """The section of the last heading that starts before `pos` (exclusive)."""
    section = None
    for at, key in headings:
        if at >= pos:
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
