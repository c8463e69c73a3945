"""Tables of a PDF page from its drawn rules: ruling segments → table regions → cell grids.

A PDF has no table structure, only strokes and characters at coordinates. The order of text
lines is unreliable (a two-line label's lines sit above and below its numbers; a label printed
one character per line interleaves with every row it spans), but the rules a reader sees are
not: a cell is a region bounded by visible rules, and its text is the characters inside it.

Only what is visible counts as a rule: stroked lines, thin filled rectangles (Word draws
borders that way), thin filled polygons (Chromium's borders) and stroked rectangle edges, in
any colour but white. Filled rectangles are backgrounds (WPS puts a white one behind every text
line), never borders.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ingest.parse.page.lines import cell_text, join_pieces

# Tolerances in PDF points (1/72 in). Rules drawn by office software are within a point of
# each other where they are meant to meet; text is 9–16 pt.
SNAP = 2.0  # positions closer than this are the same rule / the same boundary
JOIN = 3.0  # a rule reaching within this of another touches it
THIN = 2.5  # a filled rectangle no thicker than this is a drawn rule
COVER = 0.5  # a boundary is ruled where rules cover at least this share of it
EDGE = 1.0  # a character centred this close outside a table still belongs to its edge cell


@dataclass
class Seg:
    """An axis-parallel rule: at `pos` (y for horizontal, x for vertical) from `a` to `b`."""

    horizontal: bool
    pos: float
    a: float
    b: float


@dataclass
class Cell:
    row: int
    col: int
    rowspan: int
    colspan: int
    x0: float
    top: float
    x1: float
    bottom: float
    text: str = ""
    open_top: bool = False  # the table's outer edge is not ruled above this cell
    open_bottom: bool = False
    pages: list[int] = field(default_factory=list)
    uncertain: bool = False  # a value position `stack` could not place: no text, null


@dataclass
class Grid:
    """One ruled table on one page (or joined across pages): its cells on a row/column lattice."""

    page: int  # 1-based page the table starts on
    x0: float
    top: float
    x1: float
    bottom: float
    n_rows: int
    n_cols: int
    cells: list[Cell]
    last_page: int = 0
    notes: list[str] = field(default_factory=list)  # what the reader could not place, as sentences
    width: int = 0  # value columns (the last ones) of a grid stacked from one table per row
    parts: list["Grid"] = field(default_factory=list)  # the tables it was stacked from

    def __post_init__(self) -> None:
        if not self.last_page:
            self.last_page = self.page

    def expand(self) -> tuple[list[list[str]], list[list[int]]]:
        """Rows of cell text with every spanned position repeated, and the matching cell ids."""
        rows = [[""] * self.n_cols for _ in range(self.n_rows)]
        ids = [[-1] * self.n_cols for _ in range(self.n_rows)]
        for i, cell in enumerate(self.cells):
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    rows[r][c] = cell.text
                    ids[r][c] = i
        # A position no cell covers (a lattice gap) still needs an id of its own.
        nxt = len(self.cells)
        for r in range(self.n_rows):
            for c in range(self.n_cols):
                if ids[r][c] < 0:
                    ids[r][c] = nxt
                    nxt += 1
        return rows, ids

    def row_texts(self) -> list[str]:
        """Each lattice row as one printed line: its distinct cells' text, left to right."""
        out = []
        for r in range(self.n_rows):
            cells = sorted((c for c in self.cells if c.row == r and c.text), key=lambda c: c.col)
            line = " ".join(c.text for c in cells)
            if line:
                out.append(line)
        return out


# ---- rules -------------------------------------------------------------------------------

def _is_white(color) -> bool:
    if color is None or isinstance(color, str):
        return False
    if isinstance(color, (int, float)):
        color = (color,)
    try:
        vals = [float(v) for v in color]
    except (TypeError, ValueError):
        return False
    if len(vals) == 4:  # CMYK: white is no ink
        return all(v <= 0.02 for v in vals)
    return bool(vals) and all(v >= 0.98 for v in vals)


def rules(page, raw: bool = False) -> list[Seg]:
    """Every visible axis-parallel rule on a pdfplumber page, merged where collinear
    (`raw=True`: as drawn, unmerged — for `build_table` to merge again band by band)."""
    segs: list[Seg] = []

    def add(x0: float, top: float, x1: float, bottom: float) -> None:
        w, h = x1 - x0, bottom - top
        if w < 0.5 and h < 0.5:
            return
        if h <= THIN and w > h:
            segs.append(Seg(True, (top + bottom) / 2, x0, x1))
        elif w <= THIN and h > w:
            segs.append(Seg(False, (x0 + x1) / 2, top, bottom))

    for ln in page.lines:
        if ln.get("stroke", True) is False or _is_white(ln.get("stroking_color")):
            continue
        add(ln["x0"], ln["top"], ln["x1"], ln["bottom"])
    for r in page.rects:
        w, h = r["x1"] - r["x0"], r["bottom"] - r["top"]
        if min(w, h) <= THIN:
            visible = (r.get("fill") and not _is_white(r.get("non_stroking_color"))) or (
                r.get("stroke") and not _is_white(r.get("stroking_color")))
            if visible:
                add(r["x0"], r["top"], r["x1"], r["bottom"])
        elif r.get("stroke") and not _is_white(r.get("stroking_color")):
            add(r["x0"], r["top"], r["x1"], r["top"])
            add(r["x0"], r["bottom"], r["x1"], r["bottom"])
            add(r["x0"], r["top"], r["x0"], r["bottom"])
            add(r["x1"], r["top"], r["x1"], r["bottom"])
    for cv in page.curves:
        if (cv.get("fill") and not _is_white(cv.get("non_stroking_color"))
                and min(cv["x1"] - cv["x0"], cv["bottom"] - cv["top"]) <= THIN):
            # A thin filled polygon is a drawn rule: Chromium (Skia) paints every table border
            # as a filled quadrilateral, bevelled where two borders meet.
            add(cv["x0"], cv["top"], cv["x1"], cv["bottom"])
            continue
        if not cv.get("stroke") or _is_white(cv.get("stroking_color")):
            continue
        pts = cv.get("pts") or []  # (x, top) pairs: a polyline's straight pieces are rules
        for (xa, ta), (xb, tb) in zip(pts, pts[1:]):
            if abs(ta - tb) < 0.5 or abs(xa - xb) < 0.5:
                add(min(xa, xb), min(ta, tb), max(xa, xb), max(ta, tb))
    return segs if raw else merge(segs)


def merge(segs: list[Seg]) -> list[Seg]:
    """Collinear rules within SNAP of each other that touch or overlap become one."""
    out: list[Seg] = []
    for horizontal in (True, False):
        group = sorted((s for s in segs if s.horizontal == horizontal), key=lambda s: s.pos)
        lanes: list[list[Seg]] = []
        for s in group:
            if lanes and s.pos - lanes[-1][-1].pos <= SNAP:
                lanes[-1].append(s)
            else:
                lanes.append([s])
        for lane in lanes:
            pos = sum(s.pos for s in lane) / len(lane)
            spans = sorted((s.a, s.b) for s in lane)
            a, b = spans[0]
            for sa, sb in spans[1:]:
                if sa <= b + JOIN:
                    b = max(b, sb)
                else:
                    out.append(Seg(horizontal, pos, a, b))
                    a, b = sa, sb
            out.append(Seg(horizontal, pos, a, b))
    return out


def _touch(h: Seg, v: Seg) -> bool:
    return h.a - JOIN <= v.pos <= h.b + JOIN and v.a - JOIN <= h.pos <= v.b + JOIN


def table_regions(segs: list[Seg]) -> list[list[Seg]]:
    """Rules grouped into tables: connected sets of crossing rules, top to bottom."""
    parent = list(range(len(segs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hs = [i for i, s in enumerate(segs) if s.horizontal]
    vs = [i for i, s in enumerate(segs) if not s.horizontal]
    for i in hs:
        for j in vs:
            if _touch(segs[i], segs[j]):
                parent[find(i)] = find(j)
    groups: dict[int, list[Seg]] = {}
    for i, s in enumerate(segs):
        groups.setdefault(find(i), []).append(s)
    regions = []
    for g in groups.values():
        n_v = sum(1 for s in g if not s.horizontal)
        n_h = len(g) - n_v
        if n_v >= 2 and n_h >= 1:
            regions.append(g)
    regions.sort(key=lambda g: min(s.pos if s.horizontal else s.a for s in g))
    return regions


# ---- lattice -----------------------------------------------------------------------------

def _snap(values: list[float]) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= SNAP:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def _coverage(segs: list[Seg], pos: float, a: float, b: float) -> float:
    """Share of [a, b] at `pos` covered by the given (same-orientation) rules."""
    if b - a <= 0:
        return 1.0
    spans = sorted((max(s.a, a), min(s.b, b)) for s in segs if abs(s.pos - pos) <= SNAP and s.b > a and s.a < b)
    covered, end = 0.0, a
    for sa, sb in spans:
        sa = max(sa, end)
        if sb > sa:
            covered += sb - sa
            end = sb
    return covered / (b - a)


def build_grid(region: list[Seg], chars: list[dict], page_no: int) -> Grid:
    """Cells of one table region and the text of each (from `chars` inside the region)."""
    hs = [s for s in region if s.horizontal]
    vs = [s for s in region if not s.horizontal]
    x0 = min(min(s.pos for s in vs), min(s.a for s in hs))
    x1 = max(max(s.pos for s in vs), max(s.b for s in hs))
    top = min(min(s.pos for s in hs), min(s.a for s in vs))
    bottom = max(max(s.pos for s in hs), max(s.b for s in vs))
    # The outer edges are boundaries even where unruled: a table cut by a page break has
    # no rule along the cut, but its cells still end there.
    xs = _snap([s.pos for s in vs] + [x0, x1])
    ys = _snap([s.pos for s in hs] + [top, bottom])
    n_rows, n_cols = len(ys) - 1, len(xs) - 1

    parent = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and _coverage(vs, xs[c + 1], ys[r], ys[r + 1]) < COVER:
                parent[find(r * n_cols + c)] = find(r * n_cols + c + 1)
            if r + 1 < n_rows and _coverage(hs, ys[r + 1], xs[c], xs[c + 1]) < COVER:
                parent[find(r * n_cols + c)] = find((r + 1) * n_cols + c)

    spans: dict[int, list[int]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            root = find(r * n_cols + c)
            s = spans.setdefault(root, [r, r, c, c])
            s[0], s[1] = min(s[0], r), max(s[1], r)
            s[2], s[3] = min(s[2], c), max(s[3], c)
    cells: list[Cell] = []
    owner: dict[int, int] = {}
    for root, (r0, r1, c0, c1) in sorted(spans.items(), key=lambda kv: (kv[1][0], kv[1][2])):
        owner[root] = len(cells)
        cells.append(Cell(
            row=r0, col=c0, rowspan=r1 - r0 + 1, colspan=c1 - c0 + 1,
            x0=xs[c0], top=ys[r0], x1=xs[c1 + 1], bottom=ys[r1 + 1],
            open_top=r0 == 0 and _coverage(hs, ys[0], xs[c0], xs[c1 + 1]) < COVER,
            open_bottom=r1 == n_rows - 1 and _coverage(hs, ys[-1], xs[c0], xs[c1 + 1]) < COVER,
            pages=[page_no],
        ))

    per_cell: list[list[dict]] = [[] for _ in cells]
    for ch in chars:
        cx = (ch["x0"] + ch["x1"]) / 2
        cy = (ch["top"] + ch["bottom"]) / 2
        if not (x0 - EDGE <= cx <= x1 + EDGE and top - EDGE <= cy <= bottom + EDGE):
            continue
        c = min(max(bisect.bisect_right(xs, cx) - 1, 0), n_cols - 1)
        r = min(max(bisect.bisect_right(ys, cy) - 1, 0), n_rows - 1)
        per_cell[owner[find(r * n_cols + c)]].append(ch)
    for cell, cs in zip(cells, per_cell):
        cell.text = cell_text(cs, cell.x1 - cell.x0)
    return Grid(page=page_no, x0=x0, top=top, x1=x1, bottom=bottom, n_rows=n_rows, n_cols=n_cols,
                cells=cells)


def contains(grid: Grid, ch: dict, margin: float = EDGE) -> bool:
    cx = (ch["x0"] + ch["x1"]) / 2
    cy = (ch["top"] + ch["bottom"]) / 2
    return grid.x0 - margin <= cx <= grid.x1 + margin and grid.top - margin <= cy <= grid.bottom + margin


# ---- tables across pages -----------------------------------------------------------------

def continues(upper: Grid, lower: Grid) -> bool:
    """Whether `lower` (first on its page) carries on `upper` (last on the page before).

    The caller checks that no text stands between them; here only the shape must agree: the
    same outer right edge, and the same left edge — or one of upper's column rules, when the
    label column at the left spanned the rest of the page and the browser drew no empty cell
    for it on the next (Chromium does that for a rowspan cut by the page break).
    """
    if lower.page != upper.last_page + 1 or abs(upper.x1 - lower.x1) > 3 * SNAP:
        return False
    if abs(upper.x0 - lower.x0) <= 3 * SNAP:
        return True
    rules_x = {c.x0 for c in upper.cells} | {c.x1 for c in upper.cells}
    return lower.x0 > upper.x0 and any(abs(x - lower.x0) <= SNAP for x in rules_x)


def join(upper: Grid, lower: Grid) -> Grid:
    """One grid from a table split by a page break.

    Columns are unified by position. A label cell that spans the break — 三、本年度办理结果
    or （四）无法提供 running on over the next page — is printed as two cells, and its halves
    become one again when either
    - the cut is unruled on both sides (no rule under it on the first page, none over it on
      the next), or
    - the half on the next page is blank and spans several rows on one side of the cut (the
      typesetter closed the cell with rules at the cut; a blank value cell never spans rows).
    Header rows repeated at the top of the next page are dropped.
    """
    lower = _without_repeated_header(upper, lower)
    xs = _snap([c.x0 for g in (upper, lower) for c in g.cells] + [c.x1 for g in (upper, lower) for c in g.cells])

    def col_span(cell: Cell) -> tuple[int, int]:
        c0 = min(range(len(xs)), key=lambda i: abs(xs[i] - cell.x0))
        c1 = min(range(len(xs)), key=lambda i: abs(xs[i] - cell.x1))
        return c0, max(c1 - c0, 1)

    cells: list[Cell] = []
    for cell in upper.cells:
        c0, span = col_span(cell)
        cells.append(Cell(cell.row, c0, cell.rowspan, span, cell.x0, cell.top, cell.x1, cell.bottom,
                          cell.text, cell.open_top, False, list(cell.pages)))
    bottoms = {id(c): orig for c, orig in zip(cells, upper.cells)}
    for cell in lower.cells:
        c0, span = col_span(cell)
        merged = False
        if cell.row == 0:
            for u in cells:
                orig = bottoms.get(id(u))
                if orig is None or u.col != c0 or u.colspan != span or u.row + u.rowspan != upper.n_rows:
                    continue
                if ((orig.open_bottom and cell.open_top)
                        or (not cell.text and (cell.rowspan > 1 or orig.rowspan > 1))):
                    u.rowspan += cell.rowspan
                    u.text = join_pieces(u.text, cell.text)
                    u.pages = sorted(set(u.pages) | set(cell.pages))
                    merged = True
                    break
        if not merged:
            cells.append(Cell(cell.row + upper.n_rows, c0, cell.rowspan, span, cell.x0, cell.top,
                              cell.x1, cell.bottom, cell.text, False, cell.open_bottom,
                              list(cell.pages)))
    grid = Grid(page=upper.page, x0=min(upper.x0, lower.x0), top=upper.top, x1=max(upper.x1, lower.x1),
                bottom=lower.bottom, n_rows=upper.n_rows + lower.n_rows, n_cols=len(xs) - 1,
                cells=cells, last_page=lower.last_page)
    return compact(grid)


def header_over_break(frag: Grid, lines: list, lower: Grid) -> Grid | None:
    """The header a page break cut before its rules closed, joined with the table under it.

    A browser prints the first header row(s) at the foot of a page and the table on the next;
    header cells spanning rows down past the break (申请人情况, 自然人, 总计) get no borders on
    the first page — their words stand there as loose text (`lines`) beside the small ruled
    part (`frag`: 法人或其他组织 over its five kinds) — and the next page's part of the table
    (`lower`) opens with those cells' empty or wrapped ends (组织, 机构). The header is rebuilt
    on the columns of `lower`'s first row: `frag` must stand exactly on some of them, and every
    loose character inside one of the others, which then holds the characters standing over it
    (its text, spanning `frag`'s rows). `join` then closes each cut cell with its end below.
    None when anything does not fit (a loose character over no column or over `frag`, a number
    among the loose text, `frag`'s rules off `lower`'s)."""
    first = [c for c in lower.cells if c.row == 0]
    if not first or not all(c.open_top for c in first):
        return None
    bounds = _snap([c.x0 for c in first] + [c.x1 for c in first])
    if any(min(abs(b - x) for b in bounds) > SNAP for c in frag.cells for x in (c.x0, c.x1)):
        return None
    free = [c for c in first if c.x1 <= frag.x0 + SNAP or c.x0 >= frag.x1 - SNAP]
    held: list[list[dict]] = [[] for _ in free]
    for ln in lines:
        for ch in ln.chars:
            if ch["text"].isspace():
                continue
            if ch["text"].isdigit():
                return None
            cx = (ch["x0"] + ch["x1"]) / 2
            hit = [i for i, c in enumerate(free) if c.x0 < cx < c.x1]
            if len(hit) != 1:
                return None
            held[hit[0]].append(ch)
    cells = [Cell(c.row, c.col, c.rowspan, c.colspan, c.x0, c.top, c.x1, c.bottom, c.text,
                  c.open_top, c.open_bottom, list(c.pages)) for c in frag.cells]
    for c, chars in zip(free, held):
        cells.append(Cell(0, 0, frag.n_rows, 1, c.x0, frag.top, c.x1, frag.bottom,
                          cell_text(chars, c.x1 - c.x0), True, True, [frag.page]))
    xs = _snap([c.x0 for c in cells] + [c.x1 for c in cells])
    for c in cells:
        c.col = min(range(len(xs)), key=lambda i: abs(xs[i] - c.x0))
        c.colspan = max(min(range(len(xs)), key=lambda i: abs(xs[i] - c.x1)) - c.col, 1)
    cells.sort(key=lambda c: (c.row, c.col))
    head = Grid(page=frag.page, x0=min(c.x0 for c in cells), top=frag.top, x1=max(c.x1 for c in cells),
                bottom=frag.bottom, n_rows=frag.n_rows, n_cols=len(xs) - 1, cells=cells)
    return join(head, lower)


def _without_repeated_header(upper: Grid, lower: Grid) -> Grid:
    """`lower` without its first rows when they repeat the first rows of `upper` word for word."""
    up_rows, _ = upper.expand()
    low_rows, _ = lower.expand()
    k = 0
    while (k < min(len(up_rows), len(low_rows)) - 1 and any(up_rows[k])
           and [t for t in dict.fromkeys(up_rows[k]) if t] == [t for t in dict.fromkeys(low_rows[k]) if t]):
        k += 1
    if k == 0:
        return lower
    # Only whole header rows go: no cell may straddle the cut.
    if any(c.row < k < c.row + c.rowspan for c in lower.cells):
        return lower
    kept = [Cell(c.row - k, c.col, c.rowspan, c.colspan, c.x0, c.top, c.x1, c.bottom, c.text,
                 False, c.open_bottom, list(c.pages)) for c in lower.cells if c.row >= k]
    return Grid(page=lower.page, x0=lower.x0, top=lower.top, x1=lower.x1, bottom=lower.bottom,
                n_rows=lower.n_rows - k, n_cols=lower.n_cols, cells=kept, last_page=lower.last_page)


def compact(grid: Grid) -> Grid:
    """Drop lattice rows and columns in which no cell starts (covered only by spans)."""
    starts_r = sorted({c.row for c in grid.cells})
    starts_c = sorted({c.col for c in grid.cells})
    rmap = {r: i for i, r in enumerate(starts_r)}
    cmap = {c: i for i, c in enumerate(starts_c)}

    def remap(start: int, span: int, starts: list[int], mapping: dict[int, int]) -> tuple[int, int]:
        end = start + span  # exclusive, in old lattice units
        new_start = mapping[start]
        new_end = bisect.bisect_left(starts, end)
        return new_start, max(new_end - new_start, 1)

    for c in grid.cells:
        c.row, c.rowspan = remap(c.row, c.rowspan, starts_r, rmap)
        c.col, c.colspan = remap(c.col, c.colspan, starts_c, cmap)
    grid.n_rows, grid.n_cols = len(starts_r), len(starts_c)
    grid.cells.sort(key=lambda c: (c.row, c.col))
    return grid


# ---- tables printed as one small table per row --------------------------------------------------

# A value cell: a number, a null mark, or blank (a blank cell in a row of values is a value).
_VALUE = re.compile(r"[+\-−－]?\d+(?:\.\d+)?%?|[-—–－/／无]")


def _is_value(text: str) -> bool:
    t = text.replace(",", "").replace("，", "").strip()
    return t == "" or bool(_VALUE.fullmatch(t))


def bands(region: list[Seg]) -> list[list[Seg]]:
    """A ruled region cut where it is really several tables stacked without a gap.

    A browser or an office suite prints a table split into one small table per row with each
    table sizing its own columns: the column rules of one end on a rule where the next one's
    start at other places, and no column rule crosses it. A uniform lattice over all of them
    would cut cells apart; each band is read as a table of its own instead (see `stack`).
    """
    hs = [s for s in region if s.horizontal]
    vs = [s for s in region if not s.horizontal]
    if not hs or not vs:
        return [region]
    x0 = min(min(s.pos for s in vs), min(s.a for s in hs))
    x1 = max(max(s.pos for s in vs), max(s.b for s in hs))
    inner = [s for s in vs if s.pos - x0 > SNAP and x1 - s.pos > SNAP]
    cuts = []
    for y in _snap([s.pos for s in hs]):
        if _coverage(hs, y, x0, x1) < 0.9:
            continue
        above = _snap([s.pos for s in inner if abs(s.b - y) <= JOIN])
        below = _snap([s.pos for s in inner if abs(s.a - y) <= JOIN])
        if above and below and (len(above) != len(below)
                                or any(abs(a - b) > SNAP for a, b in zip(above, below))):
            cuts.append(y)
    if not cuts:
        return [region]
    # outer edges from the column rules too: a table cut by a page break has no rule along the cut
    edges = ([min(min(s.pos for s in hs), min(s.a for s in vs))] + cuts
             + [max(max(s.pos for s in hs), max(s.b for s in vs))])
    out = []
    for top, bottom in zip(edges, edges[1:]):
        part = [s for s in hs if top - SNAP <= s.pos <= bottom + SNAP]
        part += [Seg(False, s.pos, max(s.a, top), min(s.b, bottom)) for s in vs
                 if min(s.b, bottom) - max(s.a, top) > SNAP]
        if sum(1 for s in part if not s.horizontal) < 2 or not any(s.horizontal for s in part):
            return [region]  # not a stack of tables after all
        out.append(part)
    return out


def build_table(region: list[Seg], chars: list[dict], page_no: int,
                raw: list[Seg] | None = None) -> Grid:
    """`build_grid`, except that a region of stacked tables with their own columns (`bands`)
    is read band by band and stacked under the first band's header (`stack`).

    `raw`: the page's rules unmerged (`rules(page, raw=True)`). Merging snaps collinear rules
    of the whole page onto one position, which can move a column rule of one small table by a
    point or two towards a neighbour table's; each band's rules are merged again from these.
    """
    parts = bands(region)
    if len(parts) < 2:
        return build_grid(region, chars, page_no)
    if raw is not None:
        parts = [_band_rules(part, raw) or part for part in parts]
    grids = [build_grid(p, chars, page_no) for p in parts]
    # Only a run of one-row tables is read this way; anything else as one lattice, as before.
    if sum(1 for g in grids[1:] if g.n_rows == 1) * 2 < len(grids) - 1:
        return build_grid(region, chars, page_no)
    out = stack(grids)
    if out is None:
        return build_grid(region, chars, page_no)
    out.parts = grids
    return out


def _band_rules(part: list[Seg], raw: list[Seg]) -> list[Seg]:
    """The raw rules inside one band's box, merged on their own."""
    hs = [s for s in part if s.horizontal]
    vs = [s for s in part if not s.horizontal]
    top = min([s.pos for s in hs] + [s.a for s in vs])
    bottom = max([s.pos for s in hs] + [s.b for s in vs])
    x0 = min([s.a for s in hs] + [s.pos for s in vs]) - JOIN
    x1 = max([s.b for s in hs] + [s.pos for s in vs]) + JOIN
    out = [s for s in raw if s.horizontal and top - SNAP <= s.pos <= bottom + SNAP
           and s.b >= x0 and s.a <= x1]
    out += [Seg(False, s.pos, max(s.a, top), min(s.b, bottom)) for s in raw
            if not s.horizontal and x0 <= s.pos <= x1 and min(s.b, bottom) - max(s.a, top) > SNAP]
    merged = merge(out)
    ok = sum(1 for s in merged if not s.horizontal) >= 2 and any(s.horizontal for s in merged)
    return merged if ok else []


def restack(upper: Grid, lower: Grid) -> Grid:
    """`lower` (the next page) carrying on `upper`, where either part is stacked from one
    table per row: lower's rows are placed under upper's columns the same way (see `stack`)."""
    out = stack([upper] + (lower.parts or [lower]), width=upper.width or lower.width)
    return out if out is not None else join(upper, lower)


def stack(grids: list[Grid], width: int = 0) -> Grid | None:
    """One grid from a header table and the one-row tables under it, columns placed with
    certainty: every row's value cells (numbers or blanks, the trailing run of its cells) are
    right-aligned with the header's last columns only when the row prints exactly as many as
    most rows do; otherwise its values are left blank and `Grid.notes` says so. Label cells
    stay left, in order. Never a value moved into a neighbouring column.

    `width`: the value columns of a head that is itself a stacked grid (the part of the table
    on the page before); rows repeating one of the head's header rows are dropped.
    None when there is nothing to align on (no row prints value cells, or the head has no
    column left for labels)."""
    head = grids[0]
    head_rows = [[c.text for c in sorted((c for c in head.cells if c.row == r), key=lambda c: c.col) if c.text]
                 for r in range(min(head.n_rows, 4))]
    rows: list[list[Cell]] = []
    for g in grids[1:]:
        for r in range(g.n_rows):
            cs = sorted((c for c in g.cells if c.row == r), key=lambda c: c.col)
            texts = [c.text for c in cs if c.text]
            if width and texts and texts in head_rows and not any(_is_value(t) for t in texts):
                continue  # a header row repeated at the top of the next page
            rows.append(cs)

    def trailing(cells: list[Cell]) -> int:
        k = len(cells)
        while k > 0 and _is_value(cells[k - 1].text) and cells[k - 1].rowspan == 1:
            k -= 1
        return len(cells) - k

    if not width:
        runs = [trailing(cs) for cs in rows if cs]
        counts = {n: runs.count(n) for n in set(runs) if n}
        width = max(counts, key=lambda n: (counts[n], n)) if counts else 0
    n_label_head = head.n_cols - width
    if width == 0 or n_label_head < 1:
        # nothing to align on: each table as printed, one under the other
        return None
    n_label = max([n_label_head] + [len(cs) - width for cs in rows if len(cs) > width])
    n_cols = n_label + width
    cells: list[Cell] = []
    notes: list[str] = []
    for c in head.cells:
        c0, c1 = c.col, c.col + c.colspan  # header lattice → combined: label part widened
        n0 = c0 if c0 < n_label_head else c0 + (n_label - n_label_head)
        n1 = c1 if c1 <= n_label_head - 1 else c1 + (n_label - n_label_head)
        if c0 < n_label_head <= c1 - 1 or (c1 == n_label_head):
            n1 = c1 + (n_label - n_label_head)
        cells.append(Cell(c.row, n0, c.rowspan, max(n1 - n0, 1), c.x0, c.top, c.x1, c.bottom,
                          c.text, c.open_top, False, list(c.pages)))
    row = head.n_rows
    for cs in rows:
        if not cs:
            continue
        t = trailing(cs)
        labels, values = (cs[: len(cs) - width], cs[len(cs) - width:]) if t >= width else (cs[: len(cs) - t], [])
        for i, c in enumerate(labels):
            span = n_label - i if i == len(labels) - 1 else 1
            cells.append(Cell(row, min(i, n_label - 1), 1, max(span, 1), c.x0, c.top, c.x1, c.bottom,
                              c.text, False, False, list(c.pages)))
        if values:
            for j, c in enumerate(values):
                cells.append(Cell(row, n_label + j, 1, 1, c.x0, c.top, c.x1, c.bottom, c.text,
                                  False, False, list(c.pages)))
        else:
            what = " ".join(c.text for c in labels if c.text) or "(no label)"
            notes.append(f"pdf page {cs[0].pages[0]}: the row {what!r} prints {t} value cells where "
                         f"the table has {width} columns; their columns cannot be placed with "
                         "certainty, so its values are left null")
            x = labels[-1].x1 if labels else head.x0
            for j in range(width):
                cells.append(Cell(row, n_label + j, 1, 1, x, cs[0].top, x, cs[0].bottom, "",
                                  False, False, list(cs[0].pages), uncertain=True))
        row += 1
    last = grids[-1]
    out = Grid(page=head.page, x0=min(g.x0 for g in grids), top=head.top, x1=max(g.x1 for g in grids),
               bottom=last.bottom, n_rows=row, n_cols=n_cols, cells=cells, last_page=last.last_page)
    out.notes = list(head.notes) + notes
    out.width = width
    return out


