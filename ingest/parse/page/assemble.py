"""Placed characters and rules → the intermediate form: the page assembly every page-laid
front end shares (PDF text, OFD, OCR'd scans and pictures).

A reader turns its pages into `Page`s: the ruled tables as grids (grid.py, from rules and
characters in points) and the running text outside them as lines (lines.py); `fill` does that
from a page's characters and the grids found on it. `assemble` then reads the document as a
person does: in page order by position, cut at the section headings, a table cut by a page
break joined with its continuation, running text regrouped into paragraphs, tables printed
without rules read from their text lines (borderless.py). Nothing here knows which format the
page came from; the grid cells carry their page and box for provenance.
"""

from __future__ import annotations

import re
import statistics
from difflib import SequenceMatcher
from dataclasses import dataclass, field

from ingest.parse.layout import Block, Document
from ingest.parse.page.borderless import gapped_text, placed_rows, table4_rows
from ingest.parse.page.grid import EDGE, SNAP, Grid, contains, continues, header_over_break, join, restack
from ingest.parse.page.lines import (Line, cluster_lines, gapped_tokens, is_page_number, orientation,
                                     paragraph_text, paragraphs)
from ingest.parse.rows import rows_from_cells, split_line
from ingest.parse.vocab.headings import heading_key


@dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    grids: list[Grid] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)  # running text outside the tables
    n_chars: int = 0
    n_images: int = 0
    n_rotated: int = 0  # rotated characters left out of the running text


_DIGITS = re.compile(r"\d+")


FURNITURE = 0.06  # share of the page height at top and bottom where running heads sit


_NOT_WORDS = re.compile(r"[\W\d_]+")


def _furniture_key(text: str) -> str:
    """What a running head keeps from page to page: its words without digits, spaces or
    punctuation (OCR reads "_" or ", " on one page and not the next); a line of digits and
    marks only ("3/4") by its shape."""
    return _NOT_WORDS.sub("", text) or _DIGITS.sub("#", text)


def drop_furniture(pages: list[Page]) -> None:
    """Drop running heads and feet: a line in the top or bottom margin that the pages print
    alike but for its numbers (a browser's "11/29/26, 10:04 PM <page title>" and
    "file:///… 1/4", an office suite's header). They are not report text, and left in they
    would stand between the halves of a table cut by a page break. Alike on every page with
    text — or, from four pages on, on all but a quarter of them: OCR misreads a word now and
    then, and a printed line in the margin of most pages of one report is no report text."""
    with_text = [p for p in pages if p.n_chars]
    if len(with_text) < 2:
        return

    def in_band(page: Page, ln) -> bool:
        return ln.bottom < FURNITURE * page.height or ln.top > (1 - FURNITURE) * page.height

    counts: dict[str, int] = {}
    for page in with_text:
        for key in {_furniture_key(ln.text) for ln in page.lines if in_band(page, ln)}:
            counts[key] = counts.get(key, 0) + 1
    need = len(with_text) - len(with_text) // 4
    common = {k for k, n in counts.items() if n >= need}
    if not common:
        return

    def furniture(key: str) -> bool:
        # the page whose head OCR misread: within a character or two of a common long head
        return key in common or (len(key) >= 8 and any(
            len(k) >= 8 and SequenceMatcher(None, key, k).ratio() >= 0.9 for k in common))

    for page in with_text:
        page.lines = [ln for ln in page.lines if not (in_band(page, ln) and furniture(_furniture_key(ln.text)))]


def in_margin(line: Line, height: float) -> bool:
    return line.top > 0.85 * height or line.bottom < 0.15 * height


def rotated_notes(pages: list[Page], kind: str) -> list[str]:
    """A warning for each page whose turned or slanted characters `fill` left out."""
    return [f"{kind} page {p.number}: {p.n_rotated} rotated characters outside the tables were "
            "left out of the text (a watermark or seal?)" for p in pages if p.n_rotated]


def fill(page: Page, chars: list[dict], grids: list[Grid]) -> Page:
    """The page's tables and running text from its characters and the grids its rules made.

    A ruled box around a paragraph is not a table, and rows ruled without any column rule hold
    label and numbers in one "cell": both are read as text lines instead. Turned or slanted
    characters among level running text are a watermark or a seal's legend, not report text
    (a page set entirely sideways is kept as it is); page numbers in the margins are dropped.
    """
    page.grids.extend(g for g in grids if g.n_cols >= 2 and any(c.text for c in g.cells))
    free = [c for c in chars if not any(contains(g, c) for g in page.grids)]
    level = [c for c in free if orientation(c) == "level"]
    if len(level) * 2 >= len(free):
        page.n_rotated = len(free) - len(level)
        free = level
    for line in cluster_lines(free):
        line.page = page.number
        if is_page_number(line.text) and in_margin(line, page.height):
            continue
        page.lines.append(line)
    return page


_TABLE_SECTIONS = ("table2", "table3", "table4")


@dataclass
class _Segment:
    """The report between two section headings: its heading line, text lines and tables."""

    key: str | None  # table2 | table3 | table4 | overview | … ; None before the first heading
    heading: Line | None = None
    flow: list[object] = field(default_factory=list)  # Line | Grid, in reading order


def assemble(pages: list[Page], doc_warnings: list[str], *, kind: str, cell_meta=None) -> Document:
    """The pages of one document (`kind`: pdf | ofd | images) → the intermediate form.
    cell_meta: grid → Block.meta (or None), for grids whose cells are not simply printed
    (OCR'd pages, ingest/parse/readers/ocr_page.py)."""
    left, right = _margins([ln for p in pages for ln in p.lines])
    segments = _segments(pages)

    blocks: list[Block] = []
    narrative: list[str] = []
    text: list[str] = []
    title: str | None = None
    for seg in segments:
        if seg.heading is not None:
            narrative.append(seg.heading.text)
            text.append(seg.heading.text)
        grids = [x for x in seg.flow if isinstance(x, Grid)]
        if seg.key in _TABLE_SECTIONS and not grids:
            # No ruled table under this heading (a table drawn without borders): its lines
            # are the flattened "label numbers…" text the text front end already reads.
            seg_lines = [x for x in seg.flow if isinstance(x, Line)]
            lines = [gapped_text(x) for x in seg_lines]
            if seg.key == "table3":
                rows = placed_rows(seg_lines, doc_warnings)
            else:
                rows = token_rows(seg_lines)
                if seg.key == "table4":
                    rows = table4_rows(rows, lines, doc_warnings)
            if rows:
                pages_of = sorted({x.page for x in seg_lines})
                blocks.append(Block(rows=[[str(c) for c in row] for row in rows], section=seg.key, grid=False,
                                    origin=f"{kind} text lines, {pages_txt(pages_of[0], pages_of[-1])}",
                                    meta=line_meta(rows, seg_lines, cell_meta), from_geometry=True))
                doc_warnings.append(f"{seg.key} has no ruled table in the PDF; it was read from "
                                    "its text lines")
            text.extend(lines)
            continue
        run: list[Line] = []
        for x in seg.flow + [None]:
            if isinstance(x, Line):
                run.append(x)
                continue
            for para in paragraphs(run, left, right):
                ptext = paragraph_text(para)
                if not ptext:
                    continue
                if title is None and not narrative and para[0].page == 1:
                    title = _title_hint(para, run)
                narrative.append(ptext)
                text.append(ptext)
            run = []
            if isinstance(x, Grid):
                doc_warnings.extend(x.notes)
                rows, ids = x.expand()
                section = _heading_in_grid(rows) or (seg.key if seg.key in _TABLE_SECTIONS else None)
                if section == "table3":
                    _drop_blank_tails(rows, ids)
                    _drop_unheaded_numbers(rows, ids, x, doc_warnings, kind)
                blocks.append(Block(rows=rows, section=section, grid=True, cell_ids=ids,
                                    origin=f"{kind} {pages_txt(x.page, x.last_page)}",
                                    meta=cell_meta(x) if cell_meta else _cell_meta(x, ids), from_geometry=True))
                text.extend(x.row_texts())
    return Document(kind=kind, text="\n".join(text), blocks=blocks, narrative="\n".join(narrative),
                    title=title, warnings=doc_warnings)


def token_rows(lines: list[Line]) -> list[list[str]]:
    """`rows_from_lines` of the lines' gapped text, each value a `Token` of the characters it
    was read from (a line whose words do not split as its text does keeps plain values)."""
    cells = []
    for line in lines:
        text = gapped_text(line)
        if not text:
            continue
        label, values = split_line(text)
        toks = [t for t, _, _ in gapped_tokens(line.chars)]
        if values and toks == text.split():
            values = toks[len(toks) - len(values):]
        cells.append((label, values))
    return rows_from_cells(cells)


def line_meta(rows: list[list[str]], lines: list[Line], cell_meta) -> list[list[dict | None]] | None:
    """Block.meta of a table read from text lines, for front ends whose characters are not
    simply printed (OCR'd pages: `cell_meta.words`, ocr_page.Provenance): each cell the
    provenance of the characters it was read from — OCR's score among them, which the checks
    of OCR'd numbers need (mapping/ocr_check.py). A cell whose characters were not kept (a
    reading of glued digits) is still read "ocr", with no score. None for printed pages."""
    words = getattr(cell_meta, "words", None)
    if words is None:
        return None
    read = [m for m in (words([c]) for ln in lines for c in ln.chars[:1]) if m]
    if not read:
        return None  # no line of the table was OCR'd
    untraced = {"read": "ocr", "page": read[0]["page"],
                "note": "read by OCR from a table's text lines; the words it came from were not kept"}
    return [[(words(list(c.chars)) if getattr(c, "chars", None) else None) or (dict(untraced) if c else None)
             for c in row] for row in rows]


def _segments(pages: list[Page]) -> list[_Segment]:
    """The report cut at its section headings, tables split by a page break joined again.

    Reading order is per page by position; a table that ends one page and a table that starts
    the next with nothing printed between them are one table cut by the page break.
    """
    segments = [_Segment(key=None)]
    for page in pages:
        flow = [(g.top, g) for g in page.grids] + [(ln.top, ln) for ln in page.lines]
        for k, (_, obj) in enumerate(sorted(flow, key=lambda t: t[0])):
            seg = segments[-1]
            if isinstance(obj, Grid):
                prev = seg.flow[-1] if seg.flow else None
                if isinstance(prev, Grid) and continues(prev, obj):
                    seg.flow[-1] = restack(prev, obj) if (prev.width or obj.width) else join(prev, obj)
                elif not (k == 0 and _header_cut(seg.flow, obj)):
                    seg.flow.append(obj)
                continue
            key = heading_key(obj.text)
            if key is not None:
                segments.append(_Segment(key=key, heading=obj))
            elif not _beside(seg.flow[-1] if seg.flow else None, obj):
                seg.flow.append(obj)
    return [s for s in segments if s.heading is not None or s.flow]


def _header_cut(flow: list[object], lower: Grid) -> bool:
    """`lower`, first on its page, closing a header the page break cut: the flow ends, on the
    page before, with a small ruled part of the header and the loose words of the cells
    whose rules the break left undrawn, standing level with it (grid.header_over_break). The
    rebuilt table replaces them in `flow`; False (flow untouched) when they do not fit."""
    i = len(flow)
    while i > 0 and isinstance(flow[i - 1], Line) and flow[i - 1].page == lower.page - 1:
        i -= 1
    frag = flow[i - 1] if i > 0 else None
    if not isinstance(frag, Grid) or frag.last_page != lower.page - 1 or frag.page != frag.last_page:
        return False
    loose = flow[i:]
    if not loose or any(ln.top >= frag.bottom or ln.bottom <= frag.top for ln in loose):
        return False
    if frag.x0 < lower.x0 - SNAP or frag.x1 > lower.x1 + SNAP:
        return False
    whole = header_over_break(frag, loose, lower)
    if whole is None:
        return False
    flow[i - 1:] = [whole]
    return True


def _beside(grid: object, line: Line) -> bool:
    """Whether `line` is the text of a label cell printed beside `grid`, outside its rules: a
    browser carries a label cell spanning rows over a page break (三、本年度办理结果) onto the
    next page without its borders, so its words stand left of the table's drawn edge, within
    its height. They are no text between the halves of a table cut by the next page break;
    the label itself is the upper half's spanning cell."""
    if not isinstance(grid, Grid) or grid.last_page != line.page or _DIGITS.search(line.text):
        return False
    # its part on this page (it stands before the line in reading order: the line is below its top)
    here = [c for c in grid.cells if c.pages == [line.page]]
    return bool(here) and (line.x1 <= min(c.x0 for c in here) + EDGE
                           and line.bottom <= max(c.bottom for c in here) + EDGE)


def _drop_blank_tails(rows: list[list[str]], ids: list[list[int]]) -> None:
    """A blank cell spanning several columns at the right end of a table-3 row is no value
    cell (each value has a column of its own) but the empty box of a table whose rows are
    ragged (LibreOffice printing a table with an empty <tr>): read as a value it would make
    an eighth column and shift the row. Its positions become "no printed cell" (id -1).
    Only right of the 总计 header: a blank merged over value columns stays as printed."""
    last = max((j for row in rows[:4] for j, t in enumerate(row) if t.replace(" ", "") == "总计"),
               default=None)
    if last is None:
        return
    for row, rid in zip(rows, ids):
        j = len(row)
        while j > 0 and not row[j - 1]:
            k = j - 1
            while k > 0 and rid[k - 1] == rid[j - 1]:
                k -= 1
            if j - k < 2 or k <= last:
                break
            for m in range(k, j):
                rid[m] = -1
            j = k


_NUMERIC = re.compile(r"[+\-]?\d[\d,]*(?:\.\d+)?")


def _drop_unheaded_numbers(rows: list[list[str]], ids: list[list[int]], grid: Grid,
                           doc_warnings: list[str], kind: str) -> None:
    """Numbers in a column whose header prints nothing (its header words fell out of the table
    — a header row cut by a page break, drawn without rules on the first page): which column
    they belong to is unknown, and left in they would read as row labels and misplace rows.
    They become "no printed cell" (null) with a warning. Only for a table with header rows."""
    first = next((r for r, row in enumerate(rows) if any(_NUMERIC.fullmatch(t) for t in row)), 0)
    if first == 0:
        return
    for j in range(len(rows[0])):
        if any(rows[r][j] for r in range(first)):
            continue
        hit = [r for r in range(first, len(rows))
               if _NUMERIC.fullmatch(rows[r][j]) and (j == 0 or ids[r][j - 1] != ids[r][j])
               and (j + 1 == len(rows[r]) or ids[r][j + 1] != ids[r][j])]
        for r in hit:
            ids[r][j] = -1
        if hit:
            doc_warnings.append(f"table3 ({kind} {pages_txt(grid.page, grid.last_page)}): column {j + 1} "
                                f"prints {len(hit)} numbers under no header; which column they are "
                                "is not known, so they are left null")


def _cell_meta(grid: Grid, ids: list[list[int]]) -> list[list[dict | None]]:
    """Where each position's printed cell stands: its (first) page and its box in points.
    A cell joined across a page break keeps the page and box of its first part."""
    out = []
    for row in ids:
        metas: list[dict | None] = []
        for cid in row:
            if 0 <= cid < len(grid.cells):
                c = grid.cells[cid]
                meta = {"read": "printed", "page": (c.pages or [grid.page])[0],
                        "bbox": [round(c.x0, 2), round(c.top, 2), round(c.x1, 2), round(c.bottom, 2)]}
                if c.uncertain:
                    meta["note"] = "its row's value cells could not be placed in columns with certainty"
                metas.append(meta)
            else:
                metas.append(None)
        out.append(metas)
    return out


def _heading_in_grid(rows: list[list[str]]) -> str | None:
    """The table section named by a heading printed inside the table's own first row."""
    for cell in dict.fromkeys(rows[0] if rows else []):
        key = heading_key(cell) if cell else None
        if key in _TABLE_SECTIONS:
            return key
    return None


def pages_txt(first: int, last: int) -> str:
    return f"page {first}" if first == last else f"pages {first}-{last}"


def _title_hint(para: list[Line], run: list[Line]) -> str | None:
    """The first paragraph of page 1 when it is printed larger than the body text."""
    body = statistics.median(ln.size for ln in run) if run else 0
    if para[0].size > body + 1:
        return paragraph_text(para)
    return None


def _margins(lines: list[Line]) -> tuple[float, float]:
    """Left and right edges of the body text, from where most lines start and end."""
    if not lines:
        return 0.0, 0.0
    starts = sorted(round(ln.x0) for ln in lines)
    ends = sorted(round(ln.x1) for ln in lines)
    left = statistics.mode(starts)
    left = min(left, starts[len(starts) // 10])  # hanging lines rarely start left of most
    right = ends[(3 * len(ends)) // 4]
    return float(left), float(right)
