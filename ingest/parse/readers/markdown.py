"""Markdown front end: reports people already converted from PDF (MinerU, marker, pandoc).

What converters write, and how it is read:
- `#` headings (a table's title is often one: `## 三、收到和处理政府信息公开申请情况`) and
  paragraphs, one printed line per line;
- pipe tables (`| a | b |` over a `|---|---|` delimiter row; `<br>` inside a cell, marker's
  way of keeping a header cell's lines; `\\|` an escaped bar), a header spread over several
  rows kept as rows, the spans a pipe table cannot print restored (`_header_spans`);
- pandoc's grid tables (`+----+----+` borders; a cell's text wrapped over several lines,
  joined without a separator — CJK does not space words);
- HTML `<table>`s inside the markdown (MinerU writes every table so, with its spans).

The markdown is rewritten as a plain HTML page (each heading and paragraph an element, each
table a `<table>`) and read by the HTML front end, so sections, split tables (one table broken
into several pipe tables, continuations with fewer label columns) and header rows are read by
the same rules as a web page. Converters rebuilt those tables from page geometry, and a page
break can shift their cells without a trace: every block is marked `from_geometry`, so the
mapper ships tables 3 and 4 only when the template's identities confirm the reading
(mapping/gate.py), never a guess.

Caps: the text is at most MAX_CHARS characters and MAX_LINES lines (a report is far smaller);
raw HTML is passed through only inside `<table>` … `</table>` and as inline `<br>`.
"""

from __future__ import annotations

import html as htmllib
import re

from ingest.decode import decode_bytes
from ingest.errors import NotAReport
from ingest.parse.readers import html
from ingest.values import is_numberlike

MAX_CHARS = 5_000_000
MAX_LINES = 200_000
MAX_HEADING = 500  # characters: a longer line is text (and stays clear of regex backtracking)

HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
DELIMITER = re.compile(r"^ {0,3}\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$")
GRID_BORDER = re.compile(r"^ {0,3}\+(?:[-=:]{3,}\+)+[ \t]*$")
_TABLE_OPEN = re.compile(r"<table\b", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.IGNORECASE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_SPAN_ATTRS = re.compile(r"\[([^\]]*)\]\{[^}]*\}")  # pandoc's [text]{style=…}


def looks_like(text: str) -> bool:
    """Markdown as converters write it: a pipe-table delimiter row, a grid-table border, or an
    ATX heading line together with a table (pipe or HTML). Used by sniff.py on the first
    64 KB; text reports and HTML pages carry none of these."""
    lines = text.splitlines()
    if any(DELIMITER.match(ln) and "|" in ln for ln in lines) or any(GRID_BORDER.match(ln) for ln in lines):
        return True
    return any(len(ln) <= MAX_HEADING and HEADING.match(ln) for ln in lines) and bool(_TABLE_OPEN.search(text)) and not re.search(
        r"<\s*(?:html|body|head|!doctype)\b", text, re.IGNORECASE)


def _inline(text: str) -> str:
    """One cell's or line's markdown inline text → escaped HTML text (`<br>` kept)."""
    text = _SPAN_ATTRS.sub(r"\1", _LINK.sub(r"\1", text))
    text = _EMPHASIS.sub(r"\2", text)
    parts = _BR.split(text)
    return "<br>".join(htmllib.escape(_ESCAPE.sub(r"\1", p.replace("\\|", "|")), quote=False) for p in parts)


def _pipe_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", s)]


def _table(rows: list[list[str]]) -> str:
    """Rows of cell texts → a <table>; the header's lost spans restored (`_header_spans`)."""
    width = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (width - len(r)) for r in rows]
    spans = _header_spans(rows)
    spans.update(_label_spans(rows, spans))
    out = ["<table>"]
    for r, row in enumerate(rows):
        out.append("<tr>")
        for c, text in enumerate(row):
            span = spans.get((r, c), (1, 1))
            if span is None:
                continue  # covered by a spanning header cell
            rs, cs = span
            attrs = (f" rowspan={rs}" if rs > 1 else "") + (f" colspan={cs}" if cs > 1 else "")
            out.append(f"<td{attrs}>{_inline(text)}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def _label_spans(rows: list[list[str]], header: dict) -> dict[tuple[int, int], tuple[int, int] | None]:
    """A row label printed across several label columns (（七）总计 over two) leaves blanks
    after it in a pipe table: in a body row, a blank cell right after the label text and
    before the row's first number continues the label (a colspan). Values never move: only
    cells before the first number are joined."""
    out: dict[tuple[int, int], tuple[int, int] | None] = {}
    for r, row in enumerate(rows):
        if any(k[0] == r for k in header):
            continue
        first = next((c for c, t in enumerate(row) if t and is_numberlike(t)), None)
        if first is None:
            continue
        owner = None
        for c in range(first):
            if row[c]:
                owner = c
                out[(r, c)] = (1, 1)
            elif owner is not None and (c + 1 == first or not row[c + 1]):  # blanks up to the next text or number
                out[(r, owner)] = (1, out[(r, owner)][1] + 1)
                out[(r, c)] = None
            else:
                owner = None
    return out


def _header_spans(rows: list[list[str]]) -> dict[tuple[int, int], tuple[int, int] | None]:
    """Pipe tables cannot span: converters print a spanning header cell's text once and leave
    the positions it covered blank. In the header rows (those above the first row that prints
    a number), a blank cell of the first row continues the cell on its left (a colspan); a
    blank cell of a later header row continues the cell above it when that is one column wide
    (a rowspan), else the cell on its left when both lie under the same spanning cell. {(row, col):
    (rowspan, colspan) of a cell that spans, or None for a covered position}."""
    # a table of no numbers is all header (a header printed as a table of its own)
    head = next((i for i, r in enumerate(rows) if any(is_numberlike(c) for c in r[1:] if c)), len(rows))
    if head < 2:
        return {}
    spans: dict[tuple[int, int], tuple[int, int] | None] = {}
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for r in range(head):
        for c, text in enumerate(rows[r]):
            if text:
                owner[(r, c)] = (r, c)
                spans[(r, c)] = (1, 1)
            elif r == 0 and c > 0 and (0, c - 1) in owner:
                o = owner[(0, c - 1)]
                owner[(0, c)] = o
                spans[o] = (1, spans[o][1] + 1)
                spans[(0, c)] = None
            elif r > 0 and (r - 1, c) in owner:
                o = owner[(r - 1, c)]
                ors, ocs = spans[o]
                if o[1] == c and ocs == 1:
                    owner[(r, c)] = o  # under a one-column cell: it spans down
                    spans[o] = (ors + 1, 1)
                    spans[(r, c)] = None
                    continue
                # under a colspan: continues the cell on its left when that one lies under the
                # same spanning cell (未经复议直接起诉 over five columns under 行政诉讼)
                left = owner.get((r, c - 1)) if c > 0 else None
                if left is not None and left[0] == r and owner.get((r - 1, left[1])) == o:
                    owner[(r, c)] = left
                    spans[left] = (1, spans[left][1] + 1)
                    spans[(r, c)] = None
    return spans


def _grid_table(lines: list[str]) -> str:
    """A pandoc grid table: rows between border lines, a cell's lines joined."""
    columns = lines[0].strip().count("+") - 1
    rows: list[list[str]] = []
    cur: list[list[str]] | None = None
    for ln in lines:
        s = ln.strip()
        if GRID_BORDER.match(s):
            if cur is not None:
                rows.append(["".join(p) for p in cur])
            cur = [[] for _ in range(columns)]
            continue
        if cur is None:
            continue
        # split at the bars, not at the border's columns: a CJK character is two columns wide
        pieces = [p.strip() for p in re.split(r"(?<!\\)\|", s.strip().strip("|"))]
        if len(pieces) != len(cur):
            return ""  # a ragged grid (spans pandoc cannot print): left unread, its table null
        for k, piece in enumerate(pieces):
            if piece:
                # CJK is not spaced: wrapped lines join directly; Latin words keep a space
                sep = " " if cur[k] and cur[k][-1][-1:].isascii() and piece[:1].isascii() else ""
                cur[k].append(sep + piece)
    return _table(rows)


def to_html(text: str) -> str:
    """Converter markdown → a plain HTML page (headings, paragraphs, tables)."""
    lines = text.splitlines()
    out: list[str] = ["<html><body>"]
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        s = line.strip()
        if not s:
            i += 1
            continue
        m = HEADING.match(line) if len(line) <= MAX_HEADING else None
        if m:
            level = len(m.group(1))
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
            i += 1
        elif "|" in s and i + 1 < n and DELIMITER.match(lines[i + 1]):
            rows = [_pipe_cells(line)]
            i += 2
            while i < n and "|" in lines[i] and lines[i].strip():
                rows.append(_pipe_cells(lines[i]))
                i += 1
            out.append(_table(rows))
        elif GRID_BORDER.match(line):
            j = i + 1
            while j < n and lines[j].strip().startswith(("|", "+")):
                j += 1
            out.append(_grid_table(lines[i:j]))
            i = j
        elif _TABLE_OPEN.search(s):
            j = i
            chunk: list[str] = []
            while j < n:
                chunk.append(lines[j])
                j += 1
                if _TABLE_CLOSE.search(lines[j - 1]):
                    break
            out.append("\n".join(chunk))  # read by the HTML parser as written
            i = j
        else:
            out.append(f"<p>{_inline(s)}</p>")
            i += 1
    out.append("</body></html>")
    return "\n".join(out)


def extract(data: bytes, *, content_type: str | None = None):
    decoded = decode_bytes(data, content_type)
    text = decoded.text
    if "\x00" in text[:4096]:
        raise NotAReport("the input looks like binary data, not a 政府信息公开工作年度报告")
    if len(text) > MAX_CHARS or text.count("\n") > MAX_LINES:
        raise NotAReport(f"the markdown is {len(text):,} characters in {text.count(chr(10)) + 1:,} lines "
                         f"(at most {MAX_CHARS:,} / {MAX_LINES:,} are read): not a report")
    doc = html.extract(to_html(text).encode("utf-8"), content_type="text/html; charset=utf-8")
    doc.kind = "markdown"
    doc.encoding, doc.encoding_source = decoded.encoding, decoded.source
    for b in doc.blocks:
        b.from_geometry = True  # rebuilt by a converter from page positions: the gate checks it
    return doc
