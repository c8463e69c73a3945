"""Adapters are pure: saved pages in, links out (no server needed)."""

from __future__ import annotations

import json

from ingest.crawl import discovery as d
from ingest.crawl.adapters import ADAPTERS, API, ATTACHMENT, DETAIL, LIST, Link
from ingest.crawl.adapters.base import trs_create_page_urls, with_query
from ingest.crawl.domains import SiteScope, absolute, registrable_domain, site_of
from ingest.crawl.registry import parse
from bench.sites.portal import PORTAL

BASE = "http://www.hanyin.gov.cn"


def page(site: str, rel: str, encoding: str = "utf-8") -> str:
    return (PORTAL / site / rel).read_bytes().decode(encoding).replace("{{MIRROR}}", "http://mirror.example.com")


def by_role(found, role):
    return {link.url.removeprefix(BASE): link for link in found.of(role)}


def test_generic_list_page_reports_pager_and_columns():
    found = ADAPTERS["generic"]().discover_list(f"{BASE}/zwgk/zfxxgknb/index.html",
                                                page("county", "zwgk/zfxxgknb/index.html"))
    details = by_role(found, DETAIL)
    assert "/zwgk/zfxxgknb/202402/t20240206_1001.html" in details
    # the truncated anchor text gave way to the full title attribute
    assert details["/zwgk/zfxxgknb/202402/t20240130_1003.html"].text == "城关镇2023年政府信息公开工作年度报告"
    assert details["/zwgk/zfxxgknb/202402/t20240206_1001.html"].year == 2023
    assert "/zwgk/zfxxgknb/notice.html" not in details  # a notice about reports is not one
    lists = by_role(found, LIST)
    assert {"/zwgk/zfxxgknb/index_1.html", "/zwgk/zfxxgknb/index_2.html", "/zwgk/zfxxgknb/bmnb/"} <= set(lists)
    assert lists["/zwgk/zfxxgknb/bmnb/"].depth == 1
    assert "/zwgk/zfxxgkzn/" not in lists  # 政府信息公开指南 is not a report column
    # the mirror's copy is discovered (the crawler's scope check drops it, see below)
    assert "http://mirror.example.com/copy/t20240206_1001.html" in details
    assert not SiteScope(BASE).allows("http://mirror.example.com/copy/t20240206_1001.html")


def test_generic_detail_pages_find_attachments_and_viewer_files():
    generic = ADAPTERS["generic"]()
    inline = generic.discover_detail(f"{BASE}/zwgk/zfxxgknb/202402/t20240206_1001.html",
                                     page("county", "zwgk/zfxxgknb/202402/t20240206_1001.html"))
    assert inline.title == "汉阴县人民政府2023年度政府信息公开工作年度报告"
    assert set(by_role(inline, ATTACHMENT)) == {"/zwgk/zfxxgknb/202402/P020240206_1001.pdf", "/upload/2024/sqb.doc"}
    wrapper_html = page("county", "zwgk/zfxxgknb/202302/t20230210_0901.html")
    wrapper = generic.discover_detail(f"{BASE}/zwgk/zfxxgknb/202302/t20230210_0901.html", wrapper_html)
    assert set(by_role(wrapper, ATTACHMENT)) == {"/upload/2023/nb2022.pdf"}  # viewer.html?file=…
    assert not generic.looks_like_report(wrapper_html)
    assert generic.looks_like_report(page("county", "zwgk/zfxxgknb/202402/t20240206_1001.html"))
    assert not generic.looks_like_report(page("county", "zwgk/zfxxgknb/201302/t20130201_0001.html"))


def test_gbk_page_decodes_through_the_shared_decoder():
    from ingest.decode import decode_bytes

    raw = (PORTAL / "county/zwgk/zfxxgknb/202202/t20220215_0801.html").read_bytes()
    decoded = decode_bytes(raw, "text/html")
    assert (decoded.encoding, decoded.source) == ("gb18030", "meta")
    found = ADAPTERS["generic"]().discover_detail(f"{BASE}/x.html", decoded.text)
    assert found.title == "汉阴县人民政府2021年度政府信息公开工作年度报告"


def test_trs_pager_and_script_filled_list():
    assert trs_create_page_urls(f"{BASE}/nb/index.html", 'createPageHTML(4, 0, "index", "shtml");') == [
        f"{BASE}/nb/index_1.shtml", f"{BASE}/nb/index_2.shtml", f"{BASE}/nb/index_3.shtml"]
    trs = ADAPTERS["trs"]()
    found = trs.discover_list(f"{BASE}/zfxxgk/zfxxgknb/index.html", page("trs", "zfxxgk/zfxxgknb/index.html"))
    apis = found.of(API)
    assert [a.url for a in apis] == [f"{BASE}/irs/front/list.json?channelId=1234&pageSize=2&pageNo=1"]
    records = json.loads((PORTAL / "trs/_api_records.json").read_text(encoding="utf-8"))
    response = {"data": {"list": [{"DOCTITLE": r["title"], "DOCPUBURL": r["url"]} for r in records[:2]],
                         "pager": {"pageCount": 3}}}
    out = trs.discover_api(apis[0], json.dumps(response, ensure_ascii=False))
    assert [link.url.removeprefix(BASE) for link in out.of(DETAIL)] == ["/zfxxgk/zfxxgknb/202401/t20240125_2001.html"]
    assert [link.url for link in out.of(API)] == [
        f"{BASE}/irs/front/list.json?channelId=1234&pageSize=2&pageNo=2",
        f"{BASE}/irs/front/list.json?channelId=1234&pageSize=2&pageNo=3"]
    # later pages do not fan out again
    again = trs.discover_api(out.of(API)[0], json.dumps(response, ensure_ascii=False))
    assert not again.of(API)


def test_trs_list_api_from_the_registry():
    src = parse({"version": 1, "sources": [{
        "id": "t", "name": "桐梓县", "code": "520322", "province": "贵州省", "prefecture": "遵义市",
        "base_url": "https://www.gztongzi.gov.cn/", "entry": "/", "adapter": "trs", "confirmed": False,
        "options": {"list_api": {"url": "/api/nb", "page_param": "pageNo", "params": {"channelId": 7}}}}]},
        PORTAL).sources[0]
    seeds = ADAPTERS["trs"](src.options).seeds(src)
    assert seeds[-1] == Link("https://www.gztongzi.gov.cn/api/nb?channelId=7&pageNo=1", API, "list_api")


def test_hanweb_datastore_records_and_dataproxy_groups():
    hanweb = ADAPTERS["hanweb"]()
    url = "http://www.longyou.gov.cn/col/col1229/index.html"
    found = hanweb.discover_list(url, page("hanweb", "col/col1229/index.html"))
    assert len(found.of(DETAIL)) == 3
    (proxy,) = found.of(API)
    assert proxy.method == "POST"
    assert proxy.url == ("http://www.longyou.gov.cn/module/web/jpage/dataproxy.jsp?"
                         "startrecord=4&endrecord=6&perpage=1")
    assert dict(proxy.data)["columnid"] == "1229" and "page" not in dict(proxy.data)
    xml = ('<datastore><recordset><record><![CDATA[<li><a href="/art/2023/1/18/art_1229_4.html" '
           'title="龙游县人民政府2022年政府信息公开工作年度报告">x</a></li>]]></record></recordset>'
           '<totalrecord>9</totalrecord></datastore>')
    out = hanweb.discover_api(proxy, xml)
    assert [link.url for link in out.of(DETAIL)] == ["http://www.longyou.gov.cn/art/2023/1/18/art_1229_4.html"]
    assert [link.url.split("?")[1] for link in out.of(API)] == ["startrecord=7&endrecord=9&perpage=1"]


def test_zhejiang_annual_report_module():
    src = parse({"version": 1, "sources": [{
        "id": "ly", "name": "龙游县", "code": "330825", "province": "浙江省", "prefecture": "衢州市",
        "base_url": "https://www.longyou.gov.cn/", "entry": "/col/col1229114055/index.html",
        "adapter": "zhejiang", "confirmed": False,
        "options": {"areas": {"A1": "龙游县人民政府", "A2": "龙游县财政局"}, "years": [2022, 2023]}}]},
        PORTAL).sources[0]
    seeds = ADAPTERS["zhejiang"](src.options).seeds(src)
    assert [s.url for s in seeds if s.role == DETAIL] == [
        f"https://www.longyou.gov.cn/module/xxgk/xxgkAnnualReport.jsp?fbtime={y}&area={a}"
        for a in ("A1", "A2") for y in (2022, 2023)]
    assert seeds[-1].issuer == "龙游县财政局" and seeds[-1].year == 2023
    found = ADAPTERS["zhejiang"]().discover_list("https://www.longyou.gov.cn/col/col1229/index.html",
                                                 page("hanweb", "col/col1229/index.html"))
    module = [link for link in found.of(DETAIL) if "xxgkAnnualReport" in link.url]
    assert len(module) == 1 and module[0].year == 2023  # anchor text was just "2023年"


def test_vsb_pages_from_the_pager_script():
    html = ('<div><a href="zfxxgknb/6.htm">下页</a></div><script>_simple_list_gotopage_fun(7,\'GOPAGE\',2)'
            '</script><a href="/info/1041/12345.htm" title="府谷县人民政府2023年政府信息公开工作年度报告">府谷县…</a>'
            '<a href="/system/_content/download.jsp?urltype=news.DownloadAttachUrl&wbfileid=9">2023年报.pdf</a>')
    found = ADAPTERS["vsb"]().discover_list("http://www.fg.gov.cn/xxgk/zfxxgknb.htm", html)
    pages = sorted(link.url for link in found.of(LIST))
    assert pages == [f"http://www.fg.gov.cn/xxgk/zfxxgknb/{k}.htm" for k in range(1, 7)]
    assert [link.url for link in found.of(DETAIL)] == ["http://www.fg.gov.cn/info/1041/12345.htm"]
    detail = ADAPTERS["vsb"]().discover_detail("http://www.fg.gov.cn/info/1041/12345.htm", html)
    assert len(detail.of(ATTACHMENT)) == 1  # a download.jsp link named only by its text


def test_ucap_title_element():
    html = ("<html><head><title>沭阳县人民政府</title></head><body><ucaptitle>沭阳县人民政府2023年政府信息公开工作"
            "年度报告</ucaptitle><ucapcontent><p>一、总体情况</p><p>二、主动公开政府信息情况</p></ucapcontent></body></html>")
    ucap = ADAPTERS["ucap"]()
    assert ucap.discover_detail("http://www.shuyang.gov.cn/syx/gknb/202401/ab.shtml", html).title == \
        "沭阳县人民政府2023年政府信息公开工作年度报告"
    assert ucap.looks_like_report(html)


def test_title_rules():
    assert d.is_report_title("汉阴县人民政府2023年度政府信息公开工作年度报告")
    assert d.is_report_title("【城关镇】二〇二二年政府信息公开工作年度报告")
    assert not d.is_report_title("政府信息公开工作年度报告")  # a column, no year
    assert not d.is_report_title("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知")
    assert not d.is_report_title("一图读懂：汉阴县人民政府2023年度政府信息公开工作年度报告")
    assert d.is_column_title("政府信息公开年报") and d.is_column_title("乡镇年报")
    assert not d.is_column_title("政府信息公开指南")
    assert d.year_of("二〇二二年政府信息公开工作年度报告") == 2022
    issuer = lambda t: d.issuer_of(t, default="汉阴县人民政府", county_name="汉阴县")  # noqa: E731
    assert issuer("汉阴县教育体育和科技局2023年政府信息公开工作年度报告") == "汉阴县教育体育和科技局"
    assert issuer("2023年度汉阴县审计局政府信息公开工作年度报告") == "汉阴县审计局"
    assert issuer("2023年政府信息公开工作年度报告") == "汉阴县人民政府"
    assert issuer("汉阴县2022年政府信息公开工作年度报告") == "汉阴县人民政府"
    assert issuer("【城关镇】二〇二二年政府信息公开工作年度报告") == "城关镇"


def test_site_scope_and_link_helpers():
    assert registrable_domain("jyj.hanyin.gov.cn") == "hanyin.gov.cn"
    assert registrable_domain("www.ak.sn.cn") == "ak.sn.cn"
    assert site_of("http://127.0.0.1:8080/a") == "127.0.0.1:8080"  # an IP site is address and port
    scope = SiteScope("https://www.hanyin.gov.cn/", ["fugu.gov.cn"])
    assert scope.allows("http://xxgk.hanyin.gov.cn/nb/") and scope.allows("https://www.fugu.gov.cn/")
    assert not scope.allows("http://hanyin.gov.cn.evil.com/") and not scope.allows("ftp://www.hanyin.gov.cn/")
    assert absolute(f"{BASE}/a/b.html", "../c.html#top") == f"{BASE}/c.html"
    assert absolute(BASE, "javascript:void(0)") is None
    assert with_query("http://x/a?pageNo=1&c=2", pageNo=3) == "http://x/a?pageNo=3&c=2"
    assert d.viewer_target("/pdfjs/web/viewer.html?file=%2Fupload%2Fa.pdf") == "/upload/a.pdf"
    assert d.attachment_url("/module/download/downfile.jsp?classid=0&filename=nb.pdf")
    assert d.sniff_content_type(b"%PDF-1.7") == "application/pdf"


def test_generic_pagination_by_next_links_and_numbered_pages():
    html = ('<ul><li><a href="./202401/t1.shtml">石泉县2023年政府信息公开工作年度报告</a></li></ul>'
            '<div class="page"><a href="index_1.shtml">2</a> <a href="index_2.shtml">3</a> '
            '<a href="index_1.shtml">下一页</a> <a href="/xwzx/index_1.shtml">下一页</a></div>'
            '<div class="pager"><a href="/zfxxgk/nb/list/2.html">下页</a></div>')
    found = ADAPTERS["generic"]().discover_list("http://www.shiquan.gov.cn/zfxxgk/nb/index.shtml", html)
    pages = sorted(link.url.removeprefix("http://www.shiquan.gov.cn") for link in found.of(LIST))
    # pages of this column only: the news column's pager is not followed
    assert pages == ["/zfxxgk/nb/index_1.shtml", "/zfxxgk/nb/index_2.shtml", "/zfxxgk/nb/list/2.html"]
    assert [link.year for link in found.of(DETAIL)] == [2023]
