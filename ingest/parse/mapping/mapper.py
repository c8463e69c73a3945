"""The one mapper: intermediate form (layout.py) → the report of report-format.md, exactly as printed.

It is blind to formats: every front end (ingest/parse/readers/) hands it the same layout.Document.
Blocks are assigned to tables (sections.py), each table is mapped by its own module (table2.py,
table3.py, table4.py, over the shared cell view of cells.py), the title, dates, fee and narrative
figures come from metadata.py, and provenance.py gives every cell its page and box. Row labels
are matched against templates.yaml (ingest/parse/vocab/labels.py); rows of values are aligned
with the template order (align.py) so a row whose label wrapped onto another line still lands
on its key. Every cell keeps its printed text under `raw`; a value that cannot be read is null
plus a warning naming table, row, column and the text; a template cell the report does not show
is null plus a warning.
"""

from __future__ import annotations

from ingest.errors import NotAReport
from ingest.parse.layout import Document
from ingest.parse.mapping import gate, metadata, provenance
from ingest.parse.mapping.sections import collect_sections
from ingest.parse.mapping.table2 import decide_template, map_table2
from ingest.parse.mapping.table3 import map_table3
from ingest.parse.mapping.table4 import map_table4
from ingest.parse.version import PARSER_VERSION


def build_report(doc: Document, *, source_name: str = "the input", url: str | None = None) -> dict:
    warnings = list(doc.warnings)
    sections = collect_sections(doc)
    meta = metadata.extract(doc, warnings)
    if not any(sections.values()) and not meta.title_recognised:
        raise NotAReport(f"{source_name} does not look like a 政府信息公开工作年度报告: no report "
                         "title and no table 二/三/四 (主动公开 / 依申请 / 行政复议行政诉讼) found")

    template = decide_template(sections["table2"], meta.year, warnings)
    t2 = map_table2(sections["table2"], template)
    t3 = map_table3(sections["table3"], template)
    t4 = map_table4(sections["table4"])
    gated = {}
    for sec, m in (("table3", t3), ("table4", t4)):
        if any(b.from_geometry for b in sections[sec]):
            # cells placed from page geometry: shipped only when the template's identities agree
            gated[sec] = gate.check(sec, m, t3.extra.get("shape"))
    for sec, m in (("table2", t2), ("table3", t3), ("table4", t4)):
        if m.values is None and not sections[sec]:
            warnings.append(f"{sec}: the report prints no such table (section not found); null")
        warnings.extend(m.warnings)
    shape = t3.extra.get("shape")
    # provenance of every cell; nulls the values of cells a front end marked undecided
    cell_meta = provenance.cell_meta({"table2": t2, "table3": t3, "table4": t4})
    for sec, cells in gated.items():
        gate.annotate(cell_meta, sec, cells)
    if t2.values is None:
        template = None  # names the format of table 2: nothing to name
    return {
        "title": meta.title,
        "year": meta.year,
        "year_source": meta.year_source,
        "template": template,
        "templates": {"table2": template,
                      "table3": None if shape is None else ("2021" if shape == "three_rows" else "2019")},
        "table3_shape": shape,
        "issuer": meta.issuer,
        "published_date": meta.published_date,
        "index_no": meta.index_no,
        "table2": t2.values,
        "table3": t3.values,
        "table4": t4.values,
        "info_processing_fee_yuan": meta.fee,
        "narrative": meta.narrative,
        "raw": {"table2": t2.raw, "table3": t3.raw, "table4": t4.raw},
        "cell_meta": cell_meta,
        "source": {"kind": doc.kind, "encoding": doc.encoding, "encoding_source": doc.encoding_source,
                   "url": url},
        "parser_version": PARSER_VERSION,
        "warnings": warnings,
    }

