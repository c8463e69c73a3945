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
from functools import lru_cache
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


@dataclass(frozen=True)
class Candidate:
    """A same-page link that may lead towards the report column (best-first discovery)."""

    url: str
    text: str                      # what a human reads: anchor text, title, or the block's words
    score: int                     # discovery.column_score
    why: str
    issuer: str | None = None      # the anchor names a department or township


@dataclass
class Discovery:
    links: list[Link] = field(default_factory=list)
    title: str | None = None       # the page's own title, when it names a report
    candidates: list[Candidate] = field(default_factory=list)  # navigation links, scored
    page_score: int = 0            # how strongly the page says it is a report column itself
    page_name: str | None = None   # its <title> / breadcrumb, for the summary

    _at: dict = field(default_factory=dict, repr=False)  # link key → its index in links

    def add(self, link: Link) -> None:
        i = self._at.get(link.key)
        if i is None:
            self._at[link.key] = len(self.links)
            self.links.append(link)
        elif self.links[i].role == LIST and link.role in (DETAIL, ATTACHMENT):
            self.links[i] = link  # an adapter that knows the link is a report outranks a year link

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


_LAST_TREE: list = [None, []]  # the last tree read and its anchors: each pass over a page reuses them


def anchor_nodes(tree: LexborHTMLParser) -> list[tuple]:
    """(node, href, anchor text, title attribute) of every link, texts cleaned, read once per page."""
    if _LAST_TREE[0] is tree:
        return _LAST_TREE[1]
    out = []
    for a in tree.css("a[href]"):
        attrs = a.attributes
        out.append((a, attrs.get("href") or "", d.clean(a.text(deep=True, separator="", strip=True)),
                    d.clean(attrs.get("title") or "")))
    _LAST_TREE[0], _LAST_TREE[1] = tree, out  # holding the tree keeps its id from being reused
    return out


def anchors(tree: LexborHTMLParser) -> list[tuple[str, str, str]]:
    """(href, anchor text, title attribute) of every link, texts cleaned."""
    return [(href, text, title) for _, href, text, title in anchor_nodes(tree)]


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
        self.navigation(url, tree, found)
        return found

    def navigation(self, url: str, tree: LexborHTMLParser, found: Discovery) -> None:
        """Score every link of the page by how strongly it points at the report column.

        The crawler follows the best ones first, within its page budget; the page's own
        <title> and breadcrumb trail say whether this page already is a column.
        """
        title_node = tree.css_first("title")
        title = d.clean(title_node.text()) if title_node is not None else ""
        trail = breadcrumb(tree)
        found.page_score = max(d.page_evidence(title, trail), d.column_score(None, None, url)[0] // 2)
        found.page_name = d.page_name(title, trail)
        known = {link.url for link in found.links if link.role != LIST}
        # a page listing the departments or townships (部门信息公开): each name leads to that
        # issuer's own disclosure page, where its report column is
        directory = d.is_issuer_directory(found.page_name)
        seen: set[str] = set()
        for node, href, text, alt in anchor_nodes(tree):
            target = absolute(url, href)
            if target is None or target == url or target in known or target in seen:
                continue
            if _not_a_page(target):
                continue
            context = _block_text(node, text) if d.says_nothing(text) else None
            score, why = d.column_score(text, alt, target, context)
            issuer = None
            name = text or alt
            if directory and d.is_issuer_name(name):
                issuer = name
                # a department's or township's own page: its report column is one step below
                score, why = max(score, 25), why or "names a department or township"
            if score <= 0:
                continue
            seen.add(target)
            found.candidates.append(Candidate(target, name or (context or ""), score, why, issuer))

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
        """Sub-columns of a report column, wherever their URLs point on the site.

        部门年报 / 乡镇年报, per-year sub-columns and year index pages (2023, 2023年度, 2023年报),
        the 本级 / 部门 / 乡镇 tabs of a column split by issuer, and a box's 更多>> whose block
        names one of those. Year columns often do not nest under the column's URL (Hanweb
        /col/colN/, /<site>/cN/): the crawler bounds them by column depth and site scope, and
        only follows them from a page it knows is a report column.
        """
        for node, href, text, title in anchor_nodes(tree):
            target = absolute(url, href)
            if target is None or target == url or d.attachment_url(target):
                continue
            label = text or title
            if d.says_nothing(label):  # 更多>>: the words of its box name the target
                block = _block_text(node, text)
                label = d.clean(_MORE.sub("", block or "")) if block else ""
                if not label:
                    continue
            if d.is_column_title(label) or d.is_column_title(title) or d.is_split_tab(label):
                found.add(Link(target, LIST, label, depth=depth + 1))
            elif d.is_year_link(label):
                found.add(Link(target, LIST, label, d.year_of(label[:4] + "年"), depth=depth + 1))

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


_MORE = re.compile(r"(?:查看)?更多(?:信息)?|查看全部|[Mm]ore|MORE|[>》»+]+")
_NOT_PAGE = re.compile(r"\.(?:jpe?g|png|gif|bmp|svg|ico|css|js|zip|rar|7z|xlsx?|pptx?|mp4|mp3|flv|swf|apk|exe)$",
                       re.IGNORECASE)
_CRUMB_SELECTORS = ('[class*="crumb"]', '[class*="position"]', '[class*="location"]', '[class*="dqwz"]',
                    '[id*="crumb"]', '[id*="position"]', '[id*="location"]', '[class*="wz"]', '[class*="nav-path"]')


@lru_cache(maxsize=1 << 14)
def _not_a_page(url: str) -> bool:
    """A file or an asset, not a page that could lead to the column."""
    return d.attachment_url(url) or bool(_NOT_PAGE.search(urlsplit(url).path))


def breadcrumb(tree: LexborHTMLParser) -> str | None:
    """The 当前位置 trail of a page (首页 > 政务公开 > 政府信息公开年报), when it has one."""
    for sel in _CRUMB_SELECTORS:
        for node in tree.css(sel)[:2]:
            text = d.clean(node.text(deep=True, separator="", strip=True))
            if 0 < len(text) <= 120 and (re.search(r"[>＞»›]", text) or "当前位置" in text or "您的位置" in text):
                return text
    return None


def _block_text(node, anchor_text: str) -> str | None:
    """Words of the block around an anchor that says nothing itself (a box's "更多>>")."""
    current = node
    for _ in range(3):
        parent = current.parent
        if parent is None:
            return None
        own = d.clean(parent.text(deep=True, separator=" ", strip=True))
        own = own.replace(anchor_text, "").strip() if anchor_text else own
        if own:
            if len(own) <= 30:
                return own
            # a box with items: its heading is the first line of text before the items
            head = parent.css_first("h1, h2, h3, h4, h5, .title, [class*='tit'], [class*='hd'], span, strong")
            if head is not None:
                words = d.clean(head.text(deep=True, strip=True))
                if 0 < len(words) <= 30:
                    return words
            return None
        current = parent
    return None


def trs_create_page_urls(url: str, text: str) -> list[str]:
    """TRS WCM list pages print their pager from createPageHTML(count, current, "index", "html").

    Page 0 is `index.html`, page k is `index_k.html`; all share the list's directory.
    """
    if "createPage" not in text:  # cheap test first: the patterns cannot anchor on a literal
        return []
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
