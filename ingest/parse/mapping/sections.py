"""Which table a block belongs to when no heading placed it: labels only one table prints."""

from __future__ import annotations

from ingest.parse.layout import SECTIONS, Block, Document
from ingest.parse.mapping.cells import is_numberlike
from ingest.parse.vocab import labels as L

def classify_rows(rows: list[list[str]]) -> str | None:
    """Which table a block of rows belongs to, from labels only one table prints."""
    idx = L.indexes()
    votes = dict.fromkeys(SECTIONS, 0)
    for row in rows:
        for text in row:
            if not text or is_numberlike(text):
                continue
            norm = L.label(text).norm
            for sec, index in idx.anchors.items():
                key, score = index.match(norm, fuzzy=False)
                if key is not None and score >= L.CONTAINS:
                    votes[sec] += 1
    sec, n = max(votes.items(), key=lambda kv: kv[1])
    return sec if n else None


def split_unknown(block: Block) -> list[Block]:
    """A block no heading placed (text without headings): cut it where the table changes."""
    idx = L.indexes()
    parts: list[Block] = []
    current: str | None = None
    rows: list[list[str]] = []
    ids: list[list[int]] = []
    metas: list = []
    for r, row in enumerate(block.rows):
        switch = None
        for text in row:
            if not text or is_numberlike(text):
                continue
            norm = L.label(text).norm
            for sec in ("table4", "table3", "table2"):
                key, score = idx.anchors[sec].match(norm, fuzzy=False)
                if key is not None and score >= L.CONTAINS:
                    switch = sec
                    break
            if switch:
                break
        if switch and switch != current and not (block.grid and current):
            if current and rows:
                parts.append(Block(rows, current, block.grid, ids if block.grid else None, block.origin,
                                   metas if block.meta else None, block.from_geometry))
            current, rows, ids, metas = switch, [], [], []
        if current:
            rows.append(row)
            if block.meta:
                metas.append(block.meta[r])
            if block.grid and block.cell_ids:
                ids.append(block.cell_ids[r])
    if current and rows:
        parts.append(Block(rows, current, block.grid, ids if block.grid else None, block.origin,
                           metas if block.meta else None, block.from_geometry))
    return parts


def collect_sections(doc: Document) -> dict[str, list[Block]]:
    out: dict[str, list[Block]] = {s: [] for s in SECTIONS}
    for b in doc.blocks:
        if b.section in out:
            out[b.section].append(b)
        else:
            for part in split_unknown(b):
                out[part.section].append(part)  # type: ignore[index]
    return out


