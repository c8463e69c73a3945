"""Zhejiang's disclosure module: one report URL per issuer and year.

Portals on the Zhejiang government-site platform (longyou.gov.cn, lishui.gov.cn, …) serve
every issuer's report at `/module/xxgk/xxgkAnnualReport.jsp?fbtime=<year>&area=<unit code>`,
usually linked from Hanweb column pages. Links to that module are reports whatever their
anchor text (often just "2023年"); with `options.areas` (unit code → issuer name) the adapter
also requests each issuer's URL for every year in `options.years` ([first, last], default
2019 to last year), so reports the lists no longer link are still found. A year with no
report answers an empty page, which the crawler's report check then rejects.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

from ingest.crawl import discovery as d
from ingest.crawl.adapters.base import DETAIL, Discovery, Link, anchors, parse_html
from ingest.crawl.adapters.hanweb import HanwebAdapter
from ingest.crawl.domains import absolute

MODULE_PATH = "/module/xxgk/xxgkAnnualReport.jsp"
FIRST_YEAR = 2019  # the current six-section format; earlier reports follow other rules


class ZhejiangAdapter(HanwebAdapter):
    name = "zhejiang"
    description = "Zhejiang platform: Hanweb columns plus xxgkAnnualReport.jsp?fbtime=<year>&area=<code>"

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        return ("areas", "years", "module_path", "perpage")

    @classmethod
    def check_options(cls, options: dict) -> None:
        super().check_options(options)
        areas = options.get("areas", {})
        if not isinstance(areas, dict) or not all(isinstance(v, str) for v in areas.values()):
            raise ValueError("areas must map unit codes to issuer names")
        years = options.get("years")
        if years is not None and not (isinstance(years, list) and len(years) == 2
                                      and all(isinstance(y, int) for y in years) and years[0] <= years[1]):
            raise ValueError("years must be [first, last]")

    def seeds(self, source) -> list[Link]:
        links = super().seeds(source)
        first, last = self.options.get("years") or [FIRST_YEAR, dt.date.today().year - 1]
        path = self.options.get("module_path", MODULE_PATH)
        for area, issuer in (self.options.get("areas") or {}).items():
            for year in range(first, last + 1):
                url = absolute(source.base_url, f"{path}?fbtime={year}&area={area}")
                links.append(Link(url, DETAIL, f"{issuer}{year}年政府信息公开工作年度报告", year, issuer=issuer))
        return links

    def discover_list(self, url: str, text: str, depth: int = 0) -> Discovery:
        found = super().discover_list(url, text, depth)
        for href, atext, title in anchors(parse_html(text)):
            target = absolute(url, href)
            if target is None or "xxgkannualreport" not in urlsplit(target).path.lower():
                continue
            query = {k.lower(): v for k, v in parse_qsl(urlsplit(target).query)}
            year = int(query["fbtime"]) if query.get("fbtime", "").isdigit() else d.year_of(title or atext)
            label = title or atext
            if not d.is_report_title(label) and year:
                label = f"{year}年政府信息公开工作年度报告"
            found.add(Link(target, DETAIL, label, year, depth=depth))
        return found
