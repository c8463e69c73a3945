"""Hanweb (大汉) JCMS portals: `/col/col<id>/index.html` lists filled through dataproxy.jsp.

A column page embeds its first records as CDATA fragments in a
`<script type="text/xml"><datastore>…<record><![CDATA[<li><a …>]]></record>…</datastore>`
block; the jpage script then POSTs the column's parameters (those of the `<nextgroup>` link)
to `/module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P`, which answers the
same datastore XML for the next group of records (three pages per group). Detail pages are
`/art/YYYY/M/D/art_<colid>_<artid>.html`; attachments go through
`/module/download/downfile.jsp?…filename=….pdf`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ingest.crawl.adapters.base import API, Adapter, Discovery, Link, parse_html, with_query
from ingest.crawl.domains import absolute

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=['\"]([^'\"]+)['\"].*?\]\]>\s*</nextgroup>",
                        re.DOTALL | re.IGNORECASE)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>|totalRecord\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_PERPAGE = re.compile(r"perpage\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
PAGES_PER_GROUP = 3


class HanwebAdapter(Adapter):
    name = "hanweb"
    description = "Hanweb JCMS: /col/col<id>/index.html lists, datastore CDATA records, dataproxy.jsp groups"

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        return ("perpage",)

    def discover_list(self, url: str, text: str, depth: int = 0) -> Discovery:
        found = super().discover_list(url, text, depth)
        records = self._records(url, text, found, depth)
        self._next_groups(url, text, found, depth, embedded=records)
        return found

    def discover_api(self, link: Link, text: str) -> Discovery:
        found = Discovery()
        records = self._records(link.url, text, found, link.depth)
        query = dict(parse_qsl(urlsplit(link.url).query))
        try:
            start, end = int(query["startrecord"]), int(query["endrecord"])
        except (KeyError, ValueError):
            return found
        size = end - start + 1
        total = _total(text)
        if size <= 0:
            return found
        # Known total: ask for every later group (the crawler drops repeats). Unknown: go on
        # while groups come back full.
        stops = range(end + 1, total + 1, size) if total is not None else ([end + 1] if records >= size else [])
        for s in list(stops)[:500]:
            nxt = with_query(link.url, startrecord=s, endrecord=s + size - 1)
            found.add(Link(nxt, API, "dataproxy", method=link.method, data=link.data, depth=link.depth))
        return found

    def _records(self, url: str, text: str, found: Discovery, depth: int) -> int:
        count = 0
        for fragment in _RECORD.findall(text):
            count += 1
            self.report_links(url, parse_html(fragment), found, depth)
        return count

    def _next_groups(self, url: str, text: str, found: Discovery, depth: int, embedded: int) -> None:
        m = _NEXTGROUP.search(text)
        if not m:
            return
        proxy = absolute(url, m.group(1).replace("&amp;", "&"))
        if proxy is None:
            return
        parts = urlsplit(proxy)
        params = tuple((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page")
        base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        perpage = int(self.options.get("perpage") or _first_int(_PERPAGE, text) or 15)
        group = perpage * PAGES_PER_GROUP
        total = _total(text)
        start = embedded + 1 if embedded else 1
        if total is None:
            if embedded and embedded < group:
                return  # the embedded group was not full: there is nothing more
            stops = [start]
        else:
            stops = list(range(start, total + 1, group))
        for s in stops[:500]:
            target = with_query(base, startrecord=s, endrecord=s + group - 1, perpage=perpage)
            found.add(Link(target, API, "dataproxy", method="POST", data=params, depth=depth))


def _total(text: str) -> int | None:
    m = _TOTAL.search(text)
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def _first_int(pattern: re.Pattern, text: str) -> int | None:
    m = pattern.search(text)
    return int(m.group(1)) if m else None

