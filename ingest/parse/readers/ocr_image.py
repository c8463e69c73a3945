"""One page image → OCR'd words and ruling lines, in pixels (the work of one OCR worker).

Runs in a worker process of ingest/parse/readers/ocr.py (or in-process for a single page): it knows
nothing of PDFs, grids or reports. Three steps:
- straighten: a scan is rarely level; the median angle of its long near-horizontal strokes
  (a table's rules) turns it back, so rules stay one row of pixels and cells stay boxes;
- read: RapidOCR (PP-OCR detection + recognition, ONNX models shipped inside the rapidocr
  wheel, run by onnxruntime on one thread) gives text lines with a box per CJK character and
  per run of Latin letters/digits, each with a recognition score;
- rules: OpenCV opening with long thin kernels keeps only strokes much longer than they are
  thick; strokes lying inside a recognised character's box are that character's, not a rule.

Nothing is ever downloaded: the engine is built from the model files inside the installed
wheel (explicit paths), and a missing engine or model is NeedsTool, retried on a later run.
"""

from __future__ import annotations

import math
import os
import re
import time
from pathlib import Path

from ingest.errors import NeedsTool
from ingest.parse.readers.ocr_page import to_page

_ENGINE = None
_INSTALL = ("pip install 'rapidocr>=3,<4' 'onnxruntime>=1.17'")


def model_paths() -> dict[str, str]:
    """The det/rec/cls model files inside the installed rapidocr wheel; NeedsTool without them."""
    try:
        import onnxruntime  # noqa: F401  (rapidocr imports it lazily; fail here, clearly)
        import rapidocr
        from rapidocr import RapidOCR
    except ImportError as exc:
        # tool = the missing module: the loader tries the document again once it imports
        tool = exc.name if exc.name in ("onnxruntime", "rapidocr") else "rapidocr"
        raise NeedsTool(f"reading scanned pages needs the OCR engine, which is not installed "
                        f"({exc.name or exc}): {_INSTALL}; the document is read on a later run",
                        tool=tool) from None
    models = Path(rapidocr.__file__).parent / "models"
    found = {}
    for task in ("det", "rec", "cls"):
        hits = sorted(models.glob(f"*{task}*.onnx"))
        if not hits:
            raise NeedsTool(f"the OCR engine has no {task} model in {models} (nothing is downloaded "
                            f"at run time): reinstall it with {_INSTALL}", tool="rapidocr")
        found[task] = str(hits[-1])
    return found


def engine():
    """The process's RapidOCR engine, built once from the wheel's own model files."""
    global _ENGINE
    if _ENGINE is not None:
        return _ENGINE
    found = model_paths()
    from rapidocr import RapidOCR
    import logging

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    params = {
        # Explicit model files: with a model_path rapidocr never looks for (or fetches) one.
        "Det.model_path": found["det"], "Rec.model_path": found["rec"], "Cls.model_path": found["cls"],
        "Global.use_cls": False,  # pages are upright; the 180° classifier only costs time
        "Global.text_score": 0.0,  # keep every reading: a dropped low-score "0" would look blank
        "Global.max_side_len": 12000,  # never shrink a page before detection (the pixel cap bounds it)
        "Global.log_level": "error",
        # One thread per process: pages run in parallel processes, not threads.
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    _ENGINE = RapidOCR(params=params)
    return _ENGINE


def read_page(number: int, gray, scale: float | None = None) -> dict:
    """OCR one grayscale page image (numpy uint8 H×W). Returns plain data (picklable):
    {number, width, height, angle, char_h, words: [{text, conf, x0, top, x1, bottom}], rules:
    [(horizontal, pos, a, b)], cpu} — pixels of the straightened image. `scale` (points per
    pixel) is known for rendered PDF pages; for a picture ocr_page.to_page derives it."""
    import numpy as np

    t0 = time.process_time()
    gray = np.ascontiguousarray(gray, dtype=np.uint8)
    angle = skew_angle(gray)
    if angle:
        gray = rotate(gray, angle)
    lines: list = []
    words = _words(gray, lines)
    cjk = sorted(w["bottom"] - w["top"] for w in words if len(w["text"]) == 1 and ord(w["text"]) > 0x2E80)
    char_h = float(cjk[len(cjk) // 2]) if cjk else 30.0
    words = split_spaced_digits(gray, [w for w in words if not _speck(w, char_h)], char_h)
    raw = {"number": number, "width": int(gray.shape[1]), "height": int(gray.shape[0]),
           "angle": angle, "char_h": char_h, "words": words,
           "rules": find_rules(gray, words, char_h, lines), "pid": os.getpid()}
    raw["words"] += second_look(gray, raw, scale)
    raw["words"] += row_second_look(gray, raw["words"], char_h, raw["rules"])
    mark_unread_signs(gray, raw["words"], char_h)
    mark_upright_ones(gray, raw["words"])
    raw["cpu"] = time.process_time() - t0
    return raw


def second_look(gray, raw: dict, scale: float | None) -> list[dict]:
    """Words of table cells the page-wide detector left empty, read again from the cell alone.

    On a blurred or speckled scan the detector misses a lone small glyph (a "0" in a cell of
    zeros) now and then; an empty cell would then read as a printed blank. Each empty cell
    holding a glyph-sized mark (not a speck) is cut out inside its rules and read again:
    detection on the padded cell, then on it enlarged twice, and last recognition alone on
    the mark's own box — kept only when it reads as a number with near certainty.
    """
    import cv2
    import numpy as np

    page, _ = to_page(raw, scale)
    s = page.width / raw["width"]
    ch = raw["char_h"]
    found: list[dict] = []
    for grid in page.grids:
        for cell in grid.cells:
            if cell.text:
                continue
            x0, top, x1, bottom = (int(round(v / s)) for v in (cell.x0, cell.top, cell.x1, cell.bottom))
            m = max(3, int(ch * 0.12))  # stay clear of the rules
            if x1 - x0 < 2 * m + 4 or bottom - top < 2 * m + 4 or bottom - top > 8 * ch:
                continue
            crop = gray[top + m:bottom - m, x0 + m:x1 - m]
            ink = cv2.morphologyEx((crop < 160).astype("uint8"), cv2.MORPH_OPEN,
                                   cv2.getStructuringElement(cv2.MORPH_RECT, (2, 2)))
            ys, xs = np.nonzero(ink)
            if len(ys) < 8 or ys.max() - ys.min() + 1 < 0.3 * ch:
                continue  # blank paper, or specks: nothing as tall as a glyph
            for w in _reread(crop, ch, (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))):
                found.append({**w, "x0": w["x0"] + x0 + m, "x1": w["x1"] + x0 + m,
                              "top": w["top"] + top + m, "bottom": w["bottom"] + top + m,
                              "second_look": True})
    return found


DIGIT_GAP = 0.6  # share of a character's height: digits this far apart are two numbers


def split_spaced_digits(gray, words: list[dict], char_h: float) -> list[dict]:
    """Words of digits with boxes as wide as their ink; one whose digits stand a column apart
    cut into its numbers.

    The detector may take two lone numbers of neighbouring columns of a table printed
    without rules as one word ("00" over two cells of table 4's row of zeros); read as one
    number, the row is a number short and cannot be placed. The ink says where the digits
    are: the word is cut only when its box holds exactly as many marks as it has digits
    (each mark a digit: no guess which digit is where) and two of them stand more than
    DIGIT_GAP of a character's height apart — never within a number, whose digits touch.
    """
    import numpy as np

    out: list[dict] = []
    for w in words:
        if not re.fullmatch(r"\d{1,9}", w["text"]):
            out.append(w)
            continue
        top, bottom = max(0, int(w["top"])), int(math.ceil(w["bottom"]))
        x0, x1 = max(0, int(w["x0"])), int(math.ceil(w["x1"]))
        cols = (gray[top:bottom, x0:x1] < 160).sum(axis=0) > 0
        runs: list[list[int]] = []  # ink columns, left to right
        for i, ink in enumerate(np.asarray(cols).tolist()):
            if ink and runs and runs[-1][1] == i:
                runs[-1][1] = i + 1
            elif ink:
                runs.append([i, i + 1])
        runs = [r for r in runs if r[1] - r[0] >= 2]  # not a speck's column
        if runs:
            # the box as wide as the ink: the recogniser pads its estimated boxes, and two
            # numbers of neighbouring columns whose boxes touch would read as one ("0" "0": "00")
            w = {**w, "x0": float(x0 + runs[0][0]), "x1": float(x0 + runs[-1][1])}
        if len(runs) != len(w["text"]) or not any(b[0] - a[1] > DIGIT_GAP * char_h for a, b in zip(runs, runs[1:])):
            out.append(w)
            continue
        cut = [0] + [i + 1 for i, (a, b) in enumerate(zip(runs, runs[1:])) if b[0] - a[1] > DIGIT_GAP * char_h] + [len(runs)]
        for a, b in zip(cut, cut[1:]):
            out.append({**w, "text": w["text"][a:b], "x0": float(x0 + runs[a][0]), "x1": float(x0 + runs[b - 1][1])})
    return out


ROW_NUMBERS = 3  # numbers a line of words must hold to be searched for the numbers it lacks
# a number of a row, or zeros read as the letter O (ocr_page.zeros_read_as_letters reads them)
_ROW_NUMBER = re.compile(r"^(\d{1,4}|[Oo]+)$")


def row_second_look(gray, words: list[dict], char_h: float, rules=()) -> list[dict]:
    """Numbers of a row printed without rules that the page-wide detector left unread.

    A table drawn without rules has no empty cell to look into again (`second_look`): on a
    speckled scan the detector drops lone zeros of a row ("0 0 0 … 0" under table 4's header
    read as 9 of its 15 numbers), and a row short of numbers cannot be placed. In the band of
    each line that reads at least ROW_NUMBERS numbers, every mark as tall as a digit lying
    right of the line's last word of text and outside every word standing in the band (the
    row's, or a wrapped label's line beside it) is read again alone
    (recognition on its own box, as `_reread` does last), and kept only when it reads as a
    number with near certainty. Rules are no marks: the page's vertical rules are blanked
    first (a rule cut to the band is as tall as a digit, and would read "1"), and a mark
    running from the band's top to its bottom, or far wider or taller than a digit, is skipped.
    """
    import cv2
    import numpy as np

    h_img, w_img = gray.shape
    nums = [w for w in words if _ROW_NUMBER.match(w["text"])]
    found: list[dict] = []
    done: set[tuple] = set()
    for w in nums:
        mid = (w["top"] + w["bottom"]) / 2
        row = [v for v in words if v["top"] < mid < v["bottom"]
               and abs((v["top"] + v["bottom"]) / 2 - mid) < 0.3 * (w["bottom"] - w["top"])]
        row_nums = [v for v in row if _ROW_NUMBER.match(v["text"])]
        if len(row_nums) < ROW_NUMBERS:
            continue
        top = int(min(v["top"] for v in row_nums))
        bottom = int(math.ceil(max(v["bottom"] for v in row_nums)))
        if (top, bottom) in done:
            continue
        done.add((top, bottom))
        # words standing in the band: the row's, and a wrapped label's line beside it
        near = [v for v in words if top <= (v["top"] + v["bottom"]) / 2 <= bottom]
        text = [v for v in near if not _ROW_NUMBER.match(v["text"])]
        left = int(max((v["x1"] for v in text), default=0)) + 1
        band = (gray[top:bottom, left:] < 160).astype(np.uint8)
        for v in near:  # what was read already, on this line or the ones it touches
            band[:, max(0, int(v["x0"]) - 2 - left):max(0, int(math.ceil(v["x1"])) + 3 - left)] = 0
        for horizontal, pos, a, b in rules:
            if not horizontal and a < bottom and b > top:
                band[:, max(0, int(pos) - 4 - left):max(0, int(pos) + 5 - left)] = 0
        n, _, stats, _ = cv2.connectedComponentsWithStats(band, connectivity=8)
        marks = sorted(tuple(int(x) for x in stats[i, :4]) for i in range(1, n)
                       if 0.45 * char_h <= stats[i, 3] <= 0.9 * char_h and stats[i, 2] <= 0.8 * char_h
                       and stats[i, 4] >= 8 and not (stats[i, 1] == 0 and stats[i, 3] == bottom - top))
        groups: list[list[int]] = []  # the marks of one number, side by side
        for x, y, bw, bh in marks:
            if groups and x - groups[-1][2] <= 0.25 * char_h:
                g = groups[-1]
                g[1], g[2], g[3] = min(g[1], y), max(g[2], x + bw), max(g[3], y + bh)
            else:
                groups.append([x, y, x + bw, y + bh])
        for x0, y0, x1, y1 in groups:
            crop = gray[top + max(y0 - 4, 0):top + y1 + 5, left + max(x0 - 4, 0):left + x1 + 5]
            tight = cv2.copyMakeBorder(crop, 8, 8, 8, 8, cv2.BORDER_CONSTANT, value=255)
            res = engine()(cv2.cvtColor(tight, cv2.COLOR_GRAY2BGR), use_det=False, use_cls=False, use_rec=True)
            txts, scores = res.txts or (), res.scores or ()
            if len(txts) == 1 and _NUMBER.match(txts[0]) and scores[0] >= 0.97:
                found.append({"text": txts[0], "conf": round(float(scores[0]), 4),
                              "x0": float(left + x0), "x1": float(left + x1),
                              "top": float(top), "bottom": float(bottom), "second_look": True})
    return found


_UNSIGNED = re.compile(r"^\d[\d,，]*$")


def mark_unread_signs(gray, words: list[dict], char_h: float) -> None:
    """Set `mark_left` on every unsigned number: is there ink just left of its digits that OCR
    did not read (a minus or plus sign it dropped, or anything else)?

    The recogniser can drop a short stroke before digits ("−18" read "18", score 1.0), and its
    word boxes are estimates that may cover the lost sign. So the evidence is the ink itself:
    in the word's line band, the digits are the tall marks; any other mark (not a speck) lying
    within the digits' height and at most a character's width left of them, before a rule, is
    unread ink. A number of a column that may be negative is kept only when this is False
    (mapping/ocr_check.py); the flag says nothing about the digits themselves.
    """
    import cv2
    import numpy as np

    h_img, w_img = gray.shape
    reach = max(8, int(round(0.9 * char_h)))
    for w in words:
        if not _UNSIGNED.match(w["text"]):
            continue
        top, bottom = max(0, int(w["top"])), min(h_img, int(math.ceil(w["bottom"])) + 1)
        left, right = max(0, int(w["x0"]) - reach), min(w_img, int(math.ceil(w["x1"])) + 1)
        if bottom - top < 6 or right - left < 6:
            w["mark_left"] = True  # too small to tell
            continue
        ink = (gray[top:bottom, left:right] < 160).astype(np.uint8)
        band = bottom - top
        ink[ink.sum(axis=1) >= 0.9 * (right - left), :] = 0  # horizontal rules
        # vertical rules: long vertical runs, widened by 2 px (a turned scan's rule is jagged
        # and blurred; a sign's stroke starts further from it)
        rule = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, int(0.8 * band))))
        ink[cv2.dilate(rule, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 1))) > 0] = 0
        n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        comps = [c for c in (tuple(int(v) for v in stats[i, :5]) for i in range(1, n)) if c[3] < 0.8 * band]
        wx0, wx1 = w["x0"] - left, w["x1"] - left
        digits = [c for c in comps if c[3] >= 0.45 * band
                  and c[0] + c[2] >= wx0 - 4 and c[0] <= wx1 + 4]
        if not digits:
            w["mark_left"] = True  # no digit shapes found where OCR read digits: cannot tell
            continue
        first = min(c[0] for c in digits)
        d_top = min(c[1] for c in digits)
        d_bottom = max(c[1] + c[3] for c in digits)
        w["mark_left"] = any(
            c not in digits and c[4] >= 4 and max(c[2], c[3]) >= 2  # not a speck
            and c[0] + c[2] <= first + 1 and c[1] >= d_top - 1 and c[1] + c[3] <= d_bottom + 1
            for c in comps)


SLANT = 0.15  # a lone "1" whose stroke's top stands right of its foot by more is no upright 1


def mark_upright_ones(gray, words: list[dict]) -> None:
    """Set `upright_one` on every word read as a lone "1": does its ink stand upright?

    A report prints "/" for a cell that does not apply, and the recogniser reads a blurred
    slash as "1" with the score of a genuine 1 (0.92 against 0.91–0.95 on the scans at hand),
    so its score cannot tell them apart. The ink can: a slash leans, its top a third of its
    height right of its foot; a 1 is a vertical stem whose flag, if anything, pulls its top
    left. The glyph is the largest mark in the word's box; the lean is the slope of the
    centres of its pixel rows (a least-squares line: blur and specks move it little). The
    page is straightened before this (a turned scan leans its strokes by under 0.01).
    False when the ink leans, or no glyph is found to measure (ocr_check then wants a rule).
    """
    import cv2
    import numpy as np

    h_img, w_img = gray.shape
    for w in words:
        if w["text"] != "1":
            continue
        x0, x1 = max(0, int(w["x0"]) - 3), min(w_img, int(math.ceil(w["x1"])) + 4)
        top, bottom = max(0, int(w["top"]) - 3), min(h_img, int(math.ceil(w["bottom"])) + 4)
        w["upright_one"] = False
        if bottom - top < 8 or x1 - x0 < 3:
            continue  # too small to tell
        n, labels, stats, _ = cv2.connectedComponentsWithStats(
            (gray[top:bottom, x0:x1] < 160).astype(np.uint8), connectivity=8)
        # a rule running through the box (it spans the crop) is no glyph: an upright one
        # would vouch for a slash beside it
        marks = [i for i in range(1, n) if stats[i, cv2.CC_STAT_HEIGHT] < bottom - top
                 and stats[i, cv2.CC_STAT_WIDTH] < x1 - x0]
        if not marks:
            continue
        glyph = max(marks, key=lambda i: stats[i, cv2.CC_STAT_AREA])
        ys, xs = np.nonzero(labels == glyph)
        rows = np.unique(ys)
        if len(rows) < 6:
            continue  # a speck, not a stroke
        centres = np.array([xs[ys == y].mean() for y in rows])
        lean = -float(np.polyfit(rows.astype(float), centres, 1)[0])  # top right of foot: > 0
        w["upright_one"] = lean < SLANT


_NUMBER = re.compile(r"^\d{1,4}$")


def _reread(crop, ch: float, ink_box) -> list[dict]:
    """Words of one cell image (coordinates of `crop`), or [] when nothing reads for sure."""
    import cv2

    pad = int(ch * 0.6)
    padded = cv2.copyMakeBorder(crop, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    for zoom in (1, 2):
        img = padded if zoom == 1 else cv2.resize(padded, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        words = [w for w in _words(img) if w["conf"] >= 0.8 and not _speck(w, ch * zoom)]
        if words:
            return [{**w, "x0": w["x0"] / zoom - pad, "x1": w["x1"] / zoom - pad,
                     "top": w["top"] / zoom - pad, "bottom": w["bottom"] / zoom - pad} for w in words]
    ix0, iy0, ix1, iy1 = ink_box
    tight = cv2.copyMakeBorder(crop[max(iy0 - 4, 0):iy1 + 5, max(ix0 - 4, 0):ix1 + 5], 8, 8, 8, 8,
                               cv2.BORDER_CONSTANT, value=255)
    res = engine()(cv2.cvtColor(tight, cv2.COLOR_GRAY2BGR), use_det=False, use_cls=False, use_rec=True)
    txts, scores = res.txts or (), res.scores or ()
    if len(txts) == 1 and _NUMBER.match(txts[0]) and scores[0] >= 0.97:
        return [{"text": txts[0], "conf": round(float(scores[0]), 4), "x0": float(ix0), "top": float(iy0),
                 "x1": float(ix1 + 1), "bottom": float(iy1 + 1)}]
    return []


_DASH_LINE = re.compile(r"^[一ー—－‐‑‒–―_~～\-]+$")
_PUNCT = re.compile(r"^[.,，。·'`’‘:;：；_~]+$")
_NUMBER_DOTS = re.compile(r"^(\d(?:[\d,，.]*\d)?)[.,，。·'`]+$")


def _speck(word: dict, char_h: float) -> bool:
    """A speck of dust read as punctuation: a lone small mark, never report text."""
    return bool(_PUNCT.match(word["text"])) and (word["bottom"] - word["top"]) < 0.7 * char_h


def _clean(text: str) -> str:
    """A number with a speck beside it ("0." "12,") is the number: no table cell ends in a dot."""
    m = _NUMBER_DOTS.match(text)
    return m.group(1) if m else text


def _words(gray, lines: list | None = None) -> list[dict]:
    """Recognised words (a CJK character, or a run of Latin letters and digits) with boxes;
    `lines` collects each detected text line's box (it covers every stroke of its glyphs)."""
    import cv2

    # every flag explicit: rapidocr keeps the flags of the previous call (see _reread)
    res = engine()(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), use_det=True, use_cls=False, use_rec=True,
                   return_word_box=True)
    out: list[dict] = []
    if res.boxes is None:
        return out
    word_results = res.word_results or [()] * len(res.txts)
    for box, txt, score, words in zip(res.boxes, res.txts, res.scores, word_results):
        if lines is not None:
            lines.append((float(min(p[0] for p in box)), float(min(p[1] for p in box)),
                          float(max(p[0] for p in box)), float(max(p[1] for p in box))))
        if _DASH_LINE.match(txt.replace(" ", "")):
            # A lone stroke is the table's null mark "—": OCR cannot tell it from 一 (which the
            # number reader would take for 1), and no count is ever printed as a lone 一.
            txt, words = "—", ()
        pieces = [(w[0], w[1], w[2]) for w in words if w and w[0]] if words else []
        if not pieces or "".join(p[0] for p in pieces).replace(" ", "") != txt.replace(" ", ""):
            pieces = [(txt, score, box)]  # no usable word boxes: the line as one piece
        for text, conf, pts in pieces:
            text = _clean(text.strip())
            if not text:
                continue
            xs = [float(p[0]) for p in pts]
            ys = [float(p[1]) for p in pts]
            out.append({"text": text, "conf": round(float(conf), 4), "x0": min(xs), "top": min(ys),
                        "x1": max(xs), "bottom": max(ys)})
    return out


# ---- straightening -------------------------------------------------------------------------

MAX_SKEW = 5.0  # degrees; a page turned further is not a slightly skewed scan


def _binary(gray):
    import cv2

    # Ink is dark: invert, then a local threshold copes with uneven scan lighting and blur.
    return cv2.adaptiveThreshold(255 - gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 15, -2)


def skew_angle(gray) -> float:
    """Degrees to turn the image by (counter-clockwise positive) so that long rules are level;
    0.0 when it is level already or has no long strokes to tell by."""
    import cv2
    import numpy as np

    bw = _binary(gray)
    w = gray.shape[1]
    lines = cv2.HoughLinesP(bw, 1, math.pi / 1800, threshold=max(100, w // 6),
                            minLineLength=w // 4, maxLineGap=8)
    if lines is None:
        return 0.0
    angles, weights = [], []
    for x0, y0, x1, y1 in lines.reshape(-1, 4):
        if x1 == x0:
            continue
        a = math.degrees(math.atan2(y1 - y0, x1 - x0))
        if abs(a) <= MAX_SKEW:
            angles.append(a)
            weights.append(math.hypot(x1 - x0, y1 - y0))
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cum = np.cumsum(np.asarray(weights)[order])
    median = float(np.asarray(angles)[order][np.searchsorted(cum, cum[-1] / 2)])
    return median if abs(median) >= 0.05 else 0.0


def rotate(gray, angle: float):
    import cv2

    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


# ---- ruling lines ---------------------------------------------------------------------------

def find_rules(gray, words: list[dict], char_h: float,
               lines: list | None = None) -> list[tuple[bool, float, float, float]]:
    """Table rules as (horizontal, pos, a, b) in pixels.

    A rule is a stroke far longer than it is thick. The kernels are as long as a character
    box is tall: a horizontal rule spans at least a cell, a vertical one at least a row, and a
    row is taller than its characters. A character's own long strokes (一, 丨, the bar of 十)
    can still pass, so strokes lying inside a recognised character's box are dropped, and
    short strokes inside a detected text line's box (per-character boxes are estimates: a
    stroke of a bold heading may stick out of its character's box, never out of its line's).
    """
    import cv2

    bw = _binary(gray)
    thick = max(4.0, 0.22 * char_h)  # a rule is a few pixels thick, even blurred
    boxes = [(w["x0"] - 3, w["top"] - 3, w["x1"] + 3, w["bottom"] + 3) for w in words]
    out: list[tuple[bool, float, float, float]] = []
    for horizontal in (True, False):
        length = max(12, int(round(char_h * (1.0 if horizontal else 0.85))))
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
        opened = cv2.morphologyEx(bw, cv2.MORPH_OPEN, kernel)
        n, _, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
        for i in range(1, n):
            x, y, w, h = (int(v) for v in stats[i, :4])
            long_, across = (w, h) if horizontal else (h, w)
            # thickness by the stroke's mean (its pixels over its length): a rule of a turned
            # scan drifts a pixel or two along its run, widening its box, not its stroke
            if long_ < length or across > 3 * thick or int(stats[i, 4]) / long_ > thick:
                continue
            if any(bx0 <= x and by0 <= y and x + w <= bx1 and y + h <= by1 for bx0, by0, bx1, by1 in boxes):
                continue
            if long_ < 1.6 * char_h and any(bx0 - 2 <= x and by0 - 2 <= y and x + w <= bx1 + 2 and y + h <= by1 + 2
                                            for bx0, by0, bx1, by1 in lines or ()):
                continue
            if horizontal:
                out.append((True, y + h / 2, float(x), float(x + w)))
            else:
                out.append((False, x + w / 2, float(y), float(y + h)))
    return out
