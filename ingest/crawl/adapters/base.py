"""What an adapter is, and the generic one every platform family builds on.

An adapter is pure: it turns (url, decoded page) into links, never fetches. The crawler
decides what to fetch, checks the site scope and records everything; adapters can therefore
be tested on saved pages. Families differ in how lists are paginated or filled (TRS
createPageHTML and JSON APIs, Hanweb dataproxy.jsp, Zhejiang's per-year report URLs, …) and in
where a detail page keeps its title; the rest is the generic behaviour here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from ingest.crawl import discovery as d
from ingest.crawl.domains import absolute

# Roles of a request: what its response is expected to be.
LIST, API, DETAIL, ATTACHMENT = "list", "api", "detail", "attachment"


@dataclass(frozen=True)
class Link:
    """Something to fetch, with what discovery knew about it when it was found."""

    url: str
    role: str                      # list | api | detail | attachment
    text: str = ""                 # anchor text or title attribute, cleaned
    year: int | None = None
    method: str = "GET"
    data: tuple[tuple[str, str], ...] | None = None  # form body for POST list APIs
    issuer: str | None = None      # when the adapter knows it better than the title
    depth: int = 0                 # column hops from the entry (bounded by the crawler)

    @property
    def key(self) -> tuple:
        return (self.method, self.url, self.data)


@dataclass
class Discovery:
    links: list[Link] = field(default_factory=list)
    title: str | None = None       # the page's own title, when it names a report

    def add(self, link: Link) -> None:
        if all(link.key != other.key for other in self.links):
            self.links.append(link)

    def of(self, role: str) -> list[Link]:
        return [link for link in self.links if link.role == role]


_PAGE_TEXT_NEXT = re.compile(r"^(?:下一?页|后一?页|下页|尾页|末页|最后一?页|>|»|›|>>|\d{1,4})$")
_PAGINATED_PATH = re.compile(
    r"(?:(?:index|list|default|more)[_-]?\d+\.s?html?|/\d{1,4}\.s?html?|list\d*\.s?html?|_\d{1,4}\.s?html?)$",
    re.IGNORECASE)
_PAGE_PARAMS = ("page", "pageno", "pageindex", "curpage", "currentpage", "pagenum", "p", "pn", "startrecord")
_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")
_COUNT_PAGE = re.compile(r"(?:var\s+)?countPage\s*=\s*['\"]?(\d+)")


def parse_html(text: str) -> LexborHTMLParser:
    return LexborHTMLParser(text or "")


def anchors(tree: LexborHTMLParser) -> list[tuple[str, str, str]]:
    """(href, anchor text, title attribute) of every link, texts cleaned."""
    out = []
    for a in tree.css("a[href]"):
        attrs = a.attributes
        out.append((attrs.get("href") or "", d.clean(a.text(deep=True, separator="", strip=True)),
                    d.clean(attrs.get("title") or "")))
    return out


def best_label(text: str, title: str) -> str:
    """The anchor's fullest name: the title attribute unless only the text names a report."""
    if title and d.is_report_title(title):
        return title
    if text and (d.is_report_title(text) or not title):
        return text
    return title or text


def directory_of(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path.rsplit("/", 1)[0] + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class Adapter:
    """Generic link discovery; platform families subclass it."""

    name = "generic"
    description = "any portal: report links by anchor text, index_N/N.html/下一页 pagination, attachments"

    def __init__(self, options: dict | None = None):
        self.options = dict(options or {})

    @classmethod
    def check_options(cls, options: dict) -> None:
        """Raise ValueError naming what is wrong with this adapter's registry options."""
        unknown = set(options) - set(cls.option_names())
        if unknown:
            raise ValueError(f"unknown option {', '.join(sorted(unknown))} for adapter {cls.name}")

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        return ()

    # ---- seeds -------------------------------------------------------------------------
    def seeds(self, source) -> list[Link]:
        """First requests of a source: its entry URLs (families may add more)."""
        return [Link(url=u, role=LIST, depth=0) for u in source.entry]

    # ---- list pages ----------------------------------------------------------------------
    def discover_list(self, url: str, text: str, depth: int = 0) -> Discovery:
        tree = parse_html(text)
        found = Discovery()
        self.report_links(url, tree, found, depth)
        self.pagination(url, tree, text, found, depth)
        self.column_links(url, tree, found, depth)
        return found

    def report_links(self, url: str, tree: LexborHTMLParser, found: Discovery, depth: int) -> None:
        for href, text, title in anchors(tree):
            target = absolute(url, href)
            if target is None:
                continue
            label = best_label(text, title)
            if not d.is_report_title(label):
                continue
            year = d.year_of(label)
            viewer = d.viewer_target(target)
            if viewer:
                found.add(Link(absolute(target, viewer) or target, ATTACHMENT, label, year, depth=depth))
            elif d.attachment_url(target, text):
                found.add(Link(target, ATTACHMENT, label, year, depth=depth))
            else:
                found.add(Link(target, DETAIL, label, year, depth=depth))

    def pagination(self, url: str, tree: LexborHTMLParser, text: str, found: Discovery, depth: int) -> None:
        here = directory_of(url)
        for href, atext, _ in anchors(tree):
            target = absolute(url, href)
            if target is None or target == url:
                continue
            if _PAGE_TEXT_NEXT.match(atext) and self.is_page_of(url, target, here):
                found.add(Link(target, LIST, atext, depth=depth))
        for target in trs_create_page_urls(url, text):
            found.add(Link(target, LIST, "createPageHTML", depth=depth))

    @staticmethod
    def is_page_of(url: str, target: str, here: str) -> bool:
        """Is `target` another page of the list at `url` (same directory, paginated form)?"""
        t = urlsplit(target)
        u = urlsplit(url)
        if t.netloc != u.netloc:
            return False
        if t.path == u.path and t.query != u.query:
            keys = {k.lower() for k, _ in parse_qsl(t.query)}
            return bool(keys & set(_PAGE_PARAMS))
        if not target.startswith(here) and not here.startswith(directory_of(target)):
            # VSB pages: list.htm → list/2.htm (a sub-directory named after the list)
            stem = u.path.rsplit(".", 1)[0]
            if not t.path.startswith(stem + "/"):
                return False
        return bool(_PAGINATED_PATH.search(t.path)) or t.path.endswith("/")

    def column_links(self, url: str, tree: LexborHTMLParser, found: Discovery, depth: int) -> None:
        """Sub-columns: 部门年报 / 乡镇年报 / per-year folders under the current column."""
        here = directory_of(url)
        for href, text, title in anchors(tree):
            target = absolute(url, href)
            if target is None or target == url:
                continue
            label = text or title
            if depth == 0 and d.is_hub_title(label):
                # from a home page: the disclosure platform, where the report column lives
                found.add(Link(target, LIST, label, depth=depth + 1))
            elif d.is_column_title(label) or d.is_column_title(title):
                found.add(Link(target, LIST, label, depth=depth + 1))
            elif d.is_year_link(label) and target.startswith(here):
                found.add(Link(target, LIST, label, d.year_of(label + "年"), depth=depth + 1))

    # ---- API responses -------------------------------------------------------------------
    def discover_api(self, link: Link, text: str) -> Discovery:
        return Discovery()

    # ---- detail pages ----------------------------------------------------------------------
    def inspect_detail(self, url: str, text: str) -> tuple[Discovery, bool]:
        """A detail page's links and title, and whether it carries the report inline (one parse)."""
        tree = parse_html(text)
        found = self.detail_from_tree(url, tree)
        return found, self.report_in_tree(tree)  # last: it strips scripts from the tree

    def discover_detail(self, url: str, text: str) -> Discovery:
        return self.detail_from_tree(url, parse_html(text))

    def detail_from_tree(self, url: str, tree: LexborHTMLParser) -> Discovery:
        found = Discovery(title=self.detail_title(tree))
        for href, atext, title in anchors(tree):
            target = absolute(url, href)
            if target is None:
                continue
            viewer = d.viewer_target(target)
            if viewer:
                found.add(Link(absolute(target, viewer) or target, ATTACHMENT, title or atext))
            elif d.attachment_url(target, atext):
                found.add(Link(target, ATTACHMENT, title or atext))
        for node in tree.css("iframe[src], embed[src], object[data]"):
            src = node.attributes.get("src") or node.attributes.get("data") or ""
            target = absolute(url, src)
            if target is None:
                continue
            viewer = d.viewer_target(target)
            if viewer:
                found.add(Link(absolute(target, viewer) or target, ATTACHMENT, ""))
            elif d.attachment_url(target):
                found.add(Link(target, ATTACHMENT, ""))
        return found

    def detail_title(self, tree: LexborHTMLParser) -> str | None:
        """The page's own report title: meta ArticleTitle, headings, then <title>."""
        candidates = []
        for sel in ('meta[name="ArticleTitle"]', 'meta[name="articletitle"]', 'meta[property="og:title"]'):
            node = tree.css_first(sel)
            if node is not None:
                candidates.append(node.attributes.get("content") or "")
        for sel in ("ucaptitle", "h1", ".article-title", ".title", "h2", "h3", "title"):
            for node in tree.css(sel)[:3]:
                candidates.append(node.text(deep=True, separator="", strip=True))
        for c in candidates:
            # <title> often appends the site name: 汉阴县…年度报告_汉阴县人民政府
            for part in re.split(r"\s*(?:[_|｜]|\s-\s)\s*", d.clean(c)):
                if d.is_report_title(part):
                    return part
        return None

    def looks_like_report(self, text: str) -> bool:
        return self.report_in_tree(parse_html(text))

    def report_in_tree(self, tree: LexborHTMLParser) -> bool:
        """Does the page carry a report inline? Strips scripts and styles from `tree`."""
        tree.strip_tags(["script", "style", "noscript"])
        return d.looks_like_report_text(tree.body.text(separator="\n") if tree.body else "")


def trs_create_page_urls(url: str, text: str) -> list[str]:
    """TRS WCM list pages print their pager from createPageHTML(count, current, "index", "html").

    Page 0 is `index.html`, page k is `index_k.html`; all share the list's directory.
    """
    m = _CREATE_PAGE.search(text)
    if m:
        count, prefix, suffix = int(m.group(1)), m.group(3), m.group(4)
    else:
        c = _COUNT_PAGE.search(text)
        if not c or "createPage" not in text:
            return []
        count, prefix, suffix = int(c.group(1)), "index", "html"
    here = directory_of(url)
    return [f"{here}{prefix}_{k}.{suffix}" for k in range(1, min(count, 1000))]


def with_query(url: str, **params) -> str:
    """`url` with its query parameters set/replaced (order kept, new ones appended)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    lower = {k.lower(): k for k, _ in query}
    for key, value in params.items():
        real = lower.get(key.lower(), key)
        if real in dict(query):
            query = [(k, str(value) if k == real else v) for k, v in query]
        else:
            query.append((key, str(value)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
