"""A report page made of pictures (图片版) is archived as one image bundle, pictures in order.

A small site served by a real HTTP server on 127.0.0.1 and crawled as `python -m ingest crawl`
does: its report column links a detail page whose content is three <img> (two page pictures
and a QR code of the page furniture) and no text; a second page's picture is missing (404).
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from ingest.crawl.images import content_pictures
from ingest.parse import sniff_kind
from ingest.parse.readers import image_bundle
from tests.crawl.conftest import query, shiquan_site
from bench.sites.layouts import links, page
from tests.crawl.test_discovery import crawl

GOV = "石泉县人民政府"
TITLE = "石泉县人民政府2023年政府信息公开工作年度报告"
TITLE_22 = "石泉县人民政府2022年政府信息公开工作年度报告"


def _picture(shade: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (300, 400), shade).save(buf, "PNG")
    return buf.getvalue()


def _pictures_page(title: str, imgs: list[str]) -> str:
    body = ('<div class="article"><h1>' + title + '</h1><div class="TRS_Editor">'
            + "".join(f'<p><img src="{src}" /></p>' for src in imgs)
            + '<p><img src="/images/ewm.png" width="120" height="120"></p></div></div>')
    return page(title, body, gov=GOV)


@pytest.fixture
def site(tmp_path):
    files = {
        "/index.html": page("政府信息公开年报", links(("/nb/2024/t1.html", TITLE), ("/nb/2023/t2.html", TITLE_22)),
                            gov=GOV),
        "/nb/2024/t1.html": _pictures_page(TITLE, ["/uploads/2024/p1.png", "/uploads/2024/p2.png"]),
        "/nb/2023/t2.html": _pictures_page(TITLE_22, ["/uploads/2023/p1.png", "/uploads/2023/gone.png"]),
        "/uploads/2024/p1.png": _picture(250),
        "/uploads/2024/p2.png": _picture(200),
        "/uploads/2023/p1.png": _picture(240),
        "/images/ewm.png": _picture(0),
    }
    portal, registry = shiquan_site(tmp_path, "pictures", files)
    try:
        yield portal, registry, files
    finally:
        portal.stop()


def test_picture_report_is_stored_as_one_bundle_in_page_order(site, tmp_path):
    portal, registry, files = site
    data_dir = tmp_path / "data"
    summary = crawl(registry, data_dir)
    rows = query(data_dir, "SELECT url, kind, sha256, title, year_hint, content_type FROM document_versions")
    assert len(rows) == 1, rows  # the page whose second picture is missing is not stored
    url, kind, sha, title, year, ctype = rows[0]
    assert (url, kind, title, year) == (portal.base + "/nb/2024/t1.html", "page", TITLE, 2023)
    blob = next((data_dir / "archive" / "blobs").rglob(sha)).read_bytes()
    assert sniff_kind(blob, "t1.html") == "images"
    pictures = image_bundle.read(blob)
    assert [b for _, b in pictures] == [files["/uploads/2024/p1.png"], files["/uploads/2024/p2.png"]]
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(blob)).read(image_bundle.MANIFEST))
    assert [e["url"] for e in manifest["images"]] == [portal.base + "/uploads/2024/p1.png",
                                                      portal.base + "/uploads/2024/p2.png"]
    # every picture was fetched and its body kept as it came
    fetched = {u for (u,) in query(data_dir, "SELECT url FROM fetch_attempts WHERE purpose = 'attachment'")}
    assert portal.base + "/uploads/2024/p2.png" in fetched and portal.base + "/images/ewm.png" not in fetched
    failures = json.dumps(summary)
    assert "gone.png" in failures or "404" in failures
    # a second crawl stores the same bundle again: same bytes, same sha256, nothing new
    again = crawl(registry, data_dir)
    assert query(data_dir, "SELECT count(*) FROM document_versions")[0][0] == 1
    assert sum(s.get("new_documents", 0) for s in again.values()) == 0


def test_content_pictures_skip_furniture_and_keep_order():
    html = ('<html><body><div class="header"><img src="/logo.png"></div><div id="zoom">'
            '<img src="a/3.jpg"><img data-src="a/1.jpg" src="/loading.gif"><img src="a/3.jpg">'
            '<img src="/images/share_wx.png"><img src="x.png" width="16">'
            '<a href="/up/p4.JPG"><img src="/up/p4_thumb.jpg" width="100"></a>'
            '<a href="/up/附件5.png">附件5.png</a><a href="/up/notes.pdf">说明</a></div></body></html>')
    assert content_pictures("https://x.gov.cn/nb/t.html", html) == [
        "https://x.gov.cn/nb/a/3.jpg", "https://x.gov.cn/nb/a/1.jpg", "https://x.gov.cn/up/p4.JPG",
        "https://x.gov.cn/up/附件5.png"]
