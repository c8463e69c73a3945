"""Report pages published as pictures (图片版): the page's <img>s, in page order, as one document.

Some counties put their annual report online as a page whose content is a series of scanned
page images, shown (<img>) or linked as attachments (附件1.jpg …). Such a page carries no
report text and links no document file, so without this it would be counted "not a report";
storing each picture as a report of its own would file one page as a whole report. When a detail page's title names a year's report, its content
pictures are fetched (through the same polite fetcher, each try recorded and each body stored
as a blob as it came) and the report is stored as an image bundle (ingest/parse/readers/image_bundle.py:
a deterministic ZIP of the pictures in page order with a manifest), kind `page`, under the
page's URL — the parser reads it with OCR, one page per picture.

All or nothing: if any picture cannot be fetched or is not a picture, nothing is stored (a
report missing a page would look whole) and the failure is counted under its reason.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import unquote, urlsplit

from ingest.crawl import discovery as d
from ingest.crawl.adapters import ATTACHMENT
from ingest.crawl.adapters.base import absolute, parse_html

BUNDLE_TYPE = "application/x-image-bundle+zip"
# Where portals put an article's body (TRS, Hanweb, VSB, generic CMSs); the whole body else.
_CONTENT = (".TRS_Editor", "#zoom", ".zoom", "#UCAP-CONTENT", ".article-content", ".article_content",
            ".content", "#content", ".con", ".detail", ".wzxq", "article", ".article", "body")
_PICTURE = re.compile(r"\.(?:png|jpe?g|gif|bmp|tiff?)$", re.IGNORECASE)
# Page furniture: logos, QR codes, share and print buttons, separators.
_FURNITURE = re.compile(r"logo|icon|ico_|qr|ewm|erweima|share|weixin|wechat|weibo|print|close|btn|button|"
                        r"arrow|spacer|blank|line|dot|banner|nav|head|foot|bg[_.-]|jiucuo|zfwzgl|"
                        r"conac|gongan|beian|wza|search", re.IGNORECASE)
MIN_SIDE = 200  # a picture declared smaller than this (width/height attributes) is not a page


def content_pictures(url: str, html: str) -> list[str]:
    """Absolute URLs of the content pictures of a page, in page order (duplicates once): its
    <img>s and its links to pictures (a thumbnail linking the full page gives the full one)."""
    tree = parse_html(html)
    node = None
    for sel in _CONTENT:
        found = [n for n in tree.css(sel) if n.css_first("img") is not None]
        if found:
            node = found[0]
            break
    if node is None:
        return []
    out: list[str] = []
    for el in node.css("img, a[href]"):  # document order
        attrs = el.attributes
        if el.tag == "a":
            # a linked picture (附件1.jpg, or a thumbnail opening the full page): the full one
            src = attrs.get("href") or ""
            if not _PICTURE.search(unquote(urlsplit(src).path)):
                continue
        else:
            if _linked_picture(el):
                continue  # its link already gave the full-size picture
            src = attrs.get("data-src") or attrs.get("data-original") or attrs.get("src") or ""
            if any(_small(attrs.get(k)) for k in ("width", "height")):
                continue
        if not src or src.startswith("data:"):
            continue
        path = unquote(urlsplit(src).path)
        name = path.rsplit("/", 1)[-1]
        if _FURNITURE.search(name) or (not _PICTURE.search(path) and "." in name):
            continue
        target = absolute(url, src)
        if target and target not in out:
            out.append(target)
    return out


def _linked_picture(img) -> bool:
    parent = img.parent
    while parent is not None and parent.tag not in ("a", "body"):
        parent = parent.parent
    return (parent is not None and parent.tag == "a"
            and bool(_PICTURE.search(unquote(urlsplit(parent.attributes.get("href") or "").path))))


def _small(value: str | None) -> bool:
    m = re.match(r"\s*(\d+)\s*(?:px)?\s*$", value or "")
    return bool(m) and int(m.group(1)) < MIN_SIDE


async def store_picture_report(walk, link, context: dict, here: str, html: str, title: str | None,
                               issuer: str, year: int | None) -> bool:
    """Fetch the pictures of a report page made of pictures and store their bundle.
    True when the page was one (stored, or failed and counted); False when it is not."""
    from ingest.crawl.archive import NewDocument
    from ingest.crawl.fetcher import Request
    from ingest.parse.readers import image_bundle
    from ingest.parse.readers.ocr import image_kind

    if not d.is_report_title(title):
        return False
    urls = content_pictures(here, html)
    if not urls:
        return False
    if len(urls) > image_bundle.MAX_IMAGES:
        walk.summary.fail(f"picture report of {len(urls)} pictures (at most {image_bundle.MAX_IMAGES})", link.url)
        return True
    pictures: list[tuple[str, bytes]] = []
    for url in urls:
        if not walk.scope.allows(url):
            walk.summary.fail("picture report: a picture is off the site's scope", url)
            return True
        result = await walk.crawl.fetcher.fetch(Request(
            url=url, purpose=ATTACHMENT, method="GET", data=None, source_id=walk.source.id,
            scope=walk.scope, tls=walk.source.tls_verify, validators=walk.crawl.validators.get(url)))
        if not result.ok:
            walk.summary.fail(result.final.error or f"HTTP {result.final.status}", url)
            return True
        walk.summary.pages_fetched += 1
        body = await walk._body(result)
        if body is None or image_kind(body) is None:
            walk.summary.fail("picture report: a picture is not an image", url)
            return True
        pictures.append((unquote(urlsplit(url).path).rsplit("/", 1)[-1], body))
    data = image_bundle.write(pictures, page_url=link.url, urls=urls)
    sha = await asyncio.to_thread(walk.archive.put_blob, data)
    doc = NewDocument(sha256=sha, url=link.url, source_id=walk.source.id, issuer=issuer, title=title,
                      content_type=BUNDLE_TYPE, encoding=None, encoding_source=None, bytes=len(data),
                      year_hint=year, parent_url=context.get("parent_url"), kind="page")
    await walk._store(doc, None, data)
    return True
