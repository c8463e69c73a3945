"""TRS WCM portals (the most common platform): createPageHTML pagers and script-filled lists.

Static list pages page through `index_1.html`, `index_2.html`… (see base.trs_create_page_urls).
Some columns ship an empty list that JavaScript fills from a JSON search API; the static HTML
then has no report links at all. The adapter finds that API in the page's inline scripts (a
URL literal naming json/api/search/list, plus the page parameter and simple `data: {…}` pairs
the script sends) or takes it from the registry (`options.list_api`), and reads any JSON
shape that holds records with a title and a URL.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

from ingest.crawl import discovery as d
from ingest.crawl.adapters.base import API, ATTACHMENT, DETAIL, Adapter, Discovery, Link, parse_html, with_query
from ingest.crawl.domains import absolute

_URL_LITERAL = re.compile(r"""["']((?:https?://|/|\./|\.\./)?[\w./%-]*(?:json|api|search|list|query|getdata)"""
                          r"""[\w./%-]*(?:\?[^"'\s<>]*)?)["']""", re.IGNORECASE)
_PAGE_PARAM = re.compile(r"\b(pageNo|pageNum|pageIndex|curPage|currentPage|page|pn)\b\s*[:=]", re.IGNORECASE)
_DATA_OBJECT = re.compile(r"\bdata\s*:\s*\{([^{}]*)\}", re.IGNORECASE)
_PAIR = re.compile(r"""["']?(\w+)["']?\s*:\s*(?:["']([^"']*)["']|(-?\d+))""")
_NOT_API = re.compile(r"\.(?:js|css|png|jpe?g|gif|svg|ico|html?|shtml)(?:\?|$)", re.IGNORECASE)

TITLE_KEYS = ("title", "doctitle", "docTitle", "name", "subject", "bt", "articletitle", "showtitle")
URL_KEYS = ("url", "docpuburl", "docPubUrl", "link", "href", "docurl", "puburl", "pageurl", "fileurl", "path")
PAGES_KEYS = ("totalpage", "totalpages", "pagecount", "pages", "page_count", "pagetotal")
TOTAL_KEYS = ("total", "totalcount", "totalrecord", "recordcount", "totalnum", "count", "totalelements")
SIZE_KEYS = ("pagesize", "size", "rows", "perpage", "limit", "page_size")


class TrsAdapter(Adapter):
    name = "trs"
    description = "TRS WCM: createPageHTML pagers, per-year folders, JSON list APIs behind script-filled lists"

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        return ("list_api",)

    @classmethod
    def check_options(cls, options: dict) -> None:
        super().check_options(options)
        api = options.get("list_api")
        if api is None:
            return
        if not isinstance(api, dict) or not isinstance(api.get("url"), str):
            raise ValueError("list_api must be a mapping with at least 'url'")
        extra = set(api) - {"url", "page_param", "first_page", "params"}
        if extra:
            raise ValueError(f"list_api has unknown key {', '.join(sorted(extra))}")
        if "params" in api and not isinstance(api["params"], dict):
            raise ValueError("list_api.params must be a mapping")

    def seeds(self, source) -> list[Link]:
        links = super().seeds(source)
        api = self.options.get("list_api")
        if api:
            url = absolute(source.base_url, api["url"])
            params = {**(api.get("params") or {}), api.get("page_param", "page"): api.get("first_page", 1)}
            links.append(Link(with_query(url, **params), API, "list_api"))
        return links

    def discover_list(self, url: str, text: str, depth: int = 0) -> Discovery:
        found = super().discover_list(url, text, depth)
        if not found.links or not any(link.role in (DETAIL, ATTACHMENT) for link in found.links):
            for api in script_apis(url, text):
                found.add(Link(api, API, "script list", depth=depth))
        return found

    def discover_api(self, link: Link, text: str) -> Discovery:
        found = Discovery()
        try:
            doc = json.loads(text)
        except ValueError:
            doc = _jsonp(text)
            if doc is None:
                return found
        for title, href in json_records(doc):
            target = absolute(link.url, href)
            if target is None or not d.is_report_title(title):
                continue
            role = ATTACHMENT if d.attachment_url(target) else DETAIL
            found.add(Link(target, role, title, d.year_of(title), depth=link.depth))
        param, current = page_param_of(link.url)
        pages = total_pages(doc)
        if param and pages and current is not None and current <= 1:
            first = current
            for k in range(first + 1, min(pages + (1 if first == 1 else 0), 500)):
                found.add(Link(with_query(link.url, **{param: k}), API, "api page", depth=link.depth))
        return found


def script_apis(url: str, text: str) -> list[str]:
    """JSON list endpoints named by the page's inline scripts, set to their first page."""
    tree = parse_html(text)
    out: list[str] = []
    for node in tree.css("script"):
        if node.attributes.get("src"):
            continue
        code = node.text() or ""
        page = _PAGE_PARAM.search(code)
        if not page:
            continue
        pairs: dict[str, str] = {}
        for obj in _DATA_OBJECT.finditer(code):
            for m in _PAIR.finditer(obj.group(1)):
                pairs[m.group(1)] = m.group(2) if m.group(2) is not None else m.group(3)
        for m in _URL_LITERAL.finditer(code):
            literal = m.group(1)
            if _NOT_API.search(urlsplit(literal).path + "?"):
                continue
            target = absolute(url, literal)
            if target is None:
                continue
            params = dict(pairs)
            params[page.group(1)] = pairs.get(page.group(1), "1")
            api = with_query(target, **params)
            if api not in out:
                out.append(api)
    return out


def page_param_of(url: str) -> tuple[str | None, int | None]:
    for key, value in parse_qsl(urlsplit(url).query):
        if key.lower() in ("page", "pageno", "pagenum", "pageindex", "curpage", "currentpage", "pn"):
            try:
                return key, int(value)
            except ValueError:
                return key, None
    return None, None


def _lower_get(obj: dict, keys: tuple[str, ...]):
    lowered = {str(k).lower(): v for k, v in obj.items()}
    for key in keys:
        if key.lower() in lowered:
            return lowered[key.lower()]
    return None


def json_records(doc) -> list[tuple[str, str]]:
    """(title, url) of every object in a JSON document that has both."""
    out: list[tuple[str, str]] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            title, href = _lower_get(node, TITLE_KEYS), _lower_get(node, URL_KEYS)
            if isinstance(title, str) and isinstance(href, str) and href.strip():
                # titles may carry search highlighting: <em>年度报告</em>
                out.append((d.clean(re.sub(r"<[^>]+>", "", title)), href.strip()))
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return out


def total_pages(doc) -> int | None:
    """The page count a JSON list response states, directly or as total / page size."""
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            pages = _lower_get(node, PAGES_KEYS)
            if isinstance(pages, (int, str)) and str(pages).isdigit() and int(pages) > 0:
                return int(pages)
            total, size = _lower_get(node, TOTAL_KEYS), _lower_get(node, SIZE_KEYS)
            if all(isinstance(v, (int, str)) and str(v).isdigit() and int(v) > 0 for v in (total, size)):
                return -(-int(total) // int(size))
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict))
    return None


def _jsonp(text: str):
    m = re.match(r"^\s*[\w$.]+\s*\((.*)\)\s*;?\s*$", text, re.DOTALL)
    if not m:
        return None
    try:
        return json.loads(m.group(1))
    except ValueError:
        return None
