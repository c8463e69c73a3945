"""OCR'd words and ruling lines (pixels) → the shared page form (points), and the provenance of
every cell read that way.

ocr_image.read_page gives each page image's words with their boxes and the ruling lines it saw,
in pixels; here they are scaled to points and fed to the very grid builder a printed PDF page
goes through (ingest/parse/page/: `build_table`, which reads a stack of one-row tables band by
band), so an OCR'd table is cut into cells, joined across pages and mapped exactly as a printed
one. `Provenance` then marks each of its cells read "ocr", with its
page, its box in pixels of the page image and the lowest recognition score of its words.
"""

from __future__ import annotations

import re

from ingest.parse.page.assemble import Page, fill
from ingest.parse.page.grid import Seg, build_table, merge, table_regions
from ingest.parse.page.lines import cluster_lines

PT_PER_CHAR = 16.0  # a CJK OCR box is ~16 pt tall at body size (12 pt text at 150 dpi: 34 px)


def to_page(raw: dict, scale: float | None = None) -> tuple[Page, list[dict]]:
    """One OCR'd page as a Page (points): grids from the image's rules through the grid
    builder, the words outside them as running text lines; and its words in points."""
    if scale is None:  # a picture: no dpi to go by, so its character boxes set the scale
        scale = PT_PER_CHAR / max(raw["char_h"], 4.0)
    n = raw["number"]
    chars = [{"text": w["text"], "x0": w["x0"] * scale, "x1": w["x1"] * scale,
              "top": w["top"] * scale, "bottom": w["bottom"] * scale,
              "size": (w["bottom"] - w["top"]) * scale * 0.75, "upright": True, "conf": w["conf"],
              "mark_left": w.get("mark_left"), "upright_one": w.get("upright_one"), "page_number": n}
             for w in raw["words"]]
    zeros_read_as_letters(chars)
    segs = _snap_ends(merge([Seg(h, pos * scale, a * scale, b * scale) for h, pos, a, b in raw["rules"]]))
    page = Page(number=n, width=raw["width"] * scale, height=raw["height"] * scale,
                n_chars=sum(len(c["text"]) for c in chars), n_images=1)
    return fill(page, chars, [build_table(region, chars, n) for region in table_regions(segs)]), chars


_NUMBER_OR_OS = re.compile(r"\d+|[Oo]+")


def zeros_read_as_letters(words: list[dict]) -> None:
    """A row of numbers in which OCR read some zeros as the letter O ("O O O … O" under table
    4's header): on a printed line whose every word (at least three) is a run of digits or a
    run of O, the O runs are zeros. A line with any other word is left as read."""
    for line in cluster_lines(words):
        texts = [w["text"] for w in line.chars if not w["text"].isspace()]
        if len(texts) >= 3 and all(_NUMBER_OR_OS.fullmatch(t) for t in texts):
            for w in line.chars:
                if w["text"][:1] in "Oo":
                    w["text"] = "0" * len(w["text"])


END_SNAP = 4.0  # points: how far a rule seen on an image may run past the rule it ends on


def _snap_ends(segs: list) -> list:
    """Rules of an image end where the crossing rule is, not past it.

    On a scan a horizontal rule's pixels run to the far side of the vertical rule it meets
    (its thickness, plus blur), a few points beyond the vertical's centre line; the grid
    builder would make a sliver column of the difference. Each end within END_SNAP of a
    crossing rule is moved onto it (and likewise for vertical rules).
    """
    hs = [s for s in segs if s.horizontal]
    vs = [s for s in segs if not s.horizontal]
    for group, others in ((hs, vs), (vs, hs)):
        for s in group:
            near = [o.pos for o in others if o.a - END_SNAP <= s.pos <= o.b + END_SNAP]
            for attr in ("a", "b"):
                end = getattr(s, attr)
                best = min(near, key=lambda p: abs(p - end), default=None)
                if best is not None and abs(best - end) <= END_SNAP:
                    setattr(s, attr, best)
    return segs


class Provenance:
    """Block.meta for the cells of OCR'd pages: per cell read "ocr", page, bbox (pixels of the
    page image), confidence (the lowest score of the words inside the cell), mark_left
    (ink left of an unsigned number's digits that OCR did not read: ocr_image.mark_unread_signs;
    null when the cell holds no unsigned number) and upright_one (a lone "1" whose ink stands
    upright, not a slash read as 1: ocr_image.mark_upright_ones; null when it holds none).
    Grids are described cell by cell (`__call__`); the cells of tables read from text lines
    by the words they were read from (`words`)."""

    def __init__(self) -> None:
        self.chars: dict[int, list[dict]] = {}  # page → OCR'd words in points
        self.scale: dict[int, float] = {}

    def add(self, number: int, chars: list[dict], scale: float) -> None:
        self.chars[number] = chars
        self.scale[number] = scale

    def __call__(self, grid) -> list[list[dict | None]] | None:
        if not any(p in self.chars for c in grid.cells for p in c.pages):
            return None  # a table of a page with a text layer: printed
        rows, ids = grid.expand()
        meta: list[list[dict | None]] = [[None] * grid.n_cols for _ in range(grid.n_rows)]
        for i, cell in enumerate(grid.cells):
            m = self.cell(cell)
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    meta[r][c] = m
        return meta

    def cell(self, cell) -> dict | None:
        page = cell.pages[0] if cell.pages else None
        if page not in self.chars:
            return None
        inside = [ch for ch in self.chars[page]
                  if cell.x0 <= (ch["x0"] + ch["x1"]) / 2 <= cell.x1
                  and cell.top <= (ch["top"] + ch["bottom"]) / 2 <= cell.bottom]
        return self._meta(page, inside, (cell.x0, cell.top, cell.x1, cell.bottom))

    def words(self, chars: list[dict]) -> dict | None:
        """The provenance of a cell read from these words of a text line (a table printed
        without rules); None when they are not OCR'd words (a page with a text layer)."""
        pages = {ch.get("page_number") for ch in chars}
        if not chars or len(pages) != 1 or next(iter(pages)) not in self.chars:
            return None
        box = (min(ch["x0"] for ch in chars), min(ch["top"] for ch in chars),
               max(ch["x1"] for ch in chars), max(ch["bottom"] for ch in chars))
        return self._meta(next(iter(pages)), chars, box)

    def _meta(self, page: int, inside: list[dict], box: tuple) -> dict:
        s = self.scale[page]
        conf = min((ch["conf"] for ch in inside), default=None)
        marks = [ch["mark_left"] for ch in inside if ch.get("mark_left") is not None]
        upright = [ch["upright_one"] for ch in inside if ch.get("upright_one") is not None]
        return {"read": "ocr", "page": page, "confidence": conf,
                "mark_left": any(marks) if marks else None,
                "upright_one": all(upright) if upright else None,
                "bbox": [round(v / s, 1) for v in box]}
