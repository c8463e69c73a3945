"""Tables printed without rules: rows read from their text lines, every number placed in its
column by where it stands, or left null with a warning when it cannot be placed for certain.

Flattened text only says "label n n n": a row that leaves a cell blank prints fewer numbers,
and reading them left to right would shift every later value into the wrong column. So table 3
is read by position (placed_rows) and by geometry where labels wrap around their numbers
(_geometric_rows); table 4 only when it prints a number in every column (table4_rows).
"""

from __future__ import annotations

import re
import statistics

from ingest.parse.glued import digits
from ingest.parse.page.lines import Line, chars_to_text, gapped_tokens, join_pieces, token
from ingest.parse.rows import rows_from_cells, split_line


def gapped_text(line: Line) -> str:
    """A line of a table drawn without rules: wide gaps separate cells, so they stay spaces."""
    return chars_to_text(line.chars, keep_gaps=True)


TOL = 2.0  # points: how far a digit may stand outside where the complete rows print its column


def placed_rows(lines: list[Line], doc_warnings: list[str]) -> list[list[str]]:
    """Rows of a table printed without rules, every number placed in its column by position.

    Flattened text only says "label n n n": a row that leaves a cell blank prints fewer numbers,
    and reading them left to right shifts every later value into the wrong column. The columns
    are where the rows printing a number in every column put them (the centre of each column's
    numbers over those rows); a shorter row's digits are placed by where they stand, the
    missing positions read as printed blanks, and numbers of neighbouring columns set so close
    that they read as one ("0 00") are cut where the column changes. A digit not clearly
    nearer one column than its neighbour, two numbers in one column, or fewer than two complete
    rows to learn the columns from: the row's columns cannot be placed with certainty, so its
    values are left blank and a warning says so — never shifted.
    """
    parsed = []
    for line in lines:
        tokens = gapped_tokens(line.chars)
        label, values = split_line(" ".join(t for t, _, _ in tokens))
        vals = tokens[len(tokens) - len(values):] if values else []
        parsed.append((label, vals, line))
    # Table 3 has 7 columns (自然人, five kinds of 法人或其他组织, 总计), 8 when it prints 小计.
    first_values = next((i for i, (_, v, _) in enumerate(parsed) if v), len(parsed))
    width = 8 if any("小计" in ln.text for ln in lines[:first_values]) else 7
    full = [v for _, v, _ in parsed if len(v) == width]
    if not full and len({len(v) for _, v, _ in parsed if v}) == 1:
        width = 0  # every row prints as many numbers (a part of table 3): nothing to place
    # A table split in two (its continuation printed with fewer label columns, so wider number
    # columns) puts its numbers elsewhere below the split: the columns are learnt per part.
    part_of = _parts(parsed, width) if width > 1 else [0] * len(parsed)
    geometry: dict[int, tuple] = {}  # part → (centres, extents)
    for part in sorted(set(part_of)):
        pfull = [v for (_, v, _), q in zip(parsed, part_of) if q == part and len(v) == width]
        if width > 1 and len(pfull) >= 2:
            c = [statistics.median((v[i][1] + v[i][2]) / 2 for v in pfull) for i in range(width)]
            e = [(min(v[i][1] for v in pfull) - TOL, max(v[i][2] for v in pfull) + TOL) for i in range(width)]
            if all(c[i + 1] - c[i] >= 3.0 for i in range(width - 1)):
                geometry[part] = (c, e)  # else columns on top of each other: positions decide nothing
    if width > 1 and 0 not in geometry and first_values < len(parsed):
        # No complete rows to learn the columns from (a publisher who leaves not-applicable
        # cells blank): the header's own words name them, each centred over its column.
        left = min(v[0][1] for _, v, _ in parsed if v)
        found = header_columns(lines[:first_values], width, left)
        if found is not None:
            geometry[0] = found
    centres = next(iter(geometry.values()))[0] if geometry else None
    placed_texts: list[list[str]] = []
    for (label, vals, line), part in zip(parsed, part_of):
        texts = [t for t, _, _ in vals]
        if vals and len(vals) < width:
            placed = _place(vals, line, *geometry[part]) if part in geometry else None
            what = label or " ".join(texts)
            if placed is None:
                placed = digits_reading(texts, width)
                if placed is not None:
                    doc_warnings.append(
                        f"table3 (pdf page {line.page}): the row {what!r} prints its numbers too close "
                        f"to place ({' '.join(texts)!r}); read as {' '.join(placed)}, the only cut "
                        "of its digits into its cells whose row total adds up (ingest/parse/glued)")
            if placed is None:
                doc_warnings.append(
                    f"table3 (pdf page {line.page}): the row {what!r} prints {len(vals)} numbers for "
                    f"{width} columns and their columns cannot be told by position; its values are left null")
                texts = [""] * width
            else:
                texts = placed
        placed_texts.append(texts)
    if centres:
        # a part with too few complete rows to learn its columns from: its numbers start
        # where its rows' first numbers do (its short rows were left null above)
        firsts: dict[int, float] = {}
        for (_, vals, _), part in zip(parsed, part_of):
            if vals and part not in geometry:
                firsts[part] = min(firsts.get(part, vals[0][1]), vals[0][1]) - TOL
        lefts = [geometry[part][1][0][0] if part in geometry else firsts.get(part, 0.0) for part in part_of]
        return _geometric_rows(parsed, placed_texts, lefts, doc_warnings)
    cells: list[tuple[str, list[str]]] = []
    for (label, vals, line), texts in zip(parsed, placed_texts):
        if vals and _is_subtotal(label):
            doc_warnings.append(_subtotal_warning(label, line))
            texts = [""] * len(texts)
        cells.append((label, texts))  # texts is empty exactly when the line printed no value
    return rows_from_cells(cells)


HEADER_SLACK = 0.3  # a digit placed by a header's words stands within this share of the column pitch


def header_columns(header: list[Line], width: int, left: float) -> tuple[list[float], list[tuple[float, float]]] | None:
    """The columns of a borderless table named by its header words: `width` columns right of
    `left` (where its first numbers start), or None when the words do not name exactly that
    many. A word over several columns (法人或其他组织 over its five) overlaps two words that do
    not overlap each other and names none; words stacked over one another (商业 / 企业, a
    label wrapped in its cell) name one column, centred where they are. Each column's extent
    for `_place` reaches `HEADER_SLACK` of the distance to its neighbours' centres, or its
    header words' own span (± TOL) where that is wider: a number printed away from its
    header is not placed by it."""
    toks = [(t, a, b) for ln in header for t, a, b in _header_words(ln) if b > left]

    def over(p: tuple, q: tuple) -> bool:
        return p[1] < q[2] and q[1] < p[2]

    leaves = [p for p in toks if not any(over(p, q) and over(p, r) and not over(q, r)
                                         for q in toks for r in toks if q is not p and r is not p)]
    groups = _label_groups(leaves)  # words stacked over one another: one column
    if len(groups) != width:
        return None
    spans = sorted((min(q[1] for q in g), max(q[2] for q in g)) for g in groups)
    if any(b1 > a2 for (_, b1), (a2, _) in zip(spans, spans[1:])):
        return None
    centres = [(a + b) / 2 for a, b in spans]
    gaps = [b - a for a, b in zip(centres, centres[1:])]
    if not gaps or min(gaps) < 3.0:
        return None
    extents = []
    for i, (c, (a, b)) in enumerate(zip(centres, spans)):
        lo = gaps[i - 1] if i > 0 else gaps[0]
        hi = gaps[i] if i < len(gaps) else gaps[-1]
        extents.append((min(c - HEADER_SLACK * lo, a - TOL), max(c + HEADER_SLACK * hi, b + TOL)))
    return centres, extents


def _header_words(line: Line) -> list[tuple[str, float, float]]:
    """A header line's words: its gapped tokens, cut again wherever two characters do not touch
    (more than half a point apart). A word's characters are set edge to edge; the header words
    of neighbouring narrow columns can stand a point apart (LibreOffice: 自然人 商业 科研).
    Not so the characters whose boxes a recogniser estimated (they carry its score, `conf`):
    OCR leaves gaps inside a word (企 业), so its words are the gapped tokens — cut in two,
    商业 over 企 and 业 would read as a word over two columns and name none."""
    out: list[tuple[str, float, float]] = []
    for t, a, b in gapped_tokens(line.chars):
        chars = sorted((c for c in line.chars if a <= (c["x0"] + c["x1"]) / 2 <= b and not c["text"].isspace()),
                       key=lambda c: c["x0"])
        word: list[dict] = []
        for c in chars:
            if word and c["x0"] - word[-1]["x1"] > 0.5 and c.get("conf") is None:
                out.append(("".join(w["text"] for w in word), word[0]["x0"], max(w["x1"] for w in word)))
                word = []
            word.append(c)
        if word:
            out.append(("".join(w["text"] for w in word), word[0]["x0"], max(w["x1"] for w in word)))
    return out


def digits_reading(texts: list[str], width: int) -> list[str] | None:
    """A row whose numbers ran together ("1 00 0 00 1") read by the glued-text decoder's digit
    cutter (ingest/parse/glued): every way to cut its digits into `width` cells, kept only when
    exactly one of them satisfies the row's own arithmetic (总计 = 自然人 + the five 法人 kinds;
    with 小计: 小计 = the five, 总计 = 自然人 + 小计). A blank cell leaves too few digits or
    breaks the sum; several readings or none: None (the row stays null)."""
    found = digits.readings(digits.tokens(" ".join(texts)), ["count"] * width)
    if not found:
        return None

    def adds_up(cut: tuple[str, ...]) -> bool:
        v = [int(x) for x in cut]
        if width == 7:
            return v[6] == sum(v[:6])
        if width == 8:
            return v[6] == sum(v[1:6]) and v[7] == v[0] + v[6]
        return False

    try:
        good = [cut for cut in found if adds_up(cut)]
    except ValueError:  # a null mark among the digits
        return None
    return list(good[0]) if len(good) == 1 else None


def _is_subtotal(label: str) -> bool:
    return re.sub(r"\s+", "", label) in ("小计", "合计")


def _subtotal_warning(label: str, line: Line) -> str:
    # Which group a subtotal closes or opens is said only by the group label beside it, and in
    # flattened text that label stands centred in the middle of its rows.
    return (f"table3 (pdf page {line.page}): a {label} row prints no group label beside it, so "
            "which group it sums is not certain; its values are left null")


def _parts(parsed: list, width: int, shift: float = 6.0) -> list[int]:
    """Each line's part of a table split in two: a new part starts at a complete row whose
    first number stands more than `shift` points from where the previous complete rows put
    it, and takes the lines after the last row of numbers of the part before."""
    part_of = [0] * len(parsed)
    part, x_first, last_values = 0, None, -1
    for i, (_, vals, _) in enumerate(parsed):
        if len(vals) == width:
            x = (vals[0][1] + vals[0][2]) / 2
            if x_first is not None and abs(x - x_first) > shift:
                part += 1
                for k in range(last_values + 1, i):
                    part_of[k] = part
            x_first = x
        if vals:
            last_values = i
        part_of[i] = part
    return part_of


LEAN = 0.25  # share of `reach`: a label line nearer one row by less than this may be the other's


def _geometric_rows(parsed: list, placed_texts: list[list[str]], lefts: list[float],
                    doc_warnings: list[str]) -> list[list[str]]:
    """Rows of a borderless table whose labels wrap: a label is printed over several lines
    around its row's numbers ("1.属于国家" / 1 0 0 … / "秘密"), and a group label stands
    centred beside its rows. Each line of label text (left of the numbers) goes to the row of
    numbers nearest to it on its page; a line about as near to two rows belongs to neither
    with certainty, so both rows' values are left null. A row's label pieces that overlap
    horizontally are one cell (its own label, or a group label beside it), read top to bottom.
    Lines that reach into the number columns (the header) stay rows of their own."""
    value_lines = [i for i, (_, vals, _) in enumerate(parsed) if vals]
    heights = sorted(parsed[i][2].bottom - parsed[i][2].top for i in value_lines)
    reach = 2.0 * heights[len(heights) // 2] if heights else 0.0
    pieces: dict[int, list[tuple[str, float, float, float]]] = {i: [] for i in value_lines}
    uncertain: set[int] = set()
    own_line: list[object] = []  # rows in reading order: value line index, or a kept line
    between = []  # label lines as near to two rows of numbers
    leaning = []  # label lines only a little nearer one row than the next
    loose: list[tuple] = []  # their pieces when no row takes them
    for i, (label, vals, line) in enumerate(parsed):
        left = lefts[i]  # where the numbers of this line's part of the table start
        label_chars = [c for c in line.chars if c["x1"] <= left + 0.5 and not c["text"].isspace()]
        if vals:
            pieces[i].extend(_label_pieces(label_chars, line))
            own_line.append(i)
            continue
        if not label or any(c["x1"] > left + 0.5 for c in line.chars if not c["text"].isspace()):
            own_line.append(label)  # header or a note across the table
            continue
        mid = (line.top + line.bottom) / 2
        near = sorted((abs((parsed[j][2].top + parsed[j][2].bottom) / 2 - mid), j) for j in value_lines
                      if parsed[j][2].page == line.page)
        if not near or near[0][0] > reach:
            own_line.append(("far", _label_pieces(label_chars, line), line, label))  # see `_far_labels`
            continue
        if len(near) > 1 and near[1][0] - near[0][0] < 2.0:
            between.append((_label_pieces(label_chars, line), near[0][1], near[1][1], label, line))
            continue
        if len(near) > 1 and near[1][0] - near[0][0] < LEAN * reach:
            entry = ["lean", _label_pieces(label_chars, line), line, near[0][1]]
            leaning.append((entry[1], near[0][1], near[1][1], entry))
            own_line.append(entry)  # its row set below; may be moved by `_far_labels`
            continue
        ps = _label_pieces(label_chars, line)
        pieces[near[0][1]].extend(ps)
        own_line.append(("near", ps, line, near[0][1]))  # may be moved by `_far_labels`
    for ps, a, b, entry in leaning:
        # Nearer one row than the other, but not by much (a label wrapped over three lines
        # whose first line stands closer to the row above): the other row takes it only when
        # its label block is centred on its numbers with this line (and the other such lines
        # around it) and the nearer row's would not be; else the nearer row, as before.
        around = {j: [q for e in leaning if j in e[1:3] for q in e[0]] for j in (a, b)}
        if (_centred_with(around[b], pieces[b], parsed[b][2])
                and not _centred_with(around[a], pieces[a], parsed[a][2])
                and not _centred_with(ps, pieces[a], parsed[a][2])):
            a = b
        pieces[a].extend(ps)
        entry[3] = a
    for ps, a, b, label, line in between:
        # A label is centred on its row's numbers: of the two rows, the one whose label block
        # stays centred on its numbers with this line added takes it, if only one does.
        fits = [j for j in (a, b) if _centred_with(ps, pieces[j], parsed[j][2])]
        if len(fits) != 1:
            # two such lines around one row (a label of several lines): tried together
            fits = [j for j in (a, b) if _centred_with(
                [q for e in between if j in e[1:3] for q in e[0]], pieces[j], parsed[j][2])]
        if len(fits) == 1:
            pieces[fits[0]].extend(ps)
            continue
        # A group label centred over an even number of rows stands between two of them; it
        # is no part of either row's own label if it shares no column with what they print.
        loose.extend(ps)  # kept for telling groups apart (_subtotal_group)
        if any(p[1] < q[2] and q[1] < p[2] for p in ps for j in (a, b) for q in _own_label(pieces[j])):
            uncertain.update((a, b))
            doc_warnings.append(f"table3 (pdf page {line.page}): the label text {label!r} stands as near "
                                "to two rows of numbers; both rows' values are left null")
    _far_labels(own_line, pieces, parsed)
    rows: list[list[str]] = []
    for item in own_line:
        if isinstance(item, (tuple, list)):
            if item[0] != "far":
                continue
            item = item[3]
        if isinstance(item, str):
            rows.append([item])
            continue
        labels = _label_cells(pieces[item])
        texts = placed_texts[item]
        line = parsed[item][2]
        if item in uncertain:
            texts = [""] * len(texts)
        elif labels and _is_subtotal(labels[-1]) and not any(_GROUP_LABEL.match(t) for t in labels[:-1]):
            group = _subtotal_group(item, [i for i in own_line if isinstance(i, int)], pieces, parsed, loose)
            if group is None:
                doc_warnings.append(_subtotal_warning(labels[-1], line))
                texts = [""] * len(texts)
            else:
                labels = [group, labels[-1]]
        rows.append([*labels, *texts])
    return rows


FAR_TRIES = 20_000  # label lines too far from any row: the most ways to share them out that are tried


def _far_labels(own_line: list, pieces: dict, parsed: list, tol: float = 3.0) -> None:
    """Label lines too far from every row of numbers to go to the nearest (a label wrapped over
    seven lines in a narrow column): on each page, the label lines between two rows where such
    a line stands — the far ones and the ones the nearer row took — are shared out again, the
    upper ones to the row above, the rest to the row below: the one way in which every row
    next to them keeps its own label (its rightmost label column) centred on its numbers,
    within `tol`. A line a little nearer one row than the other (`LEAN`) opens such a run too.
    A line sharing no column with either row's label (a group label between them) stays where
    it is; no way or several ways: every line of the page stays. When no way exists and the
    page's last row is followed by far lines to the foot of the page (its label runs on over
    the page break, so it cannot be centred), that row is left unchecked and takes them.
    `own_line` holds rows (int), ("far", pieces, line, label), ("near", pieces, line, row)
    and ["lean", pieces, line, row]."""
    def own_range(j: int, extra: list) -> tuple[float, float] | None:
        own = _own_label(pieces[j]) or _own_label(extra)
        return (min(q[1] for q in own), max(q[2] for q in own)) if own else None

    runs: list[tuple[int | None, int | None, list[int]]] = []  # (row above, row below, own_line positions)
    cut_rows: set[int] = set()  # last rows of a page whose label the page break cut: not centred
    k = 0
    while k < len(own_line):
        if not isinstance(own_line[k], (tuple, list)):
            k += 1
            continue
        start = k
        page = own_line[k][2].page
        while k < len(own_line) and isinstance(own_line[k], (tuple, list)) and own_line[k][2].page == page:
            k += 1
        if not any(own_line[p][0] in ("far", "lean") for p in range(start, k)):
            continue
        up = own_line[start - 1] if start > 0 else None
        down = own_line[k] if k < len(own_line) else None
        up = up if isinstance(up, int) and parsed[up][2].page == page else None
        down = down if isinstance(down, int) and parsed[down][2].page == page else None
        ranges = [r for r in (up is not None and own_range(up, []), down is not None and own_range(down, [])) if r]
        kept = [p for p in range(start, k)
                if any(q[1] < b and a < q[2] for q in own_line[p][1] for a, b in ranges)]
        if kept and (up is not None or down is not None):
            runs.append((up, down, kept))
            if down is None and up is not None and any(own_line[p][0] == "far" for p in kept):
                cut_rows.add(up)  # its label runs on past the foot of the page
    by_page: dict[int, list] = {}
    for run in runs:
        by_page.setdefault(own_line[run[2][0]][2].page, []).append(run)

    def centred(j: int, extra: list) -> bool:
        rng = own_range(j, extra)
        if rng is None:
            return True
        block = _own_label(pieces[j]) + [q for q in extra if q[1] < rng[1] and rng[0] < q[2]]
        if not block:
            return True
        line = parsed[j][2]
        return abs((min(q[3] for q in block) + max(q[4] for q in block)) / 2 - (line.top + line.bottom) / 2) <= tol

    def was(p: int) -> int | None:
        return own_line[p][3] if own_line[p][0] != "far" else None

    def bears(p: int, j: int | None, extra: dict) -> bool:
        """Whether line `p` shares a column with row `j`'s own label (else it moves nothing)."""
        rng = own_range(j, extra.get(j, [])) if j is not None else None
        return rng is not None and any(q[1] < rng[1] and rng[0] < q[2] for q in own_line[p][1])

    def take_near(page_runs: list, back: bool) -> None:
        for _, _, kept in page_runs:
            for p in kept:
                item = own_line[p]
                if item[0] != "far":
                    ids = {id(q) for q in item[1]}
                    pieces[item[3]][:] = [q for q in pieces[item[3]] if id(q) not in ids]
                    if back:
                        pieces[item[3]].extend(item[1])

    def ways(page_runs: list, exempt: set[int]) -> dict[tuple, tuple] | None:
        """Each way to share the page's runs out that keeps every row centred (rows in `exempt`
        unchecked, taking every line below them): line rows → split; None: too many to try."""
        options = [[len(kept)] if up in exempt and down is None else range(len(kept) + 1)
                   for up, down, kept in page_runs]
        total = 1
        for o in options:
            total *= len(o)
        if total > FAR_TRIES:
            return None
        found: dict[tuple, tuple] = {}
        for split in _product(options):
            extra: dict[int, list] = {}
            rows_of = [pj for run, cut in zip(page_runs, split) for pj in _shared(run, cut, own_line)]
            for p, j in rows_of:
                if j is not None:
                    extra.setdefault(j, []).extend(own_line[p][1])
            # a line bearing on no row's label it is given stays as it was
            rows_of = [(p, j if bears(p, j, extra) else was(p)) for p, j in rows_of]
            extra = {}
            for p, j in rows_of:
                if j is not None:
                    extra.setdefault(j, []).extend(own_line[p][1])
            if all(centred(j, ps) for j, ps in extra.items() if j not in exempt):
                found.setdefault(tuple(rows_of), split)
                if len(found) > 1:
                    break
        return found

    taken: set[int] = set()
    for page_runs in by_page.values():
        take_near(page_runs, back=False)
        found = ways(page_runs, set())
        if found is not None and not found and cut_rows:
            # a row whose label the page break cut cannot be centred: tried again without it
            found = ways(page_runs, cut_rows)
        if not found or len(found) != 1:
            take_near(page_runs, back=True)
            continue
        for p, j in next(iter(found)):
            if j is not None:
                pieces[j].extend(own_line[p][1])
                taken.add(p)
    own_line[:] = [item for p, item in enumerate(own_line) if p not in taken]


def _shared(run: tuple, cut: int, own_line: list) -> list[tuple[int, int | None]]:
    """(own_line position, row it goes to) for each line of a run of label lines cut at `cut`:
    above the cut to the row above, below it to the row below. A run with a row on one side
    only (at the top or foot of a page) gives that row the lines next to it; the others stay
    where they were (a line the nearer row took goes back to it; a far line stays a line)."""
    up, down, kept = run
    out = []
    for n, p in enumerate(kept):
        j = up if n < cut else down
        if j is None and own_line[p][0] != "far":
            j = own_line[p][3]
        out.append((p, j))
    return out


def _product(options: list) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = [()]
    for o in options:
        out = [t + (x,) for t in out for x in o]
    return out


_GROUP_LABEL = re.compile(r"^[（(][一二三四五六七][）)]")


_NUMBERED = re.compile(r"^(\d+)\s*[.．、]")


def _subtotal_group(item: int, order: list[int], pieces: dict, parsed: list,
                    loose: list[tuple]) -> str | None:
    """The group a 小计 row sums, from where its group label stands: a group label is centred
    on its group's rows, and a 小计 row either opens its group (小计, 1., 2., …) or closes it
    (…, 2., 小计). The hypothesis whose rows a printed group label is centred on (within under
    a third of a row's height) decides it; both or neither: None (the row stays null)."""
    def own(i: int) -> list[tuple]:
        return _own_label(pieces[i])

    def extent(i: int) -> tuple[float, float]:
        line = parsed[i][2]
        ps = own(i)
        return (min([line.top] + [q[3] for q in ps]), max([line.bottom] + [q[4] for q in ps]))

    def number(i: int) -> int | None:
        m = _NUMBERED.match("".join(q[0] for q in sorted(own(i), key=lambda q: q[3])))
        return int(m.group(1)) if m else None

    blocks: list[list[tuple]] = []
    page = parsed[item][2].page
    others = [q for i in order if parsed[i][2].page == page for q in pieces[i] if q not in own(i)]
    for q in sorted(others + [q for q in loose if q[5] == page], key=lambda q: q[3]):
        for b in blocks:
            if any(q[1] < r[2] and r[1] < q[2] for r in b) and q[3] - max(r[4] for r in b) <= q[4] - q[3]:
                b.append(q)
                break
        else:
            blocks.append([q])
    groups = []
    for b in blocks:
        text = ""
        for q in sorted(b, key=lambda q: (q[3], q[1])):
            text = join_pieces(text, q[0])
        if _GROUP_LABEL.match(text):
            groups.append((text, (min(q[3] for q in b) + max(q[4] for q in b)) / 2))
    p = order.index(item)
    # the group's detail rows: numbered 1, 2, 3 … after it, or … 2, 1 counting back before it
    below = [item]
    for k, i in enumerate(order[p + 1:], start=1):
        if number(i) != k:
            break
        below.append(i)
    above = [item]
    expect = None
    for i in reversed(order[:p]):
        n = number(i)
        if n is None or (expect is not None and n != expect) or parsed[i][2].page != parsed[item][2].page:
            break
        above.insert(0, i)
        expect = n - 1
        if n == 1:
            break
    below = [i for i in below if parsed[i][2].page == parsed[item][2].page]
    # how far off centre a label may stand: under a third of the distance between two rows
    mids = sorted((parsed[i][2].top + parsed[i][2].bottom) / 2 for i in order if parsed[i][2].page == page)
    steps = sorted(b - a for a, b in zip(mids, mids[1:]))
    tol = 0.3 * steps[len(steps) // 2] if steps else 4.0
    found = []
    for rows in (below, above):
        if len(rows) < 2:
            continue
        centre = (extent(rows[0])[0] + extent(rows[-1])[1]) / 2
        hits = [text for text, c in groups if abs(c - centre) <= tol]
        if len(hits) == 1:
            found.append(hits[0])
    return found[0] if len(found) == 1 else None


def _centred_with(ps: list[tuple], own: list[tuple], values: Line, tol: float = 3.0) -> bool:
    """Whether the label pieces of a row that share a column with `ps`, and `ps` itself,
    form a block centred on the row's line of numbers."""
    block = ps + [q for q in own if any(p[1] < q[2] and q[1] < p[2] for p in ps)]
    top = min(q[3] for q in block)
    bottom = max(q[4] for q in block)
    return abs((top + bottom) / 2 - (values.top + values.bottom) / 2) <= tol


def _label_pieces(chars: list[dict], line: Line) -> list[tuple]:
    """A line's label characters cut where a gap wider than a fifth of a character stands (the
    padding between two label cells; Chinese text sets its characters edge to edge) — half a
    character for characters whose boxes a recogniser estimated (they carry its score,
    `conf`): OCR leaves gaps of up to half a character inside a word.
    Each piece: (text, x0, x1, top, bottom, page)."""
    out: list[list] = []
    for c in sorted(chars, key=lambda c: c["x0"]):
        size = float(c.get("size") or 10.0)
        if out and c["x0"] - out[-1][2] <= (0.5 if c.get("conf") is not None else 0.2) * size:
            out[-1][0] += c["text"]
            out[-1][2] = max(out[-1][2], c["x1"])
        else:
            out.append([c["text"], c["x0"], c["x1"], line.top, line.bottom, line.page])
    return [tuple(q) for q in out]


def _own_label(pieces: list[tuple[str, float, float, float]]) -> list[tuple[str, float, float, float]]:
    """The pieces of a row's own label: its rightmost label cell."""
    groups = _label_groups(pieces)
    return max(groups, key=lambda g: min(q[1] for q in g)) if groups else []


def _label_cells(pieces: list[tuple[str, float, float, float]]) -> list[str]:
    """Pieces overlapping horizontally → one cell each, left to right, text read top to bottom."""
    cells = []
    for g in sorted(_label_groups(pieces), key=lambda g: min(q[1] for q in g)):
        text = ""
        for t, *_ in sorted(g, key=lambda q: (q[3], q[1])):
            text = join_pieces(text, t)
        cells.append(text)
    return cells


def _label_groups(pieces: list[tuple[str, float, float, float]]) -> list[list[tuple[str, float, float, float]]]:
    groups: list[list[tuple[str, float, float, float]]] = []
    for piece in sorted(pieces, key=lambda p: p[1]):
        hit = [g for g in groups if any(piece[1] < q[2] and q[1] < piece[2] for q in g)]
        for g in hit[1:]:
            hit[0].extend(g)
            groups.remove(g)
        if hit:
            hit[0].append(piece)
        else:
            groups.append([piece])
    return groups


def _place(vals: list[tuple[str, float, float]], line: Line, centres: list[float],
           extents: list[tuple[float, float]]) -> list[str] | None:
    """Each printed character of a short row's numbers → its column (see placed_rows): the
    nearest column centre, clearly nearer than the neighbour's, and inside the extent the
    complete rows print that column in (a table further down with other column widths —
    the second half of a split table — is never read against these columns)."""
    out = [""] * len(centres)
    used: list[list[dict]] = [[] for _ in centres]  # each column's characters (its provenance)
    done: set[int] = set()
    prev: tuple[int, int] | None = None  # (token, column) of the previous character
    for k, (text, x0, x1) in enumerate(vals):
        chars = sorted((c for c in line.chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1
                        and not c["text"].isspace()), key=lambda c: c["x0"])
        if "".join(c["text"] for c in chars) != text:
            return None
        for c in chars:
            x = (c["x0"] + c["x1"]) / 2
            i = min(range(len(centres)), key=lambda j: abs(centres[j] - x))
            side = i + 1 if x > centres[i] else i - 1
            if not 0 <= side < len(centres):
                side = i - 1 if side > i else i + 1
            if 0 <= side < len(centres) and abs(x - centres[i]) > 0.5 * abs(centres[side] - centres[i]) - 1.0:
                return None  # about as near the neighbouring column
            if not (extents[i][0] <= c["x0"] and c["x1"] <= extents[i][1]):
                return None
            if prev is not None and prev[1] == i and prev[0] != k:
                return None  # two numbers in one column
            if prev is not None and prev[1] != i and i in done:
                return None
            if prev is None or prev[1] != i:
                done.add(i)
                if prev is not None and i < prev[1]:
                    return None
            out[i] += c["text"]
            used[i].append(c)
            prev = (k, i)
    return [token(t, cs) for t, cs in zip(out, used)]


def table4_rows(rows: list[list[str]], lines: list[str], doc_warnings: list[str]) -> list[list[str]]:
    """Table 4 printed without rules: its one row of numbers is read only when it prints a
    number in every column (15; 12 when no 总计 column is printed); a blank cell leaves no
    trace in flattened text, so a shorter row cannot be placed and is left null."""
    first = next((i for i, ln in enumerate(lines) if split_line(ln)[1]), len(lines))
    # 总计 printed in the header: 15 columns; else 12, unless the row prints all 15 anyway
    widths = (15,) if any("总计" in ln for ln in lines[:first]) else (12, 15)
    width = widths[0]
    out = []
    for row in rows:
        label, values = split_line(" ".join(row)) if row else ("", [])
        if values and len(values) >= 4 and len(values) not in widths:
            doc_warnings.append(f"table4: {len(values)} numbers printed for {width} columns in a table "
                                "without rules; their columns cannot be placed, so they are left null")
            row = ([label] if label else []) + [""] * width
        out.append(row)
    return out
