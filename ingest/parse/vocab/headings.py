"""Section headings: which part of the report a heading line opens (templates.yaml `sections`).

Every front end cuts a report at its headings 二、主动公开 … / 三、收到和处理政府信息公开申请情况 …
/ 四、政府信息公开行政复议、行政诉讼情况 …; they all ask heading_key.
"""

from __future__ import annotations

import re

from ingest import templates

# A cover letter (函) that sends the annual report, holding it whole: 「X关于报送2020年度政府信息
# 公开工作年度报告的函」 (ingest/spec portals.md). Group 1 is the sender. A notice asking bodies to
# send theirs (「关于报送…的通知」) is not one. Shared by the parser (metadata) and the crawler.
COVER_LETTER = re.compile(
    r"^(.*?)关于(?:报送|呈报|上报|报请|提交|印送)[^，,。；;]{0,40}?(?:政府|政务)?信息公开(?:工作)?(?:年度)?"
    r"(?:报告|年报)的(?:函|报告)$")

_NUMBERING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十]{1,3}\s*[)）])\s*")


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
    if not index:
        # the templates' own headings: cached per line, the same heading lines recur in every report
        hit = _KEYS.get((line, run_on), _MISS)
        if hit is _MISS:
            hit = _heading_key(line, _heading_index(), run_on)
            if len(_KEYS) < 20_000:
                _KEYS[(line, run_on)] = hit
        return hit
    return _heading_key(line, index, run_on)


_KEYS: dict[tuple[str, bool], str | None] = {}
_MISS = object()


def _heading_key(line: str, index: list[tuple[str, str]], run_on: bool) -> str | None:
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


