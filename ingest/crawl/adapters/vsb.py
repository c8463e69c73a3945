"""VSB (博达) portals such as fg.gov.cn.

A column is `/<col>.htm` (or `/<col>/list.htm`); its other pages are `/<col>/<k>.htm` with k
counting *down* from the page count − 1 to 1, and the pager script
`_simple_list_gotopage_fun(<pages>, …)` states the count, so every page is known from the
first. Details are `/info/<colid>/<artid>.htm`; attachments go through
`/system/_content/download.jsp?…` with the file name only in the anchor text.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from ingest.crawl.adapters.base import LIST, Adapter, Discovery, Link

_GOTOPAGE = re.compile(r"_simple_list_gotopage_fun\(\s*(\d+)")


class VsbAdapter(Adapter):
    name = "vsb"
    description = "VSB: <col>.htm lists paged as <col>/<k>.htm (k counts down), /info/<col>/<id>.htm details"

    def pagination(self, url, tree, text, found: Discovery, depth) -> None:
        super().pagination(url, tree, text, found, depth)
        m = _GOTOPAGE.search(text)
        if not m:
            return
        pages = int(m.group(1))
        parts = urlsplit(url)
        path = parts.path
        if re.search(r"/\d+\.htm$", path):  # already on a numbered page: the column is its parent
            stem = path.rsplit("/", 1)[0]
        else:
            stem = path.rsplit(".", 1)[0]
            if stem.endswith("/list"):
                stem = stem[: -len("/list")]
        for k in range(1, min(pages, 1000)):
            target = urlunsplit((parts.scheme, parts.netloc, f"{stem}/{k}.htm", "", ""))
            found.add(Link(target, LIST, "vsb page", depth=depth))
