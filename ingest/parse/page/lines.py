"""Characters placed on a PDF page → printed lines and paragraphs.

pdfplumber gives characters with boxes, not text: spaces are whatever a gap between two boxes
suggests. Chinese typesetting has no spaces, so a gap next to a CJK character (justified lines,
a Latin-font digit beside a CJK font: "2023 年") is layout, never a word break. Only a gap
between two narrow (Latin) characters is kept as a space ("hzzwgk@126.com" stays whole,
"Times New Roman" keeps its spaces).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# CJK radicals → the ideograph they look like. Chromium's Type-3 fonts map a glyph shared by a
# radical and an ideograph to whichever code point the font's cmap lists first, so 示 人民 come
# out as ⽰ ⼈⺠. Kangxi radicals (U+2F00–2FDF) have NFKC forms; the Radicals Supplement
# (U+2E80–2EFF) has none, so its equivalents are listed here (from the Noto CJK cmaps: the
# ideograph drawn by the same glyph).
_RADICALS_SUPPLEMENT = ("⺂乛⺃乚⺅亻⺉刂⺋㔾⺎兀⺏尣⺐尢⺒巳⺓幺⺔彑⺖忄⺘扌⺙攵⺛旡⺞歺⺟母⺠民⺡氵⺣灬⺤爫⺦丬"
                        "⺨犭⺫罒⺭礻⺯糹⺰纟⺱罓⺲罒⺳㓁⺹耂⺺肀⺾艹⻂衤⻃覀⻄西⻅见⻈讠⻉贝⻋车⻍辶⻐钅⻑長"
                        "⻒镸⻓长⻖阝⻘青⻙韦⻚页⻛风⻜飞⻟飠⻠饣⻢马⻥鱼⻦鸟⻧卤⻨麦⻩黄⻪黾⻫斉⻬齐⻭歯⻮齿⻯竜⻰龙"
                        "⻲亀⻳龟")
_RADICALS = {ord(a): b for a, b in zip(_RADICALS_SUPPLEMENT[::2], _RADICALS_SUPPLEMENT[1::2])}
_RADICALS.update({cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)})


def unradical(text: str) -> str:
    """`text` with CJK radical code points replaced by their ideographs (see _RADICALS)."""
    for ch in text:
        if "\u2e80" <= ch <= "\u2fdf":
            return text.translate(_RADICALS)
    return text


# Punctuation that is East-Asian-width "ambiguous" but sits in CJK running text.
_WIDE_EXTRA = set("“”‘’…—–·•●○■□△▲◆※")


def is_wide(ch: str) -> bool:
    """True for characters that never take a space beside them in Chinese text."""
    if not ch:
        return False
    return unicodedata.east_asian_width(ch) in ("W", "F") or ch in _WIDE_EXTRA


def join_pieces(left: str, right: str) -> str:
    """Join two runs of text that were split by layout (a wrapped line, a cell border)."""
    if not left:
        return right
    if not right:
        return left
    if is_wide(left[-1]) or is_wide(right[0]):
        return left + right
    return left + " " + right


@dataclass
class Line:
    """One printed line: characters whose boxes overlap vertically, left to right."""

    chars: list[dict] = field(default_factory=list)
    top: float = 0.0
    bottom: float = 0.0
    page: int = 0  # 1-based page number, set by the caller

    @property
    def x0(self) -> float:
        return min(c["x0"] for c in self.chars)

    @property
    def x1(self) -> float:
        return max(c["x1"] for c in self.chars)

    @property
    def size(self) -> float:
        """The line's dominant font size (what most of its characters use)."""
        sizes: dict[float, int] = {}
        for c in self.chars:
            s = round(float(c.get("size") or (c["bottom"] - c["top"])), 1)
            sizes[s] = sizes.get(s, 0) + 1
        return max(sizes, key=lambda s: (sizes[s], s))

    @property
    def text(self) -> str:
        return chars_to_text(self.chars)


def chars_to_text(chars: list[dict], keep_gaps: bool = False) -> str:
    """Characters of one line → text, spaces only where both neighbours are narrow.

    keep_gaps: also keep a space for a gap wider than half a character whatever its
    neighbours — the column gaps of a table drawn without rules ("予以公开  14  0").
    """
    out: list[str] = []
    prev: dict | None = None
    pending_space = False
    for c in sorted(chars, key=lambda c: c["x0"]):
        t = c["text"]
        if not t or t.isspace():
            pending_space = True
            continue
        if prev is not None and out:
            size = float(prev.get("size") or 10.0)
            gap = c["x0"] - prev["x1"]
            narrow = not is_wide(out[-1][-1]) and not is_wide(t[0])
            if ((pending_space or gap > 0.25 * size) and narrow) or (keep_gaps and gap > 0.5 * size):
                out.append(" ")
        out.append(t)
        prev = c
        pending_space = False
    return "".join(out)


class Token(str):
    """A cell's text that remembers the characters it was read from: a table printed without
    rules is read from its text lines, and its cells keep the provenance of their characters
    (an OCR'd word's score, its page) through the readers that place them
    (assemble.line_meta). Any other str operation gives a plain str."""

    chars: tuple = ()


def token(text: str, chars) -> Token:
    t = Token(text)
    t.chars = tuple(chars)
    return t


def gapped_tokens(chars: list[dict]) -> list[tuple[str, float, float]]:
    """`chars_to_text(chars, keep_gaps=True).split()` with each token's left and right edge;
    each token a `Token` holding its characters."""
    out: list[list] = []
    prev: dict | None = None
    pending_space = False
    for c in sorted(chars, key=lambda c: c["x0"]):
        t = c["text"]
        if not t or t.isspace():
            pending_space = True
            continue
        new = not out
        if prev is not None and out:
            size = float(prev.get("size") or 10.0)
            gap = c["x0"] - prev["x1"]
            narrow = not is_wide(out[-1][0][-1]) and not is_wide(t[0])
            new = ((pending_space or gap > 0.25 * size) and narrow) or gap > 0.5 * size
        if new:
            out.append([t, c["x0"], c["x1"], [c]])
        else:
            out[-1][0] += t
            out[-1][2] = max(out[-1][2], c["x1"])
            out[-1][3].append(c)
        prev = c
        pending_space = False
    return [(token(t, cs), a, b) for t, a, b, cs in out]


def cluster_lines(chars: list[dict]) -> list[Line]:
    """Group characters into printed lines by vertical overlap, top to bottom.

    A Latin-font digit often sits a point lower than the CJK characters of the same line, so
    lines are formed by overlap of the boxes, not by equal `top`.
    """
    lines: list[Line] = []
    cores: list[list[float]] = []  # each line's extent over its characters' cores
    for c in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if c["text"].isspace() and not lines:
            continue
        top, bottom = _core(c)
        h = max(bottom - top, 0.1)
        placed = False
        # Only the last few lines can overlap a character that comes later in `top` order.
        for line, core in zip(reversed(lines[-3:]), reversed(cores[-3:])):
            overlap = min(core[1], bottom) - max(core[0], top)
            if overlap >= 0.5 * min(h, core[1] - core[0]):
                line.chars.append(c)
                line.top = min(line.top, c["top"])
                line.bottom = max(line.bottom, c["bottom"])
                core[0], core[1] = min(core[0], top), max(core[1], bottom)
                placed = True
                break
        if not placed:
            lines.append(Line([c], c["top"], c["bottom"]))
            cores.append([top, bottom])
    lines = [ln for ln in lines if any(not c["text"].isspace() for c in ln.chars)]
    lines.sort(key=lambda ln: ln.top)
    return lines


OCR_CORE = 0.2  # share of an OCR'd box's height cut at its top and at its bottom


def _core(c: dict) -> tuple[float, float]:
    """The vertical extent of a character that decides its line. A recogniser's box (the
    character carries its score, `conf`) is its detected text line's, padded around the ink:
    on a scan, the two lines of a label wrapped in a narrow cell and the row of numbers
    centred between them overlap by half a box and would read as one line, their characters
    interleaved ("(三)不予4方.合保护法第权三益"); their middle parts do not overlap."""
    if c.get("conf") is None:
        return c["top"], c["bottom"]
    cut = OCR_CORE * (c["bottom"] - c["top"])
    return c["top"] + cut, c["bottom"] - cut


def cell_text(chars: list[dict], width: float | None = None) -> str:
    """The text of one table cell: its lines joined as if never wrapped.

    A label wrapped inside its cell ("（二）部分公开（区分处理的，只计这一情形，不" / "计其他情形）")
    and a label printed one character per line (三 / 、 / 本 / 年 …) both come out whole.
    `width` (the cell's): a number wrapped in a column too narrow for it ("5" / "5" in a
    narrow 总计 column) is one number when its first line and the next digit could not have
    stood side by side in the cell; otherwise two lines of digits stay apart ("10 5", which
    no reader takes for a number).
    """
    level = [c for c in chars if orientation(c) == "level"]
    turned = [c for c in chars if orientation(c) == "turned"]
    # Slanted characters are a watermark or a seal's legend drawn over the table: never text.
    if len(turned) > len(level):
        text = _rotated_text(turned)
    else:
        text = ""
        prev: Line | None = None
        for line in cluster_lines(level):
            piece = line.text
            if (prev is not None and width and text[-1:].isdigit() and piece[:1].isdigit()
                    and _wrapped_number(prev, line, width)):
                text += piece
            else:
                text = join_pieces(text, piece)
            prev = line
    return re.sub(r"\s+", " ", text).strip()


def _wrapped_number(upper: Line, lower: Line, width: float) -> bool:
    """Whether `lower` starts where `upper`'s digits ran out of room (see cell_text)."""
    if not all(c["text"].isdigit() or c["text"].isspace() for c in upper.chars + lower.chars):
        return False
    first = min(lower.chars, key=lambda c: c["x0"])
    used = (upper.x1 - upper.x0) + (first["x1"] - first["x0"])
    return used > 0.6 * width


def orientation(char: dict) -> str:
    """'level' (normal text), 'turned' (by 90°: a sideways label) or 'slanted' (a watermark)."""
    m = char.get("matrix")
    if not m or len(m) < 4:
        return "level" if char.get("upright", True) else "turned"
    a, b, c, d = (abs(float(v)) for v in m[:4])
    if b <= 0.05 * a and c <= 0.05 * d:
        return "level"
    if a <= 0.05 * b and d <= 0.05 * c:
        return "turned"
    return "slanted"


def _rotated_text(chars: list[dict]) -> str:
    """Text turned by 90° (Word's "text direction" in a tall label cell).

    Turned clockwise (matrix b < 0) it reads top to bottom and its lines go right to left;
    turned anticlockwise it reads bottom to top and its lines go left to right.
    """
    clockwise = sum(1 for c in chars if (c.get("matrix") or (0, 0))[1] < 0) * 2 >= len(chars)
    columns: list[list[dict]] = []
    for c in sorted(chars, key=lambda c: c["x0"]):
        if columns and c["x0"] < max(o["x1"] for o in columns[-1]) - 0.5 * (c["x1"] - c["x0"]):
            columns[-1].append(c)
        else:
            columns.append([c])
    if clockwise:
        columns.reverse()
    text = ""
    for col in columns:
        ordered = sorted(col, key=lambda c: c["top"], reverse=not clockwise)
        text = join_pieces(text, "".join(c["text"] for c in ordered if not c["text"].isspace()))
    return text


# "- 3 -", "— 3 —", "3", "第 3 页", "第3页 共5页", "3/5": page furniture, not report text.
_PAGE_NUMBER = re.compile(
    r"^[\s\-—–－~·]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:(?:[/／]|共)\s*\d{1,4}\s*页?)?[\s\-—–－~·]*$"
)


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(unicodedata.normalize("NFKC", text)))


def paragraphs(lines: list[Line], left: float, right: float) -> list[list[Line]]:
    """Group the lines of running text (outside tables) into paragraphs.

    Chinese body text is justified with a two-character first-line indent, so a paragraph
    ends where a line stops short of the right margin, and starts where a line is indented,
    changes font size (a title, a heading) or leaves a larger gap than the line spacing.
    `left`/`right` are the text block's margins on this page.
    """
    paras: list[list[Line]] = []
    prev: Line | None = None
    for line in lines:
        size = line.size
        new = prev is None
        if prev is not None:
            psize = prev.size
            gap = line.top - prev.bottom
            indented = line.x0 - left > 1.2 * size
            prev_short = right - prev.x1 > 1.5 * psize
            # A centred line (title) neither starts at the margin nor fills the line.
            centred = abs((line.x0 - left) - (right - line.x1)) < 2 * size and line.x0 - left > 2 * size
            prev_centred = abs((prev.x0 - left) - (right - prev.x1)) < 2 * psize and prev.x0 - left > 2 * psize
            same_size = abs(size - psize) <= 1.0
            if centred and prev_centred and same_size and gap < 1.5 * size:
                new = False  # a title over two lines
            else:
                new = indented or prev_short or not same_size or gap > 1.2 * max(size, psize)
        if new:
            paras.append([line])
        else:
            paras[-1].append(line)
        prev = line
    return paras


def paragraph_text(lines: list[Line]) -> str:
    text = ""
    for line in lines:
        text = join_pieces(text, line.text)
    return re.sub(r"\s+", " ", text).strip()
