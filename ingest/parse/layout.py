"""The intermediate form every front end (html, text, pdf, docx, ofd, ocr) produces and the one
mapper consumes.

A front end's only job is to say *what was printed, in what order, under which heading*; it
knows nothing of row or column keys. `ingest.parse.mapping.mapper.map_document(doc)` does the rest.

Document
    kind             "html" | "text" | "markdown" | "pdf" | "docx" | "doc" | "wps" | "rtf" | "ofd" | "images"
                     (the front end; .doc/.wps/RTF are read as the .docx LibreOffice makes)
    text             every readable line of the report in reading order (tables included),
                     one paragraph / printed line per line. Metadata (title, 索引号, dates) and
                     the narrative figures are read from here when `narrative` is empty.
    narrative        the text outside the tables (header block, sections 一/五/六), same form.
    blocks           the printed tables, in reading order (see Block).
    title            a title the front end found structurally (<title>, <h1>, ArticleTitle
                     meta, the first line of a text file), or None. Only a hint.
    meta             header fields found structurally, e.g. {"PubDate": "2024-02-06 18:23"}.
    encoding, encoding_source   what ingest.decode chose (None for PDF).
    warnings         anything the front end had to guess, as plain sentences.

Block — one printed table, or one section's run of rows in flattened text
    rows      list of rows; a row is the list of its cells' printed text, left to right.
              Whitespace runs inside a cell are collapsed to one space and the ends stripped;
              nothing else is changed (no number parsing, no label normalising). A blank cell
              is "". Label cells come first, value cells after them, as printed.
    section   "table2" | "table3" | "table4" when the block follows that section's heading
              (二/三/四); None when the front end cannot tell — the mapper then classifies the
              block by its labels. Several blocks may share a section (a table split in two,
              table 2 printed as one small table per 第二十条 block): the mapper joins them in order.
    grid      False (flattened rows): a row holds its label cell(s) then its value cells; a row
              may hold only a label (a group header such as （三）不予公开, or a label wrapped
              onto its own line) or only values (their label sits on a neighbouring row —
              PDF text wraps labels onto the line before or after their numbers). The mapper
              aligns such rows with the template order.
              True (an expanded table): every row has the same number of cells; a cell with
              rowspan/colspan is repeated in every position it covers, and `cell_ids` tells
              the copies apart from distinct cells.
    cell_ids  only for grids: same shape as `rows`; positions covered by the same printed cell
              carry the same int. Lets the mapper count a colspan=3 "18468" once and read a
              header that spans several columns (法人或其他组织 over 商业企业 … 其他).
              A negative id marks a position no printed cell covers (a short row padded to the
              grid's width); its text is "" and the mapper ignores it.
    origin    where the block came from, for warnings ("html table 3", "pdf page 4").
    meta      optional per-cell provenance, same shape as `rows` (None = every cell printed
              in a cell of its own). Each entry is None or a dict that may hold:
              `read` ("printed" | "recovered" | "ocr"), `page` (1-based int), `bbox`
              ([x0, top, x1, bottom] in PDF points, or pixels of the page image for OCR),
              `confidence` (0..1, OCR), `mark_left` (OCR: unread ink just left of an unsigned
              number's digits; ocr_check nulls such a number in a signed column), `upright_one` (OCR: a
              lone "1" whose ink stands upright, not a slash; ocr_check nulls a lone 1 without it
              that no rule confirms), `candidates` (int, how many readings were possible),
              `rules` (list of rule ids that decided it), `note` (str), and `undecided`
              (True: the front end could not tell this cell's digits — its text is the printed
              run it lies in, its value is null; a warning says why). The mapper carries it
              into the parser output's `cell_meta` (ingest/parse/mapping/provenance.py).
    from_geometry  True when the cells were placed from page geometry (characters and rules
              positioned on a page: PDF text, OFD, OCR — the page assembly of
              ingest/parse/page/), not taken from the markup's own cells. The mapper then
              ships such a table only when its reading keeps the template's identities
              (ingest/parse/mapping/gate.py): a page break can move values without a trace.

The PDF front end (`ingest/parse/readers/pdf.py`, `extract(data: bytes) -> Document`) may build grids
from page geometry, or feed its text lines to `ingest.parse.rows.rows_from_lines` and emit
flattened blocks; both map the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SECTIONS = ("table2", "table3", "table4")


@dataclass
class Block:
    rows: list[list[str]]
    section: str | None = None
    grid: bool = False
    cell_ids: list[list[int]] | None = None
    origin: str = ""
    meta: list[list[dict | None]] | None = None
    from_geometry: bool = False

    def __post_init__(self) -> None:
        if self.section is not None and self.section not in SECTIONS:
            raise ValueError(f"unknown section {self.section!r}; expected one of {SECTIONS}")
        if self.grid and self.cell_ids is None:
            # A grid without ids: treat every position as its own cell.
            n = 0
            ids = []
            for row in self.rows:
                ids.append(list(range(n, n + len(row))))
                n += len(row)
            self.cell_ids = ids


@dataclass
class Document:
    kind: str
    text: str
    blocks: list[Block] = field(default_factory=list)
    narrative: str = ""
    title: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    encoding_source: str | None = None
    warnings: list[str] = field(default_factory=list)

    def section_blocks(self, section: str) -> list[Block]:
        return [b for b in self.blocks if b.section == section]


def pad_grid(grid: list[list[str]], ids: list[list[int]]) -> None:
    """Pad short rows to the grid's width in place: "" text under a negative id (no printed cell
    covers the position), as every grid front end must hand its rows to the mapper."""
    width = max((len(r) for r in grid), default=0)
    for row, rid in zip(grid, ids):
        if len(row) < width:
            pad = width - len(row)
            row.extend([""] * pad)
            rid.extend([-1] * pad)
