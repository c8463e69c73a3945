"""OFD front end (GB/T 33190, the Chinese fixed-layout format): a ZIP of XML read with our own
reader, its pages fed to the shared page assembly (ingest/parse/page/).

An OFD page is, like a PDF page, characters at coordinates and stroked paths — no table
structure. So the reading is the PDF front end's: text objects become positioned characters,
path objects become ruling segments, and ingest/parse/page/grid.py cuts the rules into cell
grids (tables cut by a page break joined, running text regrouped into paragraphs) through
page.assemble. This module only translates OFD into that page form:

    OFD.xml ─DocBody/DocRoot→ Document.xml ─Pages/Page@BaseLoc→ Content.xml
    TextObject  Boundary "x y w h" (mm, origin top left), optional CTM "a b c d e f" and Size;
                TextCode X/Y = baseline start of its text inside the Boundary, DeltaX/DeltaY the
                advances between characters ("g N v" repeats v N times); a TextCode without
                X/Y carries on from the previous one.
    PathObject  AbbreviatedData (M/L/C/B/Q/A/S commands) → its straight axis-parallel pieces
                become rules, as pdf_grid.rules() takes them from a PDF (white strokes and
                filled backgrounds left out, thin filled bars kept).
Millimetres become PDF points so pdf_grid's tolerances mean the same on both.

Hostile-input guards: the container through containers.SafeZip (member count, inflated sizes,
ratios; nothing written to disk, so member paths cannot traverse), every XML part through
containers.parse_xml (no DTD, no entities, no network, no huge trees), and caps on pages,
characters and DeltaX repeats. Image-only pages (scans) carry no text: such an OFD is refused
with one line; OCR of images is the scanned-PDF front end's business (ingest/parse/readers/ocr.py).
"""

from __future__ import annotations

import math
import posixpath
import re

from ingest.errors import NotAReport, UserError
from ingest.parse.readers.containers import SafeZip
from ingest.parse.layout import Document
from ingest.parse.page.assemble import Page, assemble, drop_furniture, fill, rotated_notes
from ingest.parse.page.grid import THIN, Seg, build_table, merge, table_regions
from ingest.parse.page.lines import is_wide, unradical

MM = 72 / 25.4  # points per millimetre
MAX_PAGES = 1_000
MAX_CHARS = 2_000_000  # per document; a 30-page report has ~30 000
MAX_OBJECTS = 200_000  # per page
_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ASCENT, _DESCENT = 0.86, 0.14  # share of the font size above / below the baseline


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el, name: str):
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _floats(text: str | None, n: int | None = None) -> list[float]:
    vals = [float(v) for v in _NUM.findall(text or "")]
    if n is not None and len(vals) < n:
        return []
    return vals if n is None else vals[:n]


def _resolve(base_dir: str, loc: str) -> str:
    loc = (loc or "").strip().replace("\\", "/")
    path = loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc)
    return posixpath.normpath(path).lstrip("/")


def deltas(spec: str | None, n: int, cap: int) -> list[float | None]:
    """DeltaX / DeltaY → `n` advances (None where the file gives none); "g N v" repeats v N
    times, N capped at the characters there are (a crafted "g 999999999 1" allocates nothing)."""
    out: list[float | None] = []
    toks = (spec or "").split()
    i = 0
    while i < len(toks) and len(out) < n:
        t = toks[i]
        if t == "g" and i + 2 < len(toks):
            try:
                count, value = int(float(toks[i + 1])), float(toks[i + 2])
            except ValueError:
                break
            out.extend([value] * max(0, min(count, cap, n - len(out))))
            i += 3
            continue
        try:
            out.append(float(t))
        except ValueError:
            break
        i += 1
    return out + [None] * (n - len(out))


class _Reader:
    def __init__(self, data: bytes):
        self.z = SafeZip(data, "the OFD file")
        self.n_chars = 0

    def document(self):
        if self.z.find("OFD.xml") is None:
            raise NotAReport("the ZIP container holds no OFD.xml: not an OFD document")
        root = self.z.xml("OFD.xml")
        body = _child(root, "DocBody")
        docroot = _child(body, "DocRoot") if body is not None else None
        if docroot is None or not (docroot.text or "").strip():
            raise UserError("the OFD file names no document (OFD.xml has no DocBody/DocRoot)")
        path = _resolve("", docroot.text)
        return path, self.z.xml(path)

    def pages(self):
        doc_path, doc = self.document()
        base = posixpath.dirname(doc_path)
        common = _child(doc, "CommonData")
        default_box = _box(common) if common is not None else None
        pages_el = _child(doc, "Pages")
        refs = [p for p in (pages_el if pages_el is not None else []) if _local(p.tag) == "Page"]
        if not refs:
            raise NotAReport("the OFD document has no pages")
        if len(refs) > MAX_PAGES:
            raise UserError(f"the OFD document has {len(refs)} pages (at most {MAX_PAGES} are read)")
        out = []
        for number, ref in enumerate(refs, 1):
            path = _resolve(base, ref.get("BaseLoc") or "")
            content = self.z.xml(path)
            box = _box(content) or default_box or (0.0, 0.0, 210.0, 297.0)
            chars: list[dict] = []
            segs: list = []
            counts = {"images": 0, "objects": 0}
            body = _child(content, "Content")
            if body is not None:
                for layer in body:
                    self._walk(layer, chars, segs, counts)
            page = Page(number=number, width=box[2] * MM, height=box[3] * MM,
                         n_chars=sum(1 for c in chars if not c["text"].isspace()),
                         n_images=counts["images"])
            out.append((page, chars, segs))
        return out

    def _walk(self, el, chars, segs, counts) -> None:
        for obj in el:
            name = _local(obj.tag)
            counts["objects"] += 1
            if counts["objects"] > MAX_OBJECTS:
                raise UserError(f"an OFD page holds more than {MAX_OBJECTS} objects: refused")
            if name == "TextObject":
                self._text(obj, chars)
            elif name == "PathObject":
                _path(obj, segs)
            elif name == "ImageObject":
                counts["images"] += 1
            elif name in ("PageBlock", "Layer"):
                self._walk(obj, chars, segs, counts)
            # CompositeObject (reused vector graphics) holds no report text

    def _text(self, obj, chars: list[dict]) -> None:
        bx = _floats(obj.get("Boundary"), 4)
        if not bx:
            return
        ctm = _floats(obj.get("CTM"), 6) or [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        a, b, c, d, e, f = ctm
        scale = math.sqrt(abs(a * d - b * c)) or 1.0
        size = float((_floats(obj.get("Size"), 1) or [3.5])[0]) * scale  # mm, as printed
        x = y = 0.0
        for code in obj:
            if _local(code.tag) != "TextCode":
                continue
            text = code.text or ""
            if not text:
                continue
            if code.get("X") is not None:
                x = float((_floats(code.get("X"), 1) or [0.0])[0])
            if code.get("Y") is not None:
                y = float((_floats(code.get("Y"), 1) or [0.0])[0])
            n = len(text)
            self.n_chars += n
            if self.n_chars > MAX_CHARS:
                raise UserError(f"the OFD document holds more than {MAX_CHARS} characters: refused")
            dx = deltas(code.get("DeltaX"), max(n - 1, 0), n)
            dy = deltas(code.get("DeltaY"), max(n - 1, 0), n)
            for i, ch in enumerate(text):
                # object space → page space (mm): CTM, then the Boundary's origin
                px = bx[0] + a * x + c * y + e
                py = bx[1] + b * x + d * y + f
                wide = is_wide(ch)
                w = size if wide else size * 0.5
                chars.append({
                    "text": unradical(ch), "x0": px * MM, "x1": (px + w) * MM,
                    "top": (py - _ASCENT * size) * MM, "bottom": (py + _DESCENT * size) * MM,
                    "size": size * MM, "upright": abs(b) <= 0.05 * abs(a) if a or b else True,
                    "matrix": (a, b, c, d, e, f),
                })
                if i < n - 1:
                    adv_x, adv_y = dx[i], dy[i]
                    if adv_x is None and adv_y is None:
                        adv_x = w / scale  # no advance given: the glyph's own width
                    x += adv_x or 0.0
                    y += adv_y or 0.0
            # the next TextCode without X carries on after this one's last character
            last = text[-1]
            x += (size if is_wide(last) else size * 0.5) / scale


def _box(el) -> tuple[float, float, float, float] | None:
    for area_name in ("PageArea", "Area"):
        area = _child(el, area_name)
        if area is not None:
            phys = _child(area, "PhysicalBox")
            vals = _floats(phys.text if phys is not None else None, 4)
            if vals and vals[2] > 0 and vals[3] > 0:
                return vals[0], vals[1], vals[2], vals[3]
    return None


def _white(color) -> bool:
    if color is None:
        return False
    vals = _floats(color.get("Value"))
    return bool(vals) and len(vals) in (1, 3) and all(v >= 250 for v in vals)


def _path(obj, segs: list) -> None:
    """Straight axis-parallel pieces of a visible path → pdf_grid.Seg (points)."""
    bx = _floats(obj.get("Boundary"), 4)
    data = _child(obj, "AbbreviatedData")
    if not bx or data is None or not (data.text or "").strip():
        return
    stroke = (obj.get("Stroke") or "true").strip().lower() != "false"
    fill = (obj.get("Fill") or "false").strip().lower() == "true"
    if stroke and _white(_child(obj, "StrokeColor")):
        stroke = False
    if fill and _white(_child(obj, "FillColor")):
        fill = False
    if not stroke and not fill:
        return
    a, b, c, d, e, f = _floats(obj.get("CTM"), 6) or [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]

    def page(px: float, py: float) -> tuple[float, float]:
        return (bx[0] + a * px + c * py + e) * MM, (bx[1] + b * px + d * py + f) * MM

    pieces: list[tuple[tuple[float, float], tuple[float, float]]] = []
    pts: list[tuple[float, float]] = []
    toks = data.text.split()
    i, cur, start = 0, None, None
    need = {"M": 2, "S": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}
    while i < len(toks):
        cmd = toks[i]
        if cmd not in need:
            i += 1
            continue
        args = toks[i + 1:i + 1 + need[cmd]]
        i += 1 + need[cmd]
        try:
            nums = [float(v) for v in args]
        except ValueError:
            return
        if len(nums) < need[cmd]:
            return
        if cmd in ("M", "S"):
            cur = start = page(nums[0], nums[1])
        elif cmd == "C":
            if cur is not None and start is not None:
                pieces.append((cur, start))
            cur = start
        elif cur is not None:
            end = page(nums[-2], nums[-1])
            if cmd == "L":
                pieces.append((cur, end))
            cur = end
        if cur is not None:
            pts.append(cur)
    if fill and pts:
        # a filled thin bar is a drawn rule (as pdf_grid reads Word's borders); a wider
        # filled area is a background, never a border
        x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
        top, bottom = min(p[1] for p in pts), max(p[1] for p in pts)
        w, h = x1 - x0, bottom - top
        if h <= THIN and w > h:
            segs.append(Seg(True, (top + bottom) / 2, x0, x1))
        elif w <= THIN and h > w:
            segs.append(Seg(False, (x0 + x1) / 2, top, bottom))
        if not stroke:
            return
    for (xa, ya), (xb, yb) in pieces:
        if abs(ya - yb) < 0.5 and abs(xa - xb) >= 0.5:
            segs.append(Seg(True, (ya + yb) / 2, min(xa, xb), max(xa, xb)))
        elif abs(xa - xb) < 0.5 and abs(ya - yb) >= 0.5:
            segs.append(Seg(False, (xa + xb) / 2, min(ya, yb), max(ya, yb)))


def _page_form(page: Page, chars: list[dict], segs: list[Seg]) -> Page:
    """Grids and running-text lines of one page, as the PDF reader makes them (a region of
    stacked one-row tables read band by band, each band's rules merged on their own)."""
    if not page.n_chars:
        return page
    return fill(page, chars, [build_table(region, chars, page.number, segs)
                              for region in table_regions(merge(segs))])


def extract(data: bytes) -> Document:
    reader = _Reader(data)
    pages = [_page_form(page, chars, segs) for page, chars, segs in reader.pages()]
    if not any(p.n_chars for p in pages):
        what = "page images (a scan)" if any(p.n_images for p in pages) else "no text"
        raise NotAReport(f"the OFD document has no text ({len(pages)} page(s) of {what}), so the "
                         "report cannot be read")
    drop_furniture(pages)
    warnings = [f"ofd page {p.number} has no text (an image only); its content was not read"
                for p in pages if not p.n_chars and p.n_images]
    warnings += rotated_notes(pages, "ofd")
    return assemble(pages, warnings, kind="ofd")
