"""A loopback tree of government portals: a province → its prefectures → their counties.

Every portal is its own host, a 127.x.y.z address (any of them binds without setup), all served
by one asyncio server thread on one port. The tree follows ../shared/spec/portals.md: the
province links its 市(州) in a 市县政府 block (with a department, a zone, 中国政府网 and links to
private addresses among them); 福州市 links its counties on a 网站群 page, in a footer block
and in a `<select>` drop-down; 南平市 only in its 网站地图; 漳州市 in a 区县政府 block. Link
texts are written as real portals write them: current names, short names (闽侯), former names
(长乐市, 建阳市, 龙海市, 长泰县), an area (平潭综合实验区), suffixed names (延平区人民政府网),
zones (福州高新区, 福州新区), departments. Most county portals declare `<meta name="SiteIDCode">`
(a few only in the footer, one a former code); some carry conflicting evidence (a neighbour's
code, a department's SiteName, a meta code unlike the footer's, another county's SiteName);
one redirects to a private address. A second, smaller tree starts at 新疆's portal: 兵团 and its
cities (第八师石河子市), 伊犁州 with an autonomous county written short (察布查尔县).

`EXPECTED[province]` is code → (name, host) of every county portal that must be proposed, and
`CONFLICTS` the links that must not be, with a word of the reason each must give.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

# host → (SiteIDCode meta, SiteName meta, footer 网站标识码, title, ICP); None = not declared
PROVINCE = "127.0.1.1"
XINJIANG = "127.0.8.1"


@dataclass
class Site:
    host: str
    title: str
    site_id: str | None = None
    site_name: str | None = None
    footer_id: str | None = None
    icp: str | None = None
    body: str = ""
    pages: dict = field(default_factory=dict)  # path → html body (title reused)
    redirect: str | None = None               # the home page redirects here


def _html(site: Site, body: str, title: str | None = None) -> str:
    meta = ""
    if site.site_id:
        meta += f'<meta name="SiteIDCode" content="{site.site_id}">'
    if site.site_name:
        meta += f'<meta name="SiteName" content="{site.site_name}">'
    foot = '<div class="footer"><a href="/wzdt/">网站地图</a> <a href="/lxwm/">联系我们</a>'
    if site.footer_id:
        foot += f" 网站标识码：{site.footer_id}"
    if site.icp:
        foot += f" {site.icp}"
    foot += "</div>"
    nav = ('<div class="nav"><a href="/">首页</a><a href="/xwzx/">新闻中心</a><a href="/zwgk/">政务公开</a>'
           '<a href="/xwzx/t20240101_1.html">市政府召开常务会议</a></div>')
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8">{meta}<title>{title or site.title}</title></head>'
            f"<body>{nav}{body}{foot}</body></html>")


def _a(host: str | None, text: str, port: int) -> str:
    href = host if host and host.startswith("http") else f"http://{host}:{port}/"
    return f'<a href="{href}">{text}</a>'


def build(port: int) -> dict[str, Site]:
    """host → Site of the whole tree (port: the one port every host serves on)."""
    a = lambda host, text: _a(host, text, port)  # noqa: E731
    sites: dict[str, Site] = {}

    def county(host, code, name, *, sid="meta", site_name=None, footer=False, icp="闽ICP备05000000号-1", **kw):
        site_id = f"{code}0001" if sid == "meta" else sid
        sites[host] = Site(host, f"{name}人民政府", site_id=site_id if sid and not footer else None,
                           site_name=site_name if site_name is not None else f"{name}人民政府",
                           footer_id=site_id if footer else None, icp=icp, **kw)

    # ---- 福建省 -------------------------------------------------------------------------------
    sites[PROVINCE] = Site(PROVINCE, "福建省人民政府门户网站", "3500000001", "福建省人民政府", icp="闽ICP备05000001号",
                           body='<div class="links"><h3>市县政府</h3>'
                                + a("127.0.2.1", "福州") + a("127.0.3.1", "南平市人民政府") + a("127.0.4.1", "漳州市")
                                + a("127.0.9.9", "三明市")            # a portal that does not answer
                                + a("10.20.30.40", "宁德市")           # a private address
                                + a("http://169.254.169.254/latest/meta-data/", "莆田市")  # link-local (metadata)
                                + a("127.0.1.20", "福建省教育厅") + a("127.0.1.21", "福州新区")
                                + a("http://www.gov.cn/", "中国政府网") + "</div>")
    # 福州市: a 网站群 page, a footer block and a <select>
    sites["127.0.2.1"] = Site("127.0.2.1", "福州市人民政府", "3501000001", "福州市人民政府", icp="闽ICP备05000002号",
                              body='<div class="foot-links"><h3>县(市)区</h3>' + a("127.0.2.2", "鼓楼区")
                                   + a("127.0.2.3", "闽侯") + '<a href="/wzq/">网站群</a></div>'
                                   + '<select onchange="window.open(this.value)"><option value="">县区政府</option>'
                                   + f'<option value="http://127.0.2.9:{port}/">永泰县</option>'
                                   + f'<option value="http://127.0.2.20:{port}/">福州市教育局</option></select>',
                              pages={"/wzq/": "<h2>区县政府网站</h2>" + a("127.0.2.4", "长乐市")
                                     + a("127.0.2.5", "平潭综合实验区") + a("127.0.2.6", "连江县人民政府")
                                     + a("127.0.2.7", "罗源县政府网") + a("127.0.2.8", "闽清县")
                                     + a("127.0.2.10", "仓山区人民政府") + a("127.0.2.11", "福州高新区")
                                     + a("127.0.2.12", "南京市鼓楼区") + a("127.0.2.13", "城门镇")})
    county("127.0.2.2", "350102", "鼓楼区")
    county("127.0.2.3", "350121", "闽侯县")
    county("127.0.2.4", "350182", "长乐区", site_name="长乐区人民政府")  # SiteIDCode of 长乐市's old code
    county("127.0.2.5", "350128", "平潭", site_name="平潭综合实验区门户网站")
    county("127.0.2.6", "350122", "连江县", sid="3501020001")  # conflict: 鼓楼区's code
    county("127.0.2.7", "350123", "罗源县", footer=True, site_name="")  # footer code only: weak
    county("127.0.2.8", "350124", "闽清县", sid="3501240040", site_name="闽清县公安局")  # a department's site
    county("127.0.2.9", "350125", "永泰县")
    county("127.0.2.10", "350104", "仓山区")
    # 南平市: the counties only in the 网站地图
    sites["127.0.3.1"] = Site("127.0.3.1", "南平市人民政府", "3507000001", "南平市人民政府",
                              pages={"/wzdt/": "<h2>网站地图</h2><h3>县(市、区)</h3>"
                                     + a("127.0.3.2", "延平区人民政府网") + a("127.0.3.3", "建阳市")
                                     + a("127.0.3.4", "邵武市") + a("127.0.3.5", "武夷山市") + a("127.0.3.6", "顺昌县")})
    county("127.0.3.2", "350702", "延平区")
    county("127.0.3.3", "350784", "建阳区")  # former code 350784 (建阳市)
    county("127.0.3.4", "350781", "邵武市")
    county("127.0.3.5", "350782", "武夷山市", sid=None)  # SiteName only: weak
    county("127.0.3.6", "350721", "顺昌县", redirect="http://10.1.2.3/")  # redirects into a private network
    # 漳州市: a 区县政府 block
    sites["127.0.4.1"] = Site("127.0.4.1", "漳州市人民政府", "3506000001", "漳州市人民政府",
                              body='<div><h3>区县政府</h3>' + a("127.0.4.2", "芗城区") + a("127.0.4.3", "龙海市")
                                   + a("127.0.4.4", "长泰县") + a("127.0.4.5", "漳浦县") + a("127.0.4.6", "东山县")
                                   + a("127.0.4.7", "漳州开发区") + "</div>")
    county("127.0.4.2", "350602", "芗城区")
    county("127.0.4.3", "350681", "龙海区", site_name="漳州市龙海区人民政府")  # former code, prefixed SiteName
    county("127.0.4.4", "350625", "长泰区")
    county("127.0.4.5", "350623", "漳浦县", site_name="云霄县人民政府")  # conflict: another county's SiteName
    county("127.0.4.6", "350626", "东山县", footer=False)
    sites["127.0.4.6"].footer_id = "3506250001"  # conflict: footer code unlike the meta one

    # ---- 新疆 and 兵团 --------------------------------------------------------------------------
    sites[XINJIANG] = Site(XINJIANG, "新疆维吾尔自治区人民政府", "6500000001", "新疆维吾尔自治区人民政府",
                           icp="新ICP备05000001号",
                           body='<div><h3>地州市政府</h3>' + a("127.0.8.2", "伊犁州") + a("127.0.8.10", "新疆生产建设兵团")
                                + "</div>")
    sites["127.0.8.2"] = Site("127.0.8.2", "伊犁哈萨克自治州人民政府", "6540000001", "伊犁哈萨克自治州人民政府",
                              body='<div><h3>县市政府</h3>' + a("127.0.8.3", "察布查尔县") + a("127.0.8.4", "伊宁市")
                                   + a("127.0.8.5", "霍尔果斯经济开发区") + "</div>")
    sites["127.0.8.3"] = Site("127.0.8.3", "察布查尔锡伯自治县人民政府", "6540220001", "察布查尔锡伯自治县人民政府")
    sites["127.0.8.4"] = Site("127.0.8.4", "伊宁市人民政府", "6540020001", "伊宁市人民政府")
    sites["127.0.8.10"] = Site("127.0.8.10", "新疆生产建设兵团", "6600000001", "新疆生产建设兵团",
                               body='<div><h3>师市网站</h3>' + a("127.0.8.11", "第八师石河子市")
                                    + a("127.0.8.12", "第一师阿拉尔市") + "</div>")
    sites["127.0.8.11"] = Site("127.0.8.11", "石河子市人民政府", "6590010001", "石河子市人民政府")
    sites["127.0.8.12"] = Site("127.0.8.12", "阿拉尔市人民政府", "6590020001", "阿拉尔市人民政府")
    return sites


def host_of(port: int, host: str) -> str:
    return f"http://{host}:{port}/"


# code → (name, host) of every county portal discovery must propose, by start
EXPECTED = {
    "福建省": {
        "350102": ("鼓楼区", "127.0.2.2"), "350121": ("闽侯县", "127.0.2.3"), "350112": ("长乐区", "127.0.2.4"),
        "350128": ("平潭县", "127.0.2.5"), "350123": ("罗源县", "127.0.2.7"), "350125": ("永泰县", "127.0.2.9"),
        "350104": ("仓山区", "127.0.2.10"), "350702": ("延平区", "127.0.3.2"), "350703": ("建阳区", "127.0.3.3"),
        "350781": ("邵武市", "127.0.3.4"), "350782": ("武夷山市", "127.0.3.5"), "350602": ("芗城区", "127.0.4.2"),
        "350604": ("龙海区", "127.0.4.3"), "350605": ("长泰区", "127.0.4.4"),
    },
    "新疆维吾尔自治区": {
        "654022": ("察布查尔锡伯自治县", "127.0.8.3"), "654002": ("伊宁市", "127.0.8.4"),
        "659001": ("石河子市", "127.0.8.11"), "659002": ("阿拉尔市", "127.0.8.12"),
    },
}
WEAK = {"350123", "350782"}  # proposed for review, not saved as strong
# link text → words its reason must hold
NOT_PROPOSED_FUJIAN = {
    "连江县人民政府": "SiteIDCode 3501020001 is 鼓楼区 (350102), not 连江县 (350122)",
    "闽清县": "SiteName 闽清县公安局 names a body of 闽清县",
    "漳浦县": "SiteName 云霄县人民政府 names 云霄县, not 漳浦县",
    "东山县": "SiteIDCode meta 3506260001 ≠ footer 网站标识码 3506250001",
    "顺昌县": "refused: 10.1.2.3 is a private address",
    "宁德市": "refused: 10.20.30.40 is a private address",
    "莆田市": "refused: 169.254.169.254 is a link-local address",
    "三明市": "did not answer",
    "福州高新区": "a zone (福州高新区)",
    "福州新区": "a zone (福州新区)",
    "漳州开发区": "a zone (漳州开发区)",
    "福建省教育厅": "a department's or institution's site",
    "福州市教育局": "a department's or institution's site",
    "南京市鼓楼区": "names 鼓楼区 of 南京市",
    "城门镇": "a township or street",
    "中国政府网": "names no county-level unit",
}
NOT_PROPOSED = {"福建省": NOT_PROPOSED_FUJIAN,
                "新疆维吾尔自治区": {"霍尔果斯经济开发区": "a zone (霍尔果斯经济开发区)"}}


class TreeServer:
    """Serves every Site of the tree on one port, each on its own 127.x.y.z address; counts hits."""

    def __init__(self, port: int | None = None):
        import socket

        if port is None:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
        self.port = port
        self.sites = build(port)
        self.hits: list[tuple[str, str]] = []  # (host, path)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def url(self, host: str) -> str:
        return host_of(self.port, host)

    def start(self) -> TreeServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._servers = [self._loop.run_until_complete(asyncio.start_server(
            lambda r, w, h=host: self._serve(h, r, w), host, self.port)) for host in self.sites]
        self._ready.set()
        self._loop.run_forever()
        for s in self._servers:
            s.close()

    async def _serve(self, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        path = head.split(b" ", 2)[1].decode("latin-1").split("?")[0]
        self.hits.append((host, path))
        status, body, extra = self._answer(host, path)
        data = body.encode("utf-8")
        writer.write((f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
                      f"Content-Length: {len(data)}\r\nConnection: close\r\n{extra}\r\n").encode("latin-1") + data)
        try:
            await writer.drain()
        finally:
            writer.close()

    def _answer(self, host: str, path: str) -> tuple[str, str, str]:
        site = self.sites[host]
        if path == "/robots.txt":
            return "200 OK", "User-agent: *\nAllow: /\n", ""
        if path in ("/", "/index.html"):
            if site.redirect:
                return "302 Found", "", f"Location: {site.redirect}\r\n"
            return "200 OK", _html(site, site.body), ""
        if path in site.pages:
            return "200 OK", _html(site, site.pages[path], f"{site.title}"), ""
        return "404 Not Found", "<html><body>not found</body></html>", ""
