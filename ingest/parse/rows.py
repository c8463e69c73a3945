"""Rows of cells from flattened lines: "label n n n" text as the text, PDF and glued readers see it.

A line is split into its label and its trailing value tokens (split_line); lines become rows
without knowing the template (rows_from_lines): a label starts a row, lines holding one value
each are appended to the row above them (one cell per line), a line of several values and no
label stays a row of its own (a wrapped PDF label), which the mapper aligns with the template.
"""

from __future__ import annotations

import re

from ingest.values import is_numberlike

_SPACES = re.compile(r"[\s\u3000\u00a0]+")


def clean_cell(text: str) -> str:
    """A printed cell as the intermediate form keeps it: whitespace runs → one space, trimmed."""
    return _SPACES.sub(" ", text).strip()


def split_line(line: str) -> tuple[str, list[str]]:
    """'（一）予以公开 14 0 0' → ('（一）予以公开', ['14', '0', '0']); a lone '30' → ('', ['30'])."""
    tokens = line.split()
    k = len(tokens)
    while k > 0:
        if _is_value_token(tokens[k - 1]):
            k -= 1
        elif (k < len(tokens) and k >= 2 and _garbled(tokens[k - 1])
              and _is_value_token(tokens[k - 2])):
            # "15 1 O 0 0": a misprinted number between numbers is a cell, not label text;
            # the mapper reports it as unreadable.
            k -= 1
        else:
            break
    if k == len(tokens):
        return line.strip(), []
    values = tokens[k:]
    if k == 0:
        return "", values
    # Keep the label exactly as printed up to its last token (inner spacing collapsed).
    return clean_cell(" ".join(tokens[:k])), values


def _garbled(token: str) -> bool:
    return len(token) <= 3 and token.isascii()


def _is_value_token(token: str) -> bool:
    # "1." / "2、" are item numbers of a label, not values.
    if token[-1] in ".、．":
        return False
    return is_numberlike(token)


def rows_from_lines(lines: list[str]) -> list[list[str]]:
    """Lines of one table section → rows of cells (see the module doc)."""
    return rows_from_cells(split_line(line) for line in lines)


def rows_from_cells(lines) -> list[list[str]]:
    """(label, values) of each line → rows of cells: a label starts a row, lines of one value
    each fill the row above them, a line of several values and no label is a row of its own."""
    rows: list[list[str]] = []
    # True while the current row is being filled one value line at a time.
    open_row = False
    for label, values in lines:
        if label and not values:
            rows.append([label])
            open_row = True
        elif label:
            rows.append([label, *values])
            open_row = False
        elif len(values) == 1 and open_row and rows:
            rows[-1].append(values[0])
        else:
            rows.append(list(values))
            open_row = len(values) == 1
    return rows


