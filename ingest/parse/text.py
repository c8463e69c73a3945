"""Flattened text front end: a report whose tables lost their structure.

Two shapes are met and read the same way:
- one cell per line (the Hanyin seed: copied from a portal page, every cell on its own line,
  blank lines between them);
- PDF text lines: a row label followed by its numbers separated by spaces
  ("（一）予以公开 14 0 0 0 0 0 14"), with long labels wrapped onto the line before or after
  their numbers.

Each line is split into a label part and its trailing value tokens. Rows are built without
knowing the template: a label starts a row; lines holding one value each are appended to the
row above them (one cell per line); a line holding several values and no label stays a row of
its own (a wrapped PDF label), which the mapper aligns with the template order. The lines are
grouped into blocks by the section headings 二/三/四 (templates.yaml `sections`).
"""

from __future__ import annotations

import re

from ingest import templates
from ingest.decode import decode_bytes
from ingest.errors import NotAReport
from ingest.parse import glued
from ingest.parse.layout import Block, Document
from ingest.values import is_numberlike

# Page furniture in text copied from PDFs: "- 3 -", "第 3 页 共 5 页", "—3—".
_PAGE_FOOTER = re.compile(
    r"^(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，]?\s*共\s*\d{1,3}\s*页)?)$")
_NUMBERING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十]{1,3}\s*[)）])\s*")
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
# Text of a binary file decodes to control characters; a report has almost none.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")


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
    rows: list[list[str]] = []
    # True while the current row is being filled one value line at a time.
    open_row = False
    for line in lines:
        label, values = split_line(line)
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


def find_sections(lines: list[str]) -> list[tuple[int, str]]:
    """(line index, section key) of every section heading, in order."""
    index = _heading_index()
    found: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        key = heading_key(line, index)
        if key is not None:
            found.append((i, key))
    return found


def heading_key(line: str, index: list[tuple[str, str]] | None = None, *,
                run_on: bool = False) -> str | None:
    """The section a heading line opens ('table3', 'problems', …), or None if it is no heading.

    run_on: the text after the heading is not cut off (the heading printed in a table cell, read
    from text without line breaks): a numbered heading then only has to start the text.
    """
    if len(line) > 48 and not run_on:
        return None
    index = index or _heading_index()
    m = _NUMBERING.match(line)
    body = templates.normalise(line[m.end():] if m else line)
    if not body:
        return None
    for heading, key in index:
        # A numbered heading may carry more words ("四、政府信息公开行政复议、行政诉讼情况");
        # an unnumbered line must be the heading itself, or narrative would match.
        if (body == heading) or (m and heading in body and len(body) <= len(heading) + 8):
            return key
        if run_on and m and body.startswith(heading):
            return key
    return None


_HEADINGS: list[tuple[str, str]] | None = None


def _heading_index() -> list[tuple[str, str]]:
    global _HEADINGS
    if _HEADINGS is None:
        _HEADINGS = templates.load().section_heading_index()
    return _HEADINGS


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
