"""Flattened text front end: a report whose tables lost their structure.

Two shapes are met and read the same way:
- one cell per line (the Hanyin seed: copied from a portal page, every cell on its own line,
  blank lines between them);
- PDF text lines: a row label followed by its numbers separated by spaces
  ("（一）予以公开 14 0 0 0 0 0 14"), with long labels wrapped onto the line before or after
  their numbers.

Lines are cut into rows by ingest/parse/rows.py and grouped into blocks by the section
headings 二/三/四 (ingest/parse/vocab/headings.py); a section whose cells ran together goes to
the glued decoder (ingest/parse/glued/).
"""

from __future__ import annotations

import re

from ingest.decode import decode_bytes
from ingest.errors import NotAReport
from ingest.parse import glued
from ingest.parse.layout import Block, Document
from ingest.parse.rows import clean_cell, rows_from_lines
from ingest.parse.vocab.headings import find_sections
from ingest.values import is_numberlike

# Page furniture in text copied from PDFs: "- 3 -", "第 3 页 共 5 页", "—3—".
_PAGE_FOOTER = re.compile(
    r"^(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，]?\s*共\s*\d{1,3}\s*页)?)$")
# Text of a binary file decodes to control characters; a report has almost none.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")


def document_from_lines(lines: list[str], *, kind: str = "text", encoding: str | None = None,
                        encoding_source: str | None = None, origin: str = "text") -> Document:
    """Cleaned lines of a whole report → Document. The PDF front end may call this too."""
    lines = [ln for ln in (clean_cell(x) for x in lines) if ln and not _PAGE_FOOTER.match(ln)]
    if any(len(ln) > 48 for ln in lines):
        # a text dump that runs the whole report together: its section headings onto lines
        lines = glued.split_headings(lines)
    sections = find_sections(lines)
    blocks: list[Block] = []
    narrative: list[str] = []
    warnings: list[str] = []
    bounds = [(i, key) for i, key in sections] + [(len(lines), "end")]
    narrative.extend(lines[: bounds[0][0]])
    running_text = None  # the narrative, for the glued decoder's evidence (made when needed)
    for (start, key), (end, _next) in zip(bounds, bounds[1:]):
        body = lines[start + 1:end]
        if key in ("table2", "table3", "table4"):
            narrative.append(lines[start])
            if glued.looks_glued(body, key):
                # cells run together: recover them by the template's arithmetic (ingest/parse/glued)
                if running_text is None:
                    running_text = _running_text(lines, bounds)
                block, warns = glued.decode_section(body, key, narrative=running_text,
                                                    origin=f"{origin} lines {start + 2}-{end} (glued)")
                warnings.extend(warns)
                if block is not None:
                    blocks.append(block)
                    continue
            rows = rows_from_lines(body)
            if rows:
                blocks.append(Block(rows=rows, section=key,
                                    origin=f"{origin} lines {start + 2}-{end}"))
            # Text after a table but before the next heading (a note under the table) stays
            # in the block: it holds no values the template names, the mapper ignores it.
        else:
            narrative.append(lines[start])
            narrative.extend(body)
    if not sections:
        # No headings (a bare table copied out of a report): let the mapper classify the rows.
        rows = rows_from_lines(lines)
        if any(len(r) > 1 or not r[0] or is_numberlike(r[0]) for r in rows):
            blocks.append(Block(rows=rows, section=None, origin=f"{origin} (no section headings)"))
    first = lines[0] if lines else None
    return Document(kind=kind, text="\n".join(lines), blocks=blocks, narrative="\n".join(narrative),
                    title=first, encoding=encoding, encoding_source=encoding_source,
                    warnings=warnings)


def _running_text(lines: list[str], bounds: list[tuple[int, str]]) -> str:
    """The lines outside the table sections."""
    out = lines[: bounds[0][0]]
    for (start, key), (end, _next) in zip(bounds, bounds[1:]):
        if key not in ("table2", "table3", "table4"):
            out.extend(lines[start:end])
    return "\n".join(out)


def extract(data: bytes, *, content_type: str | None = None) -> Document:
    decoded = decode_bytes(data, content_type)
    text = decoded.text
    sample = text[:20000]
    if sample and len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise NotAReport("the input looks like binary data, not a 政府信息公开工作年度报告 "
                         "(no readable text)")
    return document_from_lines(text.splitlines(), kind="text", encoding=decoded.encoding,
                               encoding_source=decoded.source)
