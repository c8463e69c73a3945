"""Markdown as PDF converters write it, made from an HTML report page (for the print-variation
harness): an independent writer over the page's own markup, not the parser's reading of it.

Styles (`STYLES`):
- marker: `#` headings (the section headings 一、… too: converters make table titles headings),
  paragraphs, every table a pipe table (its first row the header row; a spanned cell's text in
  its first position, the others blank; a cell's lines joined by `<br>`), and a long table
  broken into two pipe tables at its middle as at a page break, the continuation without its
  outer label columns;
- mineru: headings and paragraphs, every table an HTML `<table>` on one line with its
  rowspan/colspan (MinerU's way);
- pandoc-gfm, pandoc-grid: the page rewritten as plain HTML (headings, paragraphs, tables with
  their spans), then `pandoc -t gfm` (pipe tables, HTML tables where cells span) and
  `pandoc -t markdown` with grid tables only. Skipped when pandoc is not installed.
"""

from __future__ import annotations

import html as htmllib
import re
import shutil
import subprocess

from selectolax.lexbor import LexborHTMLParser

from ingest.decode import decode_bytes
from ingest.values import is_numberlike

STYLES = ("marker", "mineru", "pandoc-gfm", "pandoc-grid")
_INNER_TABLE = re.compile(r"<table\b(?:(?!<table\b).)*?</table\s*>", re.IGNORECASE | re.DOTALL)
_HEAD_OPEN = re.compile(r"<h([1-6])\b[^>]*>", re.IGNORECASE)
_BLOCK = re.compile(r"</?(?:p|div|h[1-6]|br|li|tr|section|article|blockquote)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SECTION = re.compile(r"^[一二三四五六七八九十]+、")
_DROP = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _flat(text: str) -> str:
    return re.sub(r"[\s\u00a0\u3000]+", " ", htmllib.unescape(text)).strip()


def _cell_lines(inner: str) -> list[str]:
    parts = re.split(r"</p\s*>|<br\s*/?>", inner, flags=re.IGNORECASE)
    return [t for t in (_flat(_TAG.sub("", p)) for p in parts) if t]


def _table(markup: str) -> list[list[tuple[list[str], int, int]]]:
    """Rows of (cell lines, rowspan, colspan)."""
    tree = LexborHTMLParser(markup)
    rows = []
    for tr in tree.css("tr"):
        row = []
        for td in tr.css("td, th"):
            def span(name):
                try:
                    return max(1, min(int(td.attributes.get(name) or 1), 50))
                except ValueError:
                    return 1
            row.append((_cell_lines(td.html or ""), span("rowspan"), span("colspan")))
        rows.append(row)  # an empty <tr> still takes its place under rowspans
    return rows


def page_parts(html: bytes) -> list[tuple[str, object]]:
    """The page in order: ("h", (level, text)), ("p", text), ("table", rows)."""
    text = _DROP.sub("", decode_bytes(html, None).text)
    tables: list = []

    def hole(m):
        tables.append(_table(m.group(0)))
        return f"<p>@@TABLE{len(tables) - 1}@@</p>"

    text = _INNER_TABLE.sub(hole, text)
    text = _HEAD_OPEN.sub(lambda m: f"\n\x1fH{m.group(1)}", text)
    text = _BLOCK.sub("\n", text)
    out: list[tuple[str, object]] = []
    for line in _TAG.sub("", text).split("\n"):
        level = 0
        if line.startswith("\x1fH"):
            level, line = int(line[2]), line[3:]
        line = _flat(line)
        if not line:
            continue
        m = re.fullmatch(r"@@TABLE(\d+)@@", line)
        if m:
            out.append(("table", tables[int(m.group(1))]))
        elif level or _SECTION.match(line):
            out.append(("h", (level or 2, line)))
        else:
            out.append(("p", line))
    return out


def _expand(rows) -> list[list[str]]:
    """A spanned cell's text in its first position, the covered ones blank."""
    grid: dict[tuple[int, int], str] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for lines, rs, cs in row:
            while (r, c) in grid:
                c += 1
            for dr in range(rs):
                for dc in range(cs):
                    grid[(r + dr, c + dc)] = "<br>".join(lines) if (dr, dc) == (0, 0) else ""
            c += cs
            width = max(width, c)
    out = [[grid.get((r, c), "") for c in range(width)] for r in range(len(rows))]
    return [row for row in out if any(row)]


def _pipe(grid: list[list[str]]) -> list[str]:
    def line(cells):
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
    return [line(grid[0]), "|" + "|".join("---" for _ in grid[0]) + "|", *map(line, grid[1:]), ""]


def _labels(grid: list[list[str]]) -> int:
    """Leading columns no body row prints a number in."""
    n = 0
    body = grid[len(grid) // 3:]
    while n < len(grid[0]) - 1 and not any(is_numberlike(r[n]) for r in body if r[n]):
        n += 1
    return n


def marker(html: bytes) -> str:
    out: list[str] = []
    for kind, val in page_parts(html):
        if kind == "h":
            out += ["#" * val[0] + " " + val[1], ""]
        elif kind == "p":
            out += [val, ""]
        else:
            grid = _expand(val)
            if not grid:
                continue
            n = _labels(grid)
            if len(grid) >= 16 and n >= 2:  # a page break: the continuation keeps its last label column
                cut = len(grid) // 2
                out += _pipe(grid[:cut])
                # the continuation prints each row's own label in its one label column
                out += _pipe([[next((c for c in reversed(r[:n]) if c), "")] + r[n:] for r in grid[cut:]])
            else:
                out += _pipe(grid)
    return "\n".join(out) + "\n"


def _html_table(rows) -> str:
    rows = [r for r in rows if r] or [[]]
    cells = lambda row: "".join(  # noqa: E731
        f"<td{f' rowspan={rs}' if rs > 1 else ''}{f' colspan={cs}' if cs > 1 else ''}>{htmllib.escape(''.join(lines))}</td>"
        for lines, rs, cs in row)
    return "<table>" + "".join(f"<tr>{cells(r)}</tr>" for r in rows) + "</table>"


def mineru(html: bytes) -> str:
    out: list[str] = []
    for kind, val in page_parts(html):
        if kind == "h":
            out += ["# " + val[1], ""]
        elif kind == "p":
            out += [val, ""]
        else:
            out += [_html_table(val), ""]
    return "\n".join(out) + "\n"


def plain_html(html: bytes) -> str:
    out = ["<html><body>"]
    for kind, val in page_parts(html):
        if kind == "h":
            out.append(f"<h{val[0]}>{htmllib.escape(val[1])}</h{val[0]}>")
        elif kind == "p":
            out.append(f"<p>{htmllib.escape(val)}</p>")
        else:
            out.append(_html_table(val))
    return "\n".join(out + ["</body></html>"])


def pandoc(html: bytes, target: str) -> str | None:
    exe = shutil.which("pandoc")
    if not exe:
        return None
    to = "gfm" if target == "gfm" else "markdown-simple_tables-multiline_tables-pipe_tables"
    proc = subprocess.run([exe, "-f", "html", "-t", to, "--wrap=none" if target == "gfm" else "--columns=72"],
                          input=plain_html(html).encode("utf-8"), capture_output=True, timeout=120)
    return proc.stdout.decode("utf-8") if proc.returncode == 0 else None


def convert(html: bytes, style: str) -> bytes | None:
    if style == "marker":
        text = marker(html)
    elif style == "mineru":
        text = mineru(html)
    else:
        text = pandoc(html, "gfm" if style == "pandoc-gfm" else "grid")
    return None if text is None else text.encode("utf-8")
