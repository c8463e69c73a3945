"""Rows of a table-3 continuation padded with real blank cells (LibreOffice pads a Word table's
ragged rows; converters pad pipe tables): the numbers are placed only where the arithmetic or
both placements agree, never guessed; a continuation whose first row is a 小计 row is no header."""

from __future__ import annotations

import copy
from pathlib import Path

from bench import print_variation as pv
from ingest.parse.layout import Block
from ingest.parse.mapping import mapper
from ingest.parse.readers import html

HTML = Path(__file__).resolve().parents[1] / "fixtures" / "html"


def _padded(name: str, pad: int = 2):
    doc = html.extract((HTML / name).read_bytes())
    truth = mapper.build_report(copy.deepcopy(doc), source_name=name)
    t3 = [b for b in doc.blocks if b.section == "table3"]
    cont = t3[-1]
    next_id = 1 + max(i for row in cont.cell_ids for i in row)
    rows, ids = [], []
    for row, rid in zip(cont.rows, cont.cell_ids):
        keep = [(t, i) for t, i in zip(row, rid) if i >= 0]  # the printed cells only
        rows.append([t for t, _ in keep] + [""] * pad)
        ids.append([i for _, i in keep] + list(range(next_id, next_id + pad)))
        next_id += pad
    width = max(len(r) for r in rows)
    for r, i in zip(rows, ids):  # printed blanks to the grid's width, as the padding writer does
        while len(r) < width:
            r.append("")
            i.append(next_id)
            next_id += 1
    doc.blocks[doc.blocks.index(cont)] = Block(rows=rows, section="table3", grid=True, cell_ids=ids,
                                               origin=cont.origin)
    return truth, mapper.build_report(doc, source_name=name)


def test_padded_rows_keep_only_proven_or_agreeing_cells():
    truth, got = _padded("split_table.html")
    s = pv.compare(truth, got)
    assert s.wrong == 0, s.wrong_cells
    # a row with a nonzero total that adds up: placed whole
    assert got["table3"]["unable_not_held"] == truth["table3"]["unable_not_held"]
    assert any("read as a padded short row because its numbers then add up" in w for w in got["warnings"])
    # an all-zero row proves nothing: the cells both placements read alike (zeros) are kept,
    # the last columns (0 or a printed blank) are null
    row = got["table3"]["reject_duplicate"]
    assert row["natural_person"] == 0 and row["total"] is None
    assert any("only the cells both placements read alike" in w for w in got["warnings"])
