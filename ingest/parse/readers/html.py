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
from ingest.parse.vocab import labels as L
from ingest.parse.layout import SECTIONS, Block, Document, pad_grid
from ingest.parse.vocab.headings import heading_key

# Each innermost table is read cell by cell, then replaced in the tree by a placeholder, so the
# page text tells where it stood (under which heading). Paragraph-level elements left outside
# the tables then get a line mark after them: the text of Word markup is otherwise one run.
_MARK = "\x1e"
_HOLE = "\x1d"
_BLOCKS = "p, div, li, h1, h2, h3, h4, h5, h6, td, th, tr, dt, dd, br, blockquote, section, article"
_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff\x1e]+")
_PLACEHOLDER = re.compile(_HOLE + r"T(\d+)" + _HOLE)
_TD_ID, _TH_ID, _TABLE_ID, _META_ID, _TBODY_ID, _THEAD_ID, _TFOOT_ID = (
    LexborHTMLParser("<meta><table><thead><tr><td><th></thead><tbody></tbody><tfoot>").css_first(t).tag_id
    for t in ("td", "th", "table", "meta", "tbody", "thead", "tfoot"))
_ROW_GROUPS = (_TBODY_ID, _THEAD_ID, _TFOOT_ID)
_STRICT_SOURCES = ("header", "meta", "utf8")  # ingest.decode: the whole input decoded strictly
_MAX_SPAN = 100  # rowspan/colspan beyond this are typos (rowspan="2222"), not layouts
_META_NAMES = ("articletitle", "pubdate", "publishdate", "firstpublishedtime", "contentsource",
               "maketime", "keywords", "description", "sitename", "columnname", "og:title")


def extract(data: bytes, *, content_type: str | None = None) -> Document:
    decoded = decode_bytes(data, content_type)
    if "\x00" in decoded.text[:4096]:
        raise NotAReport("the input looks like binary data, not a 政府信息公开工作年度报告 page")
    if decoded.encoding == "utf-8" and decoded.source in _STRICT_SOURCES:
        # The bytes decoded strictly as UTF-8, so they are exactly what selectolax would encode
        # the text back into: hand them over and skip that encode of the whole page.
        tree = LexborHTMLParser(data)
    else:
        tree = LexborHTMLParser(decoded.text)
    tables = _prepare(tree)
    meta = tables.meta
    title_node = tree.css_first("title")
    title = _flat(title_node.text()) if title_node is not None else None
    root = tables.root

    grids: list[tuple[list[list[str]], list[list[int]], list[str], str, object]] = []
    for table in tables.innermost:
        head = _text_head(table, _HEAD_CHARS)
        rows, ids, row_lines = _expand(table)
        # the placeholder stands where the table stood; its number finds the grid again.
        # The table, taken out of the page, stays whole: its full text is read only if needed.
        table.replace_with(f"{_MARK}{_HOLE}T{len(grids)}{_HOLE}{_MARK}")
        grids.append((rows, ids, row_lines, head, table))
    for node in root.css(_BLOCKS):
        node.insert_after(_MARK)
    raw_text = root.text(separator="")
    headings = heading_positions(raw_text)

    blocks: list[Block] = []
    text_parts: list[str] = []
    narrative_parts: list[str] = []
    # Lines are made per piece (narrative run, table row) when every placeholder stands between
    # line marks, as the ones put in do: splitting the joined text at the marks then gives the
    # same lines. Otherwise (page text that looks like a placeholder) the joined text is split.
    by_piece = True
    text_lines: list[str] = []
    narrative_lines: list[str] = []
    last = 0
    for m in _PLACEHOLDER.finditer(raw_text):
        n = int(m.group(1))
        rows, ids, row_lines, head, table = grids[n]
        chunk = raw_text[last:m.start()]
        if by_piece and raw_text[m.start() - 1:m.start()] == _MARK and raw_text[m.end():m.end() + 1] == _MARK:
            lines = _line_list(chunk)
            text_lines += lines
            narrative_lines += lines
            text_lines += [line for line in row_lines if line]  # cell texts are collapsed already
        else:
            by_piece = False
        text_parts.append(chunk)
        narrative_parts.append(chunk)
        text_parts.append(_MARK.join(row_lines))
        last = m.end()
        if not rows or not any(c for row in rows for c in row):
            continue
        # A heading printed in the table's first cells places it; else the heading before it.
        inner = heading_positions(head, run_on=True)
        section = inner[0][1] if inner else _section_before(headings, m.start())
        if section not in SECTIONS:
            # No table heading before it (or the heading of 一/五/六): place it by its labels.
            by_labels = classify_text(templates.normalise(table.text(separator="")))
            if by_labels is None:
                continue  # a layout or navigation table: nothing the templates name
            section = None if by_labels == "mixed" else by_labels
        blocks.append(Block(rows=rows, section=section, grid=True, cell_ids=ids,
                            origin=f"html table {n + 1}"))
    text_parts.append(raw_text[last:])
    narrative_parts.append(raw_text[last:])
    if by_piece:
        lines = _line_list(raw_text[last:])
        text = "\n".join(text_lines + lines)
        narrative = "\n".join(narrative_lines + lines)
    else:
        text = _lines("".join(text_parts))
        narrative = _lines("".join(narrative_parts))
    return Document(
        kind="html",
        text=text,
        narrative=narrative,
        blocks=blocks,
        title=title,
        meta=meta,
        encoding=decoded.encoding,
        encoding_source=decoded.source,
    )


class _Prepared:
    __slots__ = ("meta", "root", "innermost")

    def __init__(self, meta: dict[str, str], root, innermost: list) -> None:
        self.meta = meta
        self.root = root  # the node whose text is the page (the body)
        self.innermost = innermost  # the tables holding no table, in page order


def _prepare(tree) -> _Prepared:
    """<meta> fields; script, style, noscript and template removed from the body (code, not
    report text); the innermost tables. One selector walk over the body finds all three."""
    head, body = tree.head, tree.body
    if head is not None and body is not None:
        found = body.css("meta, script, style, noscript, template, table")
        metas = head.css("meta")
        tables = []
        drop = []
        for node in found:
            tag = node.tag_id
            if tag == _TABLE_ID:
                tables.append(node)
            elif tag == _META_ID:
                metas.append(node)
            else:
                drop.append(node)
        # The tables found stay valid only if none of them sits inside a removed element.
        if all(node.css_first("table") is None for node in drop):
            meta = _meta_nodes(metas)
            for node in drop:
                node.decompose()
            # a table holding another is a layout table: mark each innermost table's parents
            outer = set()
            for t in tables:
                p = t.parent
                while p is not None:
                    if p.tag_id == _TABLE_ID:
                        outer.add(p.mem_id)
                        break
                    p = p.parent
            innermost = [t for t in tables if t.mem_id not in outer] if outer else tables
            return _Prepared(meta, body, innermost)
    meta = _meta(tree)
    root = tree.body or tree.root
    if root is None:
        raise NotAReport("the input is an HTML page with no body: no report to read")
    for node in root.css("script, style, noscript, template"):  # code, not report text
        node.decompose()
    return _Prepared(meta, root, [t for t in root.css("table") if len(t.css("table")) == 1])


_HEAD_CHARS = 80  # a heading printed in a table's first cells starts within these


def _text_head(table, n: int) -> str:
    """table.text(separator="")[:n] without reading the whole table: its text nodes in page
    order, a row (or any other child) at a time, until n characters are read. Row groups
    (tbody/thead/tfoot) are entered, not read whole: one of them is often the whole table."""
    parts: list[str] = []
    size = 0
    stack = [table.iter(include_text=True)]
    while stack:
        for child in stack[-1]:
            if child.tag_id in _ROW_GROUPS:
                stack.append(child.iter(include_text=True))
                break
            text = child.text(separator="")
            parts.append(text)
            size += len(text)
            if size >= n:
                return "".join(parts)[:n]
        else:
            stack.pop()
    return "".join(parts)


def row_line(row: list[str], rid: list[int]) -> str:
    if len(set(rid)) == len(rid):
        # no cell spans two positions (a lone padding position is blank, so dropped anyway)
        return " ".join(filter(None, row))
    out = []
    last = None
    for text, cid in zip(row, rid):
        if cid != last and cid >= 0 and text:
            out.append(text)
        last = cid
    return " ".join(out)


def expand(table) -> tuple[list[list[str]], list[list[int]]]:
    """A <table> → (grid of cell texts, grid of cell ids); spans repeated, rows padded with
    negative ids."""
    grid, ids, _lines = _expand(table)
    return grid, ids


def _expand(table) -> tuple[list[list[str]], list[list[int]], list[str]]:
    """expand, and each row's line (row_line). Written for speed: it runs over every cell of
    every report. A row where no printed cell covers two of its positions makes its line
    without row_line's test for repeated ids: only a colspan placed in the row, or the copies
    of a cell spanning rows and columns both (a wide carry entry), cover several; padding is
    blank, dropped from the line either way."""
    grid: list[list[str]] = []
    ids: list[list[int]] = []
    lines: list[str] = []
    carry: dict[int, list] = {}  # column → [rows left, text, id, wide] of a rowspan from above
    next_id = 0
    td_id, th_id = _TD_ID, _TH_ID
    spans = _SPANS
    for tr in table.css("tr"):
        row: list[str] = []
        rid: list[int] = []
        col = 0
        plain = True  # every position so far a cell of its own (no colspan, no copy from a wide cell)
        for td in tr.iter():
            tag = td.tag_id
            if tag != td_id and tag != th_id:
                continue
            if carry:
                while col in carry:  # _take, inlined: it runs for every rowspan copy
                    entry = carry[col]
                    if entry[3]:
                        plain = False
                    row.append(entry[1])
                    rid.append(entry[2])
                    entry[0] -= 1
                    if entry[0] <= 0:
                        del carry[col]
                    col += 1
            attrs = td.attributes
            text = td.text_lexbor()
            if not (text.isascii() and text.isdigit()):
                if "\u200b" in text or "\ufeff" in text:
                    text = text.replace("\u200b", "").replace("\ufeff", "")
                # split() drops every Unicode space, &nbsp; and U+3000 included
                text = " ".join(text.split())
            if not attrs or ("rowspan" not in attrs and "colspan" not in attrs):
                # the common cell, one position: no span to read
                row.append(text)
                rid.append(next_id)
                next_id += 1
                col += 1
                continue
            value = attrs.get("rowspan")  # the usual spans are looked up, not parsed
            rs = spans.get(value) or _span(value)
            value = attrs.get("colspan")
            cs = spans.get(value) or _span(value)
            cid = next_id
            next_id += 1
            if cs == 1:
                row.append(text)
                rid.append(cid)
                if rs > 1:
                    carry[col] = [rs - 1, text, cid, False]
                col += 1
            else:
                plain = False
                row.extend([text] * cs)
                rid.extend([cid] * cs)
                if rs > 1:
                    for j in range(col, col + cs):
                        carry[j] = [rs - 1, text, cid, True]
                col += cs
        while carry and max(carry) >= col:
            if col in carry:
                if carry[col][3]:
                    plain = False
                col = _take(carry, col, row, rid)
            else:
                row.append("")
                rid.append(-1)
                col += 1
        grid.append(row)
        ids.append(rid)
        # padding added below is blank: no line changes
        lines.append(" ".join(filter(None, row)) if plain else row_line(row, rid))
    pad_grid(grid, ids)
    return grid, ids, lines


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


# _span of the values printed nearly always, read once (None: no such attribute)
_SPANS = {value: _span(value) for value in [None, ""] + [str(n) for n in range(_MAX_SPAN + 1)]}


def _flat(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _lines(raw: str) -> str:
    return "\n".join(_line_list(raw))


def _line_list(raw: str) -> list[str]:
    # split() drops every Unicode space (&nbsp; and U+3000 included) and empty parts
    return [line for line in (" ".join(part.split()) for part in raw.split(_MARK)) if line]


def _meta(tree) -> dict[str, str]:
    return _meta_nodes(tree.css("meta"))


def _meta_nodes(nodes) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in nodes:
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


def heading_positions(raw: str, *, run_on: bool = False) -> list[tuple[int, str]]:
    """(position, section key) of every section heading in the text. run_on: the text has no
    line marks (a table's cells), so a heading only has to start where its numeral is."""
    out = []
    for m in _NUMERAL.finditer(raw):
        # the heading line: up to the next line mark, at most 60 characters
        tail = raw[m.start():m.start() + 60]
        cut = tail.find(_MARK, 1)
        if cut > 0:
            tail = tail[:cut]
        key = heading_key(" ".join(tail.split()), run_on=run_on or cut < 0)
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
