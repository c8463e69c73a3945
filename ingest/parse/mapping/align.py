"""Align printed rows of values with the template's row order.

Most reports label every row and the labels decide alone (the fast path). PDF text and damaged
copies leave rows of numbers whose label sits on a neighbouring line or was garbled; there the
order of the template decides, with the label evidence as scores: a monotone matching (rows
and template keys both keep their printed order) maximising the number of matched rows plus
their label scores. A row whose own label clearly names another key is never forced onto a
key it does not name, and a row whose own label names a key no other row names takes that key
even when printed out of the template's order.
"""

from __future__ import annotations

STRONG = 2.0  # an own label at least this good forbids matching any other key


class Item:
    """One printed row of values and what its labels say about it."""

    __slots__ = ("candidates", "own_score", "before")

    def __init__(self) -> None:
        self.candidates: dict[str, float] = {}  # template key → label score
        self.own_score = 0.0  # best score from the row's own label (0: none printed/readable)
        self.before: list[str] = []  # label-only rows printed just above it (wrapped labels)

    def best(self) -> str | None:
        c = self.candidates
        if len(c) == 1:
            for key in c:
                return key
        if not c:
            return None
        return max(c, key=c.__getitem__)


def align(items: list[Item], expected: list[str]) -> list[str | None]:
    """The template key of each item (None: matched nothing), keys used at most once."""
    fast = _fast_path(items, expected)
    if fast is not None:
        return fast
    # A row whose own label names a key no other row names takes it, wherever it is printed
    # (a publisher may print rows out of the template's order); the order then places the rest.
    wanted = set(expected)
    keys = [it.best() if it.own_score >= STRONG else None for it in items]
    seen: dict[str, int] = {}
    for k in keys:
        if k is not None:
            seen[k] = seen.get(k, 0) + 1
    out: list[str | None] = [None] * len(items)
    used = set()
    for i, k in enumerate(keys):
        if k is not None and seen[k] == 1 and k in wanted:
            out[i] = k
            used.add(k)
    rest = [i for i, k in enumerate(out) if k is None]
    if rest:
        sub = _dp([items[i] for i in rest], [k for k in expected if k not in used])
        for i, k in zip(rest, sub):
            out[i] = k
    return out


_POSITIONS: dict[tuple[str, ...], dict[str, int]] = {}


def _fast_path(items: list[Item], expected: list[str]) -> list[str | None] | None:
    # the template orders are few: their key → position maps are kept
    order = tuple(expected)
    position = _POSITIONS.get(order)
    if position is None:
        position = {k: i for i, k in enumerate(expected)}
        if len(_POSITIONS) < 1_000:
            _POSITIONS[order] = position
    out: list[str | None] = []
    last = -1
    for it in items:
        if it.own_score < STRONG:
            return None
        key = it.best()
        pos = position.get(key)  # type: ignore[arg-type]
        if pos is None or pos <= last:
            return None
        out.append(key)
        last = pos
    return out


def _score(it: Item, key: str) -> float:
    s = it.candidates.get(key)
    if s is not None:
        return 1.0 + s
    if it.own_score >= STRONG:
        return -100.0  # its own label names another row
    if it.candidates:
        return 0.25  # neighbouring labels point elsewhere: possible, but a weak choice
    return 1.0  # nothing printed: position only


def _dp(items: list[Item], expected: list[str]) -> list[str | None]:
    n, m = len(items), len(expected)
    # best[i][j]: best score aligning items[:i] with expected[:j]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]  # 0 skip item, 1 skip key, 2 match
    for i in range(1, n + 1):
        best[i][0] = 0.0
        move[i][0] = 0
    for j in range(1, m + 1):
        move[0][j] = 1
    for i in range(1, n + 1):
        it = items[i - 1]
        row, prev = best[i], best[i - 1]
        mv = move[i]
        for j in range(1, m + 1):
            b, k = prev[j], 0
            if row[j - 1] > b:
                b, k = row[j - 1], 1
            s = prev[j - 1] + _score(it, expected[j - 1])
            if s > b:
                b, k = s, 2
            row[j] = b
            mv[j] = k
    out: list[str | None] = [None] * n
    i, j = n, m
    while i > 0 and j > 0:
        k = move[i][j]
        if k == 2:
            out[i - 1] = expected[j - 1]
            i, j = i - 1, j - 1
        elif k == 1:
            j -= 1
        else:
            i -= 1
    return out
