"""Finding the tables and their rows in text whose cells ran together.

Everything is found by the template's own fixed labels (ingest/templates.yaml), searched in
template order from a cursor, in a copy of the text with the characters labels never depend on
removed (whitespace, quotes, punctuation — templates.normalise, one character at a time so every
position maps back to the printed text). So `1.属于国家秘密00000002.其他法律…`, `自 然 人`,
`危及“三安全一稳定”` and page chrome or leaked CSS between the rows are all read the same way;
a row label that is not printed (or printed with a typo) leaves its row out, and the mapper
reports it as not found.

The printed digits of a row are the first run of value characters after its label and before the
next row's label, minus the next row's own item number (`…00000002.其他法律…`: the `2.` belongs
to the next label).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from ingest import templates

_NOISE_CHAR = templates.NOISE  # the characters label matching ignores
# A run of value characters: digits, whitespace, signs, decimal points, printed null marks.
_RUN = re.compile(r"[0-9/／—－+\-][0-9/／—－+\-.\s]*")
_NUMBERED_HEADING = "一二三四五六"


class Text:
    """A string with a label-matching copy (`norm`) whose positions map back (`pos`)."""

    def __init__(self, raw: str):
        # NFKC one character at a time (full-width digits → ASCII) keeps positions aligned.
        chars = []
        for ch in raw:
            if ch.isascii():
                chars.append(ch)
            else:
                n = unicodedata.normalize("NFKC", ch)
                chars.append(n if len(n) == 1 else ch)
        self.text = "".join(chars)
        norm: list[str] = []
        pos: list[int] = []
        for i, ch in enumerate(self.text):
            if not _NOISE_CHAR.fullmatch(ch):
                norm.append(ch)
                pos.append(i)
        self.norm = "".join(norm)
        self.pos = pos

    def find(self, label: str, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
        """(start, end) in `text` of the first occurrence of a normalised label at or after the
        text position `start` (and ending before `end`), or None."""
        k0 = _bisect(self.pos, start)
        k = self.norm.find(label, k0)
        if k < 0:
            return None
        s, e = self.pos[k], self.pos[k + len(label) - 1] + 1
        if end is not None and e > end:
            return None
        return s, e


def _bisect(pos: list[int], x: int) -> int:
    lo, hi = 0, len(pos)
    while lo < hi:
        mid = (lo + hi) // 2
        if pos[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@dataclass
class RowRun:
    key: str
    label: str  # the label as printed
    run: str  # the printed value characters of the row, as printed ("" when none)
    start: int  # where the row label starts in the text
    anchored: bool = True  # the digits follow the label directly (see value_run)


# What may stand between a label and its digits: punctuation, quotes, and one parenthesised
# continuation of the label (（区分处理的，只计这一情形，不计其他情形）). Anything else — another
# label, a group header — means the text's order is not the table's (PDF text of wrapped labels):
# the digits that follow are then not known to be this row's.
_GAP = re.compile(r"^[\s\W_]*(?:[（(][^）)]{0,40}[）)])?[\s\W_]*$")


def value_run(region: str, next_number: str | None) -> tuple[str, bool]:
    """(the printed digits of one row, whether they follow its label directly) from the text
    between its label and the next one."""
    if next_number and next_number.isdigit():
        region = re.sub(rf"{next_number}\s*[.．、]\s*$", "", region.rstrip())
    first_marks = None
    for m in _RUN.finditer(region):
        run = m.group(0).strip()
        if any(c.isdigit() for c in run):
            return run, bool(_GAP.match(region[:m.start()]))
        if first_marks is None and run and run not in ("-", "+"):
            first_marks = (run, bool(_GAP.match(region[:m.start()])))
    return first_marks or ("", True)


@functools.cache
def _t3_rows(shape: str):
    t = templates.load()
    return [r for r in t.table3_rows if not r.optional and r.shape in (None, shape)]


def _labels(zh: str, variants: tuple[str, ...] = ()) -> list[str]:
    out = [templates.normalise(x) for x in (zh, *variants)]
    return sorted({x for x in out if x}, key=len, reverse=True)


def locate_rows(text: Text, rows: list[tuple[str, list[str], str | None]],
                start: int = 0) -> list[RowRun]:
    """rows: (key, normalised labels, item number) in printed order → the rows found, in order.

    A row whose label is not found after the cursor is skipped (the next one is still searched
    from the same cursor, so one typo costs one row, not the table).
    """
    found: list[tuple[str, int, int, str | None]] = []
    cursor = start
    for key, labels, number in rows:
        best = None
        for lab in labels:
            hit = text.find(lab, cursor)
            if hit is not None and (best is None or hit[0] < best[0]):
                best = hit
        if best is None:
            continue
        found.append((key, best[0], best[1], number))
        cursor = best[1]
    out: list[RowRun] = []
    for i, (key, s, e, _num) in enumerate(found):
        nxt = found[i + 1] if i + 1 < len(found) else None
        region = text.text[e: nxt[1] if nxt else len(text.text)]
        run, anchored = value_run(region, nxt[3] if nxt else None)
        out.append(RowRun(key, text.text[s:e], run, s, anchored))
    return out


def table2_rows(text: Text, template: str) -> list[RowRun]:
    t = templates.load()
    spec = [(r.key, _labels(r.zh, r.variants), None) for r in t.table2_rows(template)]
    return locate_rows(text, spec)


def table3_shape(text: Text) -> str:
    t = templates.load()
    three = [r for r in t.table3_rows if r.shape == "three_rows" and r.key != "other_other"]
    if any(text.find(lab) for r in three for lab in _labels(r.zh, r.variants)):
        return "three_rows"
    return "one_row"


def table3_subtotals(text: Text) -> tuple[bool, list[str]]:
    """The local 28 × 8 variant: (a 小计 column printed in the header, the subtotal rows printed
    — 不予公开小计 …, found by their own full labels)."""
    t = templates.load()
    first = min((h[0] for r in t.table3_rows[:1] for lab in _labels(r.zh, r.variants)
                 if (h := text.find(lab)) is not None), default=None)
    head = text.find("小计", 0, first) if first is not None else None
    rows = [r.key for r in t.table3_rows if r.subtotal
            and any(text.find(lab) for lab in _labels(r.zh, r.variants))]
    return head is not None, rows


def table3_rows(text: Text, shape: str, subtotals: tuple[str, ...] = ()) -> list[RowRun]:
    t = templates.load()
    rows = [r for r in t.table3_rows if r.shape in (None, shape)
            and (not r.optional or r.key in subtotals)]
    spec = [(r.key, _labels(r.zh, r.variants), r.number) for r in rows]
    return locate_rows(text, spec)


def table4_run(text: Text) -> tuple[str, bool]:
    """(the printed digits of table 4, whether its 总计 columns are printed)."""
    t = templates.load()
    words = [templates.normalise(c.zh) for c in t.table4_columns]
    words += [templates.normalise(g["zh"]) for g in t.table4_groups]
    last = 0
    has_total = False
    for w in words:
        k = 0
        while True:
            hit = text.find(w, k)
            if hit is None:
                break
            last = max(last, hit[1])
            k = hit[1]
            if w == "总计":
                has_total = True
    return value_run(text.text[last:], None)[0], has_total


def template_of(text: Text) -> str | None:
    """The table-2 template its printed column headers name (None when neither or both)."""
    t = templates.load()
    hits = {tid: sum(1 for m in marks if templates.normalise(m) in text.norm)
            for tid, marks in t.template_markers().items()}
    best = max(hits.values())
    winners = [k for k, v in hits.items() if v == best]
    return winners[0] if best and len(winners) == 1 else None


@functools.cache
def _headings() -> list[tuple[str, str, str]]:
    """(number, normalised heading, section key) of every numbered section heading."""
    t = templates.load()
    out = []
    for s in t.sections:
        for h in [s["zh"], *s.get("variants", [])]:
            out.append((s["number"], templates.normalise(h), s["key"]))
    return sorted(out, key=lambda x: -len(x[1]))


def heading_spans(line: str) -> list[tuple[int, int, str]]:
    """(start, end, section key) of each numbered section heading run into a line of text
    ("…申请情况 二、主动公开政府信息情况第二十条…"), in order, one per section."""
    text = Text(line)
    found: dict[str, tuple[int, int]] = {}
    for number, heading, key in _headings():
        if key in found:
            continue
        k = 0
        while True:
            k = text.norm.find(heading, k)
            if k < 0:
                break
            if k > 0 and text.norm[k - 1] == number:
                found[key] = (text.pos[k - 1], text.pos[k + len(heading) - 1] + 1)
                break
            k += 1
    return sorted((s, e, key) for key, (s, e) in found.items())
