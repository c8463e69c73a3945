"""Ucap portals (`.shtml` sites such as shuyang.gov.cn).

Lists live under `/<site>/xxgk/…` and page through `index_N.shtml`; detail pages are
`/<site>/gknb/YYYYMM/<32 hex>.shtml` with the title and body in the non-standard elements
`<ucaptitle>` and `<ucapcontent>`, which the generic <title> / heading search would rank
below the site banner.
"""

from __future__ import annotations

from ingest.crawl import discovery as d
from ingest.crawl.adapters.base import Adapter


class UcapAdapter(Adapter):
    name = "ucap"
    description = "Ucap .shtml sites: index_N.shtml lists, <ucaptitle>/<ucapcontent> detail pages"

    def detail_title(self, tree):
        node = tree.css_first("ucaptitle")
        if node is not None:
            title = d.clean(node.text(deep=True, separator="", strip=True))
            if d.is_report_title(title):
                return title
        return super().detail_title(tree)

    def report_in_tree(self, tree) -> bool:
        body = tree.css_first("ucapcontent")
        if body is not None:
            return d.looks_like_report_text(body.text(separator="\n"))
        return super().report_in_tree(tree)
