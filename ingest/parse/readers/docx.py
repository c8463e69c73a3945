"""Word .docx front end: python-docx opens the package, the body is walked in document order.

Output is the same intermediate form the HTML front end makes from the same report:
- paragraphs are running text, one line per paragraph (a line break inside one starts a new
  line), placed in reading order with the tables;
- each table is a grid with its merged cells expanded the way html.expand expands
  rowspan/colspan: a cell spanning grid columns (`w:gridSpan`) or continued downwards
  (`w:vMerge`) is repeated in every position it covers and carries one cell id; positions no
  cell covers (`w:gridBefore`/`w:gridAfter`, short rows) get negative ids;
- a cell's text is its paragraphs joined without separators, whitespace collapsed, exactly as
  the HTML front end joins a Word-pasted cell's <p>s;
- a table holding tables is a layout table: its cells' content is read as body content (the
  inner tables become the report's tables, as the HTML front end reads innermost tables);
- a table cut in two at a page break (two w:tbl with only empty paragraphs or the break between
  them, and the same grid columns at the same widths) is joined again, header rows repeated on the second part dropped,
  and a merged label cell continued across the cut (a vMerge "continue" with no start above it
  in its own table) joined to its first half — as the PDF front end joins tables across pages;
- tables are placed under the section heading (二/三/四) before them, else by their labels,
  with the HTML front end's own rules;
- a body that imports an HTML or MHT part (w:altChunk: a CMS's "export to Word") is read
  through that part's front end. Headers, footers and comments are page furniture: not read.

The package is checked by ingest/parse/readers/containers.py (member count, inflated sizes, ratios,
no DTD in any XML part) before python-docx reads a byte of it.
"""

from __future__ import annotations

import io
import posixpath

from ingest import templates
from ingest.errors import NotAReport, UserError
from ingest.parse.readers import html as H
from ingest.parse.readers import mht
from ingest.parse.readers.containers import SafeZip, refuse_doctype
from ingest.parse.layout import SECTIONS, Block, Document, pad_grid
from ingest.parse.vocab.headings import heading_key

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_P, _TBL, _TR, _TC, _SDT, _SDTC = (f"{{{W}}}{t}" for t in ("p", "tbl", "tr", "tc", "sdt", "sdtContent"))
_T, _TAB, _BR, _CR, _NBH = (f"{{{W}}}{t}" for t in ("t", "tab", "br", "cr", "noBreakHyphen"))
_CUSTOM = f"{{{W}}}customXml"
_SKIP = {f"{{{W}}}{t}" for t in ("del", "delText", "instrText", "moveFrom", "rPr", "pPr", "tcPr",
                                  "trPr", "tblPr", "footnoteReference", "commentReference")}
_SKIP.add(f"{{{MC}}}Fallback")  # text boxes are stored twice: read the mc:Choice copy only
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ALT = f"{{{W}}}altChunk"
_MAX_SPAN = 100  # as html._MAX_SPAN: a gridSpan beyond this is damage, not layout
_LINE = "\n"


class _Table:
    __slots__ = ("rows", "ids", "orphans", "width", "columns")

    def __init__(self, rows: list[list[str]], ids: list[list[int]], orphans: set[int],
                 columns: list[int] | None = None):
        self.rows = rows
        self.ids = ids
        self.orphans = orphans  # grid columns of row 0 continuing a merge from above the table
        self.width = len(rows[0]) if rows else 0
        self.columns = columns or []  # w:tblGrid column widths (twentieths of a point)


class _AltChunk:
    """A w:altChunk: a part in another format (HTML, MHT) that Word imports where it stands —
    how web CMSs "export to Word". Its rel id, resolved against word/_rels/document.xml.rels."""

    __slots__ = ("rid",)

    def __init__(self, rid: str | None):
        self.rid = rid


def extract(data: bytes) -> Document:
    z, body, title = _open(data)
    items: list[object] = []  # str (a paragraph line) | _Table | None (a page break) | _AltChunk
    _walk(body, items)
    chunks = [_chunk_document(z, x.rid) for x in items if isinstance(x, _AltChunk)]
    items = _join_split_tables([x for x in items if not isinstance(x, _AltChunk)])
    chunks = [c for c in chunks if c is not None]
    if chunks and not any(isinstance(x, (str, _Table)) for x in items):
        doc = chunks[0]  # the whole report is the imported page (the common export)
        for more in chunks[1:]:
            _append(doc, more)
        doc.kind, doc.title = "docx", title or doc.title
        return doc
    doc = _assemble(items, title)
    for more in chunks:
        _append(doc, more)
    return doc


def _append(doc: Document, more: Document) -> None:
    doc.text = "\n".join(t for t in (doc.text, more.text) if t)
    doc.narrative = "\n".join(t for t in (doc.narrative, more.narrative) if t)
    doc.blocks.extend(more.blocks)
    doc.meta = {**more.meta, **doc.meta}
    doc.warnings.extend(more.warnings)


def _chunk_document(z: SafeZip, rid: str | None) -> Document | None:
    """The HTML or MHT part an altChunk imports, read by its own front end (None if absent)."""
    if not rid or z.find("word/_rels/document.xml.rels") is None:
        return None
    rels = z.xml("word/_rels/document.xml.rels")
    target = next((r.get("Target") for r in rels if r.get("Id") == rid), None)
    external = next((r.get("TargetMode") for r in rels if r.get("Id") == rid), None) == "External"
    if not target or external:  # never fetched: a chunk outside the package is not read
        return None
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("word", target))
    if z.find(path) is None:
        return None
    data = z.read(path)
    try:
        return mht.extract(data) if mht.is_mht(data) else H.extract(data)
    except NotAReport:
        return None


def _open(data: bytes):
    """(the checked container, the w:body element, the core-properties title or None)."""
    z = SafeZip(data, "the .docx file")
    if z.find("word/document.xml") is None and z.find("[Content_Types].xml") is None:
        raise NotAReport("the ZIP container holds no Word document (no word/document.xml)")
    for name in z.names():
        if name.endswith("/"):
            continue
        part = z.read(name)  # every member inflated once within its caps before python-docx reads it
        if name.lower().endswith((".xml", ".rels")):
            refuse_doctype(part, f"the .docx part {name!r}")
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, PackageNotFoundError …
        # python-docx refuses packages whose main part has another content type (.dotx, .docm,
        # some WPS and converter output) although the body is the same WordprocessingML:
        # read word/document.xml itself (through the same guards) before giving up.
        if z.find("word/document.xml") is not None:
            try:
                root = z.xml("word/document.xml")
            except UserError:
                root = None
            body = root.find(f"{{{W}}}body") if root is not None else None
            if body is not None:
                return z, body, None
        detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise UserError(f"the .docx file is damaged or not a Word document ({detail})") from None
    title = None
    try:
        title = (document.core_properties.title or "").strip() or None
    except Exception:  # a damaged docProps/core.xml is no reason to lose the report
        title = None
    return z, document.element.body, title


# ---- walking the body ----------------------------------------------------------------------

def _walk(parent, items: list[object]) -> None:
    """Paragraphs and tables of a body (or of a layout table's cell), in document order."""
    for el in parent:
        tag = el.tag
        if tag == _P:
            lines, page_break = _paragraph_lines(el)
            if page_break:
                items.append(None)
            items.extend(lines)
        elif tag == _TBL:
            if _has_nested_table(el):
                for cell in _table_cells(el):
                    _walk(cell, items)
            else:
                table = _expand(el)
                if table.rows:
                    items.extend(_bands(table))
        elif tag in (_SDT, _SDTC, _CUSTOM):
            _walk(el, items)
        elif tag == _ALT:
            items.append(_AltChunk(el.get(f"{{{R}}}id")))


def _paragraph_lines(p) -> tuple[list[str], bool]:
    parts: list[str] = []
    page_break = [False]
    _run_text(p, parts, page_break)
    lines = [" ".join(line.split()) for line in "".join(parts).split(_LINE)]
    return [ln for ln in lines if ln], page_break[0]


def _run_text(el, out: list[str], page_break: list[bool]) -> None:
    for child in el:
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == _T:
            out.append(child.text or "")
        elif tag == _TAB:
            out.append(" ")
        elif tag == _BR:
            if child.get(f"{{{W}}}type") == "page":
                page_break[0] = True
            else:
                out.append(_LINE)
        elif tag == _CR:
            out.append(_LINE)
        elif tag == _NBH:
            out.append("-")
        elif tag == f"{{{W}}}lastRenderedPageBreak":
            page_break[0] = True
        else:
            _run_text(child, out, page_break)


def _cell_text(tc) -> str:
    """A cell's paragraphs joined without separators (as html.expand reads <td><p>…</p></td>)."""
    parts: list[str] = []
    flag = [False]
    for el in _cell_content(tc):
        if el.tag == _P:
            _run_text(el, parts, flag)
    # a line break inside a cell is layout, as <br> in an HTML cell: nothing in the text
    text = "".join(parts).replace(_LINE, "").replace("\u200b", "").replace("\ufeff", "")
    return " ".join(text.split())


def _cell_content(tc):
    for el in tc:
        if el.tag in (_SDT, _SDTC, _CUSTOM):
            yield from _cell_content(el)
        else:
            yield el


def _children(el, tag: str):
    """Children with `tag`, looking through content controls and custom XML wrappers."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in (_SDT, _SDTC, _CUSTOM):
            yield from _children(child, tag)


def _has_nested_table(tbl) -> bool:
    return any(True for tr in _children(tbl, _TR) for tc in _children(tr, _TC)
               for el in _cell_content(tc) if el.tag == _TBL)


def _table_cells(tbl):
    for tr in _children(tbl, _TR):
        yield from _children(tr, _TC)


def _int_val(el, path: str, default: int) -> int:
    found = el.find(path, {"w": W})
    if found is None:
        return default
    v = (found.get(f"{{{W}}}val") or "").strip()
    return int(v) if v.isdigit() else default


def _expand(tbl) -> _Table:
    """A w:tbl → grid of cell texts and ids, merged cells repeated (html.expand's contract)."""
    grid: list[list[str]] = []
    ids: list[list[int]] = []
    next_id = 0
    orphans: set[int] = set()
    fillers: set[int] = set()  # ids of LibreOffice's padding cells
    for r, tr in enumerate(_children(tbl, _TR)):
        row: list[str] = []
        rid: list[int] = []
        for _ in range(min(_int_val(tr, "w:trPr/w:gridBefore", 0), _MAX_SPAN)):
            row.append("")
            rid.append(-1)
        for tc in _children(tr, _TC):
            span = max(1, min(_int_val(tc, "w:tcPr/w:gridSpan", 1), _MAX_SPAN))
            col = len(row)
            vmerge = tc.find("w:tcPr/w:vMerge", {"w": W})
            hmerge = tc.find("w:tcPr/w:hMerge", {"w": W})
            cont = vmerge is not None and (vmerge.get(f"{{{W}}}val") or "continue") == "continue"
            if hmerge is not None and (hmerge.get(f"{{{W}}}val") or "continue") == "continue" and rid:
                # legacy horizontal merge: this cell is more of the one on its left
                row.extend([row[-1]] * span)
                rid.extend([rid[-1]] * span)
                continue
            if cont and r > 0 and col < len(grid[-1]) and ids[-1][col] >= 0:
                above_text, above_id = grid[-1][col], ids[-1][col]
                for j in range(span):
                    above = col + j < len(grid[-1]) and ids[-1][col + j] == above_id
                    row.append(above_text if above else "")
                    rid.append(above_id if above else -1)
                continue
            if cont and r == 0:
                orphans.update(range(col, col + span))
            text = _cell_text(tc)
            if not text and _filler(tc):
                fillers.add(next_id)
            row.extend([text] * span)
            rid.extend([next_id] * span)
            next_id += 1
        # LibreOffice pads a short row with real empty cells set at 2 pt: no printed cell
        k = len(rid)
        while k and rid[k - 1] in fillers:
            k -= 1
        rid[k:] = [-1] * (len(rid) - k)
        grid.append(row)
        ids.append(rid)
    pad_grid(grid, ids)
    if not any(c for row in grid for c in row):
        return _Table([], [], set())
    columns = [int(w) if (w := (g.get(f"{{{W}}}w") or "").strip()).isdigit() else 0
               for g in tbl.findall("w:tblGrid/w:gridCol", {"w": W})]
    _unfold_row_beside(grid, ids)
    return _Table(grid, ids, orphans, columns)


def _filler(tc) -> bool:
    """An empty cell whose every run and paragraph mark is set at 2 pt or less (w:sz ≤ 4 half
    points): the filler LibreOffice writes to pad a short row of an imported HTML table (and keeps
    through .doc). A printed blank cell is set in the table's own type size."""
    sizes = [el.get(f"{{{W}}}val") or "" for el in tc.iter(f"{{{W}}}sz")]
    return bool(sizes) and all(v.isdigit() and int(v) <= 4 for v in sizes)


def _unfold_row_beside(grid: list[list[str]], ids: list[list[int]]) -> None:
    """A row set beside the header instead of under it (LibreOffice imports an empty <tr> under
    rowspan header cells that way: the next row's cells go to the right of the header's
    continuations) is put back under it, in place: its own cells move to a row of their own at
    the left edge, the i-th of them over the columns of the i-th header cell it stands beside
    (.doc keeps the cells but not their spans). Only when no other row reaches past the header,
    its own cells follow one another from the header's right edge, and they are exactly as many
    as the header's cells, so no cell changes its column relative to the rest of the table."""
    for r in range(1, len(grid)):
        rid = ids[r]
        k = 0
        while k < len(rid) and rid[k] >= 0 and rid[k] == ids[r - 1][k]:
            k += 1
        if not k:
            continue
        own = [(s + k, e + k) for s, e in _spans(rid[k:])]
        header = _spans(rid[:k])
        if not own or own[0][0] != k or len(own) != len(header):
            continue
        if any(e != s2 for (_, e), (s2, _) in zip(own, own[1:])):
            continue
        if any(cid >= 0 for q, row_ids in enumerate(ids) if q != r for cid in row_ids[k:]):
            continue
        width = len(rid)
        moved_text, moved_ids = [""] * width, [-1] * width
        for (s, e), (hs, he) in zip(own, header):
            moved_text[hs:he] = [grid[r][s]] * (he - hs)
            moved_ids[hs:he] = [rid[s]] * (he - hs)
        grid[r][k:] = [""] * (width - k)
        rid[k:] = [-1] * (width - k)
        grid.insert(r + 1, moved_text)
        ids.insert(r + 1, moved_ids)
        return


# ---- tables whose rows do not share their columns ------------------------------------------

def _spans(rid: list[int]) -> list[tuple[int, int]]:
    """[start, end) of every printed cell of a row (runs of one non-negative id)."""
    out: list[tuple[int, int]] = []
    j, n = 0, len(rid)
    while j < n:
        k = j + 1
        while k < n and rid[k] == rid[j]:
            k += 1
        if rid[j] >= 0:
            out.append((j, k))
        j = k
    return out


def _bands(table: _Table) -> list[_Table]:
    """The table cut where a row's cells cross the cells of the rows above (a cell starting
    inside one above and ending beyond it): Word 97 stores each row with its own cell edges, so
    tables that printed one under the other without a paragraph between — a table and its
    continuation with fewer label columns, or table 3 printed as one small table per row — come
    back from .doc as one table over the union of everyone's edges, where no column means the
    same thing in two parts. Each part becomes a table of its own, over its own columns (as the
    .docx of the same page holds them), and the mapper reads it as it reads such tables."""
    rows_of: dict[int, set[int]] = {}
    for r, rid in enumerate(table.ids):
        for cid in rid:
            rows_of.setdefault(cid, set()).add(r)
    cuts = [0]
    edges: set[tuple[int, int]] = set()
    for r, rid in enumerate(table.ids):
        # a cell merged down several rows (a group label, a vertical merge continued over a
        # page break) may change its width from row to row: only one-row cells say where a
        # row's columns stand
        spans = [(s, e) for s, e in _spans(rid) if len(rows_of[rid[s]]) == 1]
        if r > cuts[-1] and any(s < s2 < e < e2 or s2 < s < e2 < e for s, e in spans for s2, e2 in edges):
            cuts.append(r)
            edges = set()
        edges.update(spans)
    if len(cuts) == 1:
        return [table]
    out = []
    for a, b in zip(cuts, cuts[1:] + [len(table.rows)]):
        out.append(_compact(table, a, b))
    return out


def _compact(table: _Table, a: int, b: int) -> _Table:
    """Rows a..b of a table over only the columns they use: a grid column no row prints in is
    dropped, and one that no row tells apart from the column on its left is merged into it."""
    rows, ids = table.rows[a:b], table.ids[a:b]
    width = table.width
    widths = table.columns if len(table.columns) == width else [0] * width
    keep: list[int] = []
    cols: list[int] = []
    for j in range(width):
        if all(rid[j] < 0 for rid in ids):
            continue
        if keep and all(rid[j] == rid[keep[-1]] for rid in ids):
            cols[-1] += widths[j]
            continue
        keep.append(j)
        cols.append(widths[j])
    # a merge continued from above the table (row 0 only): its columns, renumbered
    orphans = {sum(1 for k in keep if k <= j) - 1 for j in table.orphans} - {-1} if a == 0 else set()
    return _Table([[row[j] for j in keep] for row in rows], [[rid[j] for j in keep] for rid in ids],
                  orphans, cols)


# ---- tables cut by a page break --------------------------------------------------------------

def _join_split_tables(items: list[object]) -> list[object]:
    out: list[object] = []
    last_table: int | None = None  # index in `out` of a table followed only by page breaks
    for item in items:
        if isinstance(item, _Table):
            if last_table is not None and _same_columns(out[last_table], item):
                out[last_table] = _join(out[last_table], item)
                del out[last_table + 1:]  # the page breaks between the halves
                continue
            out.append(item)
            last_table = len(out) - 1
        elif item is None:
            out.append(item)
        else:
            out.append(item)
            last_table = None
    return [x for x in out if x is not None]


def _same_columns(upper: _Table, lower: _Table) -> bool:
    """The second table carries on the first: the same grid columns at the same widths (as the
    PDF front end asks for the same outer edges). Two tables that merely have as many columns —
    table 3 printed as two differently built tables — stay two blocks for the mapper."""
    if upper.width != lower.width or len(upper.columns) != len(lower.columns) or not upper.columns:
        return False
    return all(abs(a - b) <= max(20, 0.02 * max(a, b)) for a, b in zip(upper.columns, lower.columns))


def _join(upper: _Table, lower: _Table) -> _Table:
    rows, ids = [list(r) for r in lower.rows], [list(r) for r in lower.ids]
    orphans = set(lower.orphans)
    # header rows repeated at the top of the second part (word for word) are dropped
    k = 0
    while (k < min(len(upper.rows), len(rows)) - 1 and any(upper.rows[k])
           and _distinct(upper.rows[k], upper.ids[k]) == _distinct(rows[k], ids[k])):
        k += 1
    if k:
        rows, ids, orphans = rows[k:], ids[k:], set()
    offset = 1 + max((i for r in upper.ids for i in r), default=-1)
    new_ids = [[i + offset if i >= 0 else i for i in r] for r in ids]
    last_text, last_ids = upper.rows[-1], upper.ids[-1]
    if orphans and rows:
        # a merged cell running over the cut: its continuation joins the half above
        first_ids = list(new_ids[0])
        for col in orphans:
            old = first_ids[col]
            for r, rid in enumerate(new_ids):
                for c, cid in enumerate(rid):
                    if cid == old and old >= 0:
                        rid[c] = last_ids[col]
                        rows[r][c] = last_text[col]
    return _Table([list(r) for r in upper.rows] + rows, [list(r) for r in upper.ids] + new_ids,
                  upper.orphans, upper.columns)


def _distinct(row: list[str], rid: list[int]) -> list[str]:
    """The texts of a row's printed cells, each once, blanks left out."""
    return [row[s] for s, _ in _spans(rid) if row[s]]


# ---- the document ------------------------------------------------------------------------------

def _assemble(items: list[object], title: str | None) -> Document:
    blocks: list[Block] = []
    text: list[str] = []
    narrative: list[str] = []
    section: str | None = None  # the last heading seen (any section key)
    n_table = 0
    for item in items:
        if isinstance(item, str):
            text.append(item)
            narrative.append(item)
            key = heading_key(item)
            if key is not None:
                section = key
            continue
        n_table += 1
        table: _Table = item
        text.extend(line for line in (H.row_line(r, i) for r, i in zip(table.rows, table.ids)) if line)
        flat = "".join("".join(_distinct(r, i)) for r, i in zip(table.rows, table.ids))
        inner = H.heading_positions(flat[:80], run_on=True)
        where = inner[0][1] if inner else section
        if where not in SECTIONS:
            by_labels = H.classify_text(templates.normalise(flat))
            if by_labels is None:
                continue  # a layout or header table (索引号 …): nothing the templates name
            where = None if by_labels == "mixed" else by_labels
        blocks.append(Block(rows=table.rows, section=where, grid=True, cell_ids=table.ids,
                            origin=f"docx table {n_table}"))
    if not text:
        raise NotAReport("the Word document has no text")
    return Document(kind="docx", text="\n".join(text), narrative="\n".join(narrative), blocks=blocks,
                    title=title, encoding=None, encoding_source=None)

