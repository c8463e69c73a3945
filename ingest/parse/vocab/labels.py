"""Printed label → template key, built once from templates.yaml.

Labels are compared in normalised form (`templates.normalise`) with their item numbering
stripped ("（三）", "2.", "四、"), so 规范性文件 / 行政规范性文件, full-width brackets and stray
spaces all meet the same key. A match carries a score the mapper uses to align rows:
exact 3, the label holds a known label 2, the label is the start of a known label (wrapped
onto the next line) 1.5, near miss (shared character pairs, e.g. a PDF text layer that dropped
characters: 其他法律行政止公开) 1.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ingest import templates

EXACT, CONTAINS, PREFIX, FUZZY = 3.0, 2.0, 1.5, 1.0

# Item numbering in front of a label; a PDF text line may carry one character of a vertical
# label (三、本年度办理结果 printed one character per line) in front of it: "本 3.危及…".
_NUMBERING = re.compile(
    r"^\s*(?:[\u4e00-\u9fff、]\s+(?=[\d（(]))?"
    r"(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*([一二三四五六七八九十]{1,3})\s*[)）]|(\d{1,2})\s*[.．、](?!\d))\s*")


@dataclass(frozen=True)
class Label:
    printed: str
    norm: str  # normalised, numbering stripped
    number: str | None  # "六" for （六）, "3" for 3.


@functools.lru_cache(maxsize=8192)
def label(printed: str) -> Label:
    """Printed label → Label. Cached: the same few hundred labels recur in every report."""
    text = printed
    number = None
    # Strip up to two levels of numbering: "（三）不予公开 1.属于国家秘密" keeps its inner item.
    for _ in range(2):
        m = _NUMBERING.match(text)
        if not m or m.end() == 0:
            break
        number = m.group(1) or m.group(2) or number
        text = text[m.end():]
    return Label(printed, templates.normalise(text), number)


class LabelIndex:
    """Known labels of one kind (table-3 rows, table-2 columns, …) → key."""

    def __init__(self, entries: list[tuple[str, str]], *, min_contains: int = 3):
        self.exact: dict[str, str] = {}
        for text, key in entries:
            self.exact.setdefault(templates.normalise(text), key)
        # Longest first, so "行政规范性文件" wins over "规范性文件" and "属于国家秘密" over "不予公开".
        self.long = sorted(((n, k) for n, k in self.exact.items() if len(n) >= min_contains),
                           key=lambda p: -len(p[0]))
        self._bigrams = {n: _bigrams(n) for n, _ in self.long}
        self._cache: dict[tuple[str, bool], tuple[str | None, float]] = {}
        # printed text → match of its normalised label, one dict per fuzzy setting
        self._printed: dict[bool, dict[str, tuple[str | None, float]]] = {True: {}, False: {}}

    def match(self, norm: str, *, fuzzy: bool = True) -> tuple[str | None, float]:
        # Cached per index: the same printed labels recur in every report.
        hit = self._cache.get((norm, fuzzy))
        if hit is None:
            hit = self._match(norm, fuzzy)
            if len(self._cache) < 20_000:
                self._cache[(norm, fuzzy)] = hit
        return hit

    def match_printed(self, printed: str, *, fuzzy: bool = True) -> tuple[str | None, float]:
        """`match(label(printed).norm)`, cached by the printed text."""
        cache = self._printed[fuzzy]
        hit = cache.get(printed)
        if hit is None:
            hit = self.match(label(printed).norm, fuzzy=fuzzy)
            if len(cache) < 20_000:
                cache[printed] = hit
        return hit

    def _match(self, norm: str, fuzzy: bool) -> tuple[str | None, float]:
        if not norm:
            return None, 0.0
        key = self.exact.get(norm)
        if key is not None:
            return key, EXACT
        for known, key in self.long:
            if known in norm:
                return key, CONTAINS
        if len(norm) >= 4:
            hits = {k for known, k in self.long if known.startswith(norm)}
            if len(hits) == 1:
                return hits.pop(), PREFIX
        if fuzzy and len(norm) >= 4:
            grams = _bigrams(norm)
            best, best_key = 0.0, None
            for known, key in self.long:
                kg = self._bigrams[known]
                if not kg:
                    continue
                score = 2 * len(grams & kg) / (len(grams) + len(kg))
                if score > best:
                    best, best_key = score, key
            if best >= 0.55:
                return best_key, FUZZY
        return None, 0.0

    def find_all(self, norm: str) -> list[tuple[int, str]]:
        """(position, key) of every known label occurring in `norm`, in printed order."""
        out = []
        taken: list[tuple[int, int]] = []
        for known, key in self.long:
            start = norm.find(known)
            while start >= 0:
                end = start + len(known)
                if not any(s < end and start < e for s, e in taken):
                    taken.append((start, end))
                    out.append((start, key))
                start = norm.find(known, end)
        return sorted(out)


def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


@dataclass(frozen=True)
class Indexes:
    table2_rows: LabelIndex
    table2_columns: dict[str, LabelIndex]  # per template
    table3_rows: LabelIndex
    table3_groups: LabelIndex
    table3_columns: LabelIndex
    table4_groups: LabelIndex
    table4_columns: LabelIndex
    table4_parent: str  # 行政诉讼, the header over the two litigation groups
    markers: dict[str, list[str]]  # template → normalised marker labels
    # For sorting blocks the front end could not place: labels only one table prints.
    anchors: dict[str, LabelIndex]


@functools.cache
def indexes() -> Indexes:
    t = templates.load()
    t2_rows: list[tuple[str, str]] = []
    t2_cols: dict[str, LabelIndex] = {}
    for tid in t.template_ids:
        for row in t.table2_rows(tid):
            t2_rows += [(row.zh, row.key)] + [(v, row.key) for v in row.variants]
        cols = t.table2_columns(tid)
        t2_cols[tid] = LabelIndex(
            [(c.zh, k) for k, c in cols.items()] + [(v, k) for k, c in cols.items() for v in c.variants],
            min_contains=4)
    t3_rows = []
    for row in t.table3_rows:
        t3_rows += [(row.zh, row.key)] + [(v, row.key) for v in row.variants]
    groups = [(g["zh"], g["key"]) for g in t.outcome_groups]
    t3_cols = [(c.zh, c.key) for c in t.table3_columns] + [(v, c.key) for c in t.table3_columns
                                                          for v in c.variants]
    t4_groups = [(g["zh"], g["key"]) for g in t.table4_groups]
    t4_cols = [(c.zh, c.key) for c in t.table4_columns]
    anchors = {
        "table2": LabelIndex([(r, k) for r, k in t2_rows] + [("第二十条", "block")], min_contains=4),
        "table3": LabelIndex([(r, k) for r, k in t3_rows if len(templates.normalise(r)) >= 4]
                             + [("申请人情况", "header")], min_contains=6),
        "table4": LabelIndex(t4_groups + [("行政诉讼", "parent")], min_contains=5),
    }
    return Indexes(
        table2_rows=LabelIndex(t2_rows, min_contains=4),
        table2_columns=t2_cols,
        table3_rows=LabelIndex(t3_rows, min_contains=4),
        table3_groups=LabelIndex(groups, min_contains=4),
        table3_columns=LabelIndex(t3_cols, min_contains=99),  # headers match exactly
        table4_groups=LabelIndex(t4_groups, min_contains=4),
        table4_columns=LabelIndex(t4_cols, min_contains=4),
        table4_parent=templates.normalise("行政诉讼"),
        markers=t.template_markers(),
        anchors=anchors,
    )
