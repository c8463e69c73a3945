"""Splitting one row's printed value characters into its cells.

A row's run (`0 00 00 003`, `142000016`, `164640`) is cut into tokens at every certain cell
boundary: whitespace, a printed null mark (`/`, `—`), a sign. Each token then holds one or more
whole cells; `readings` lists every way to cut the tokens into exactly the row's number of
cells such that each piece is a well-formed number of its column's kind: no leading zero except
the number 0 itself, a decimal point only in a money column (never first or last), a sign only
at the start of a token in a signed column.

The enumeration is bounded: a row that has more than `cap` readings is reported as too
ambiguous (None) instead of being enumerated further. A row with fewer digits than cells has no
reading at all (a blank cell vanished in the glue: which one, the text cannot say).
"""

from __future__ import annotations

import re
from decimal import Decimal

NULL_MARKS = ("/", "／", "—", "－", "——", "-")
_TOKEN = re.compile(r"——|[/／—－]|[+\-]?[0-9.]+|[+\-]")

CAP = 5_000  # readings per row; beyond this a row is left null (see module doc)
MAX_PIECE = 18  # characters in one cell: no printed count or amount is longer (bounds the cuts)


def tokens(run: str) -> list[str]:
    """'0 00 0/3' → ['0', '00', '0', '/', '3']."""
    out: list[str] = []
    for part in run.split():
        out.extend(_TOKEN.findall(part))
    return out


def _piece_ok(piece: str, kind: str, first_in_token: bool) -> bool:
    body = piece
    if body[0] in "+-":
        if kind != "signed_count" or not first_in_token or len(body) == 1:
            return False
        body = body[1:]
    if "." in body:
        if kind != "money" or body.count(".") > 1 or body[0] == "." or body[-1] == ".":
            return False
        whole = body.split(".", 1)[0]
        return whole == "0" or whole[0] != "0"
    return body == "0" or body[0] != "0"


def readings(toks: list[str], kinds: list[str], cap: int = CAP) -> list[tuple[str, ...]] | None:
    """Every way to cut `toks` into len(kinds) well-formed pieces, in order; None past `cap`."""
    n = len(kinds)
    out: list[tuple[str, ...]] = []
    if not toks or len(toks) > n:
        return out
    # characters left from token t on: a piece needs at least one
    rest = [0] * (len(toks) + 1)
    for t in range(len(toks) - 1, -1, -1):
        rest[t] = rest[t + 1] + (1 if toks[t] in NULL_MARKS else len(toks[t]))
    if rest[0] < n or rest[0] > n * MAX_PIECE:
        return out
    pieces: list[str] = []
    over = False

    def walk(t: int, pos: int, col: int) -> None:
        nonlocal over
        if over:
            return
        if t == len(toks):
            if col == n:
                out.append(tuple(pieces))
                if len(out) > cap:
                    over = True
            return
        if col == n:
            return
        tok = toks[t]
        if tok in NULL_MARKS:
            if pos == 0:
                pieces.append(tok)
                walk(t + 1, 0, col + 1)
                pieces.pop()
            return
        left_tokens = len(toks) - t - 1
        chars_after = rest[t + 1]
        for end in range(pos + 1, min(len(tok), pos + MAX_PIECE) + 1):
            piece = tok[pos:end]
            if not _piece_ok(piece, kinds[col], pos == 0):
                if piece in ("+", "-"):
                    continue
                if not (piece[0] in "+-" or piece[-1] == "."):
                    # a leading zero only grows worse; a money prefix may still gain digits
                    if piece[0] == "0" and len(piece) > 1 and kinds[col] != "money":
                        break
                continue
            cols_left = n - col - 1
            if end == len(tok):
                if cols_left < left_tokens or cols_left > chars_after:
                    continue
                pieces.append(piece)
                walk(t + 1, 0, col + 1)
                pieces.pop()
            else:
                if cols_left < left_tokens + 1 or cols_left > (len(tok) - end) + chars_after:
                    continue
                pieces.append(piece)
                walk(t, end, col + 1)
                pieces.pop()

    walk(0, 0, 0)
    return None if over else out


def value(piece: str, kind: str):
    """A well-formed piece → int / Decimal; a null mark → None."""
    if piece in NULL_MARKS:
        return None
    if kind == "money":
        return Decimal(piece)
    return int(piece)
