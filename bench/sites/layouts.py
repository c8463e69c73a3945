"""Fixture portals laid out as real county portals are, for discovery from the home page.

Each layout is a small site written into a directory and served by a real HTTP server on
127.0.0.1 (bench/sites/portal.py). The layouts follow what real portals do (see
../shared/spec/portals.md): the report column three and four levels below the home page
(首页 → 政务公开 → 政府信息公开 → 法定主动公开内容 → 政府信息公开年报) with per-year
sub-columns; department and township reports on each issuer's own disclosure page, reached
through a 部门信息公开 / 乡镇信息公开 directory; a column linked only from a box's "更多>>" and
a footer image link; a column only the site map links (menus drawn by a script); a column that
moved; a prefecture portal linking its counties; and sites
that yield nothing for a known reason. Every page carries the navigation noise of a real
portal (news, services, contact links) that the search must not wander into.

`EXPECTED[layout]` lists (path, kind, issuer, year) of every report the layout holds.
"""

from __future__ import annotations

from pathlib import Path

from bench.sites.portal import Portal

NAV = ('<div class="header"><a href="/">首页</a> <a href="/xwzx/">新闻中心</a> <a href="/zwgk/">政务公开</a> '
       '<a href="/bsfw/">办事服务</a> <a href="/hdjl/">互动交流</a> <a href="/zwgk/zcjd/">政策解读</a></div>')
FOOTER = ('<div class="footer"><a href="/wzdt/">网站地图</a> <a href="/lxwm/">联系我们</a> '
          '<a href="/zwgk/xxgk/zn/">政府信息公开指南</a> 主办：{gov}</div>')


def page(title: str, body: str, *, gov: str, crumb: str | None = None, nav: bool = True) -> str:
    trail = f'<div class="position">当前位置：<a href="/">首页</a> &gt; {crumb}</div>' if crumb else ""
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_{gov}</title></head><body>'
            f'{NAV if nav else ""}{trail}{body}{FOOTER.format(gov=gov)}</body></html>')


def links(*items: tuple[str, str]) -> str:
    return "<ul>" + "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in items) + "</ul>"


def report(title: str, issuer_line: str, *, gov: str) -> str:
    """A detail page carrying a (minimal) report inline."""
    body = (f'<div class="article"><h1>{title}</h1><div class="info">发布机构：{issuer_line}</div>'
            '<div class="TRS_Editor"><p>一、总体情况</p><p>本年度政府信息公开工作有序推进。</p>'
            '<p>二、主动公开政府信息情况</p><table><tr><td>规章</td><td>0</td></tr></table>'
            '<p>三、收到和处理政府信息公开申请情况</p><table><tr><td>本年新收政府信息公开申请数量</td><td>3</td></tr></table>'
            '<p>四、政府信息公开行政复议、行政诉讼情况</p><p>五、存在的主要问题及改进情况</p>'
            '<p>六、其他需要报告的事项</p></div></div>')
    return page(title, body, gov=gov)


PDF = b"%PDF-1.4\n% fixture annual report\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NEWS = [(f"/xwzx/202401/t2024010{i}_{i}.html", t) for i, t in enumerate(
    ["县长调研春耕备耕工作", "全县安全生产工作会议召开", "我县开展义务植树活动", "政务服务中心延时服务",
     "农村人居环境整治推进会", "县委理论学习中心组学习"], 1)]


def _home(gov: str, extra: str = "") -> str:
    news = '<div class="box"><div class="box-hd"><span>要闻动态</span><a href="/xwzx/">更多&gt;&gt;</a></div>' \
           + links(*NEWS) + "</div>"
    return page(gov, news + extra, gov=gov, nav=True).replace(f"<title>{gov}_{gov}</title>", f"<title>{gov}</title>")


def deep() -> dict[str, str | bytes]:
    """石泉县: county column 4 levels down with year sub-columns; departments and townships
    each on their own disclosure page behind a directory (5 levels down)."""
    gov = "石泉县人民政府"
    p = lambda title, body, crumb=None: page(title, body, gov=gov, crumb=crumb)  # noqa: E731
    site: dict[str, str | bytes] = {
        "/index.html": _home(gov),
        "/xwzx/index.html": p("新闻中心", links(*NEWS), "新闻中心"),
        "/zwgk/index.html": p("政务公开", links(("/zwgk/xxgk/", "政府信息公开"), ("/zwgk/zdly/", "重点领域信息公开"),
                                              ("/zwgk/zcjd/", "政策解读"), ("/zwgk/jyta/", "建议提案办理")), "政务公开"),
        "/zwgk/xxgk/index.html": p("政府信息公开", links(
            ("/zwgk/xxgk/zn/", "政府信息公开指南"), ("/zwgk/xxgk/zd/", "政府信息公开制度"),
            ("/zwgk/xxgk/fdzdgknr/", "法定主动公开内容"), ("/zwgk/xxgk/bmxxgk/", "部门信息公开"),
            ("/zwgk/xxgk/xzxxgk/", "乡镇信息公开"), ("/zwgk/xxgk/ysqgk/", "依申请公开")), "政务公开 &gt; 政府信息公开"),
        "/zwgk/xxgk/fdzdgknr/index.html": p("法定主动公开内容", links(
            ("/zwgk/xxgk/fdzdgknr/jgzn/", "机构职能"), ("/zwgk/xxgk/fdzdgknr/zcwj/", "政策文件"),
            ("/zwgk/xxgk/fdzdgknr/ghjh/", "规划计划"), ("/zwgk/xxgk/fdzdgknr/ndbg/", "政府信息公开年报")),
            "政务公开 &gt; 政府信息公开 &gt; 法定主动公开内容"),
        "/zwgk/xxgk/fdzdgknr/ndbg/index.html": p("政府信息公开年报", links(
            ("/zwgk/xxgk/fdzdgknr/ndbg/2023/", "2023年度"), ("/zwgk/xxgk/fdzdgknr/ndbg/2022/", "2022年度")),
            "政务公开 &gt; 政府信息公开 &gt; 政府信息公开年报"),
        "/zwgk/xxgk/fdzdgknr/ndbg/2023/index.html": p("2023年度", links(
            ("./202401/t20240125_1.html", "石泉县人民政府2023年政府信息公开工作年度报告"),
            ("./202401/t20240126_2.html", "石泉县财政局2023年政府信息公开工作年度报告")),
            "政府信息公开年报 &gt; 2023年度"),
        "/zwgk/xxgk/fdzdgknr/ndbg/2023/202401/t20240125_1.html": report(
            "石泉县人民政府2023年政府信息公开工作年度报告", "县政府办", gov=gov),
        "/zwgk/xxgk/fdzdgknr/ndbg/2023/202401/t20240126_2.html": report(
            "石泉县财政局2023年政府信息公开工作年度报告", "县财政局", gov=gov),
        "/zwgk/xxgk/fdzdgknr/ndbg/2022/index.html": p("2022年度", links(
            ("/upload/2023/sq2022.pdf", "石泉县人民政府2022年政府信息公开工作年度报告")), "政府信息公开年报 &gt; 2022年度"),
        "/upload/2023/sq2022.pdf": PDF + b"sq2022",
        # departments: a directory of issuer names, each issuer's own page, its 年报 column
        "/zwgk/xxgk/bmxxgk/index.html": p("部门信息公开", links(
            ("/bm/jyj/", "石泉县教育局"), ("/bm/wjj/", "石泉县卫生健康局")), "政府信息公开 &gt; 部门信息公开"),
        "/bm/jyj/index.html": p("石泉县教育局", links(("/bm/jyj/jgzn/", "机构职能"), ("/bm/jyj/nb/", "年度报告")),
                                "部门信息公开 &gt; 石泉县教育局"),
        "/bm/jyj/nb/index.html": p("年度报告", links(("./t20240201_3.html", "2023年政府信息公开工作年度报告")),
                                   "石泉县教育局 &gt; 年度报告"),
        "/bm/jyj/nb/t20240201_3.html": report("2023年政府信息公开工作年度报告", "县教育局", gov=gov),
        "/bm/wjj/index.html": p("石泉县卫生健康局", links(("/bm/wjj/nb/", "政府信息公开年报")),
                                "部门信息公开 &gt; 石泉县卫生健康局"),
        "/bm/wjj/nb/index.html": p("政府信息公开年报", links(
            ("./t20240202_4.html", "石泉县卫生健康局2023年政府信息公开工作年度报告")), "石泉县卫生健康局 &gt; 年报"),
        "/bm/wjj/nb/t20240202_4.html": report("石泉县卫生健康局2023年政府信息公开工作年度报告", "县卫健局", gov=gov),
        # townships
        "/zwgk/xxgk/xzxxgk/index.html": p("乡镇信息公开", links(("/xz/cgz/", "城关镇"), ("/xz/chz/", "池河镇")),
                                          "政府信息公开 &gt; 乡镇信息公开"),
        "/xz/cgz/index.html": p("城关镇", links(("/xz/cgz/tzgg/", "通知公告"), ("/xz/cgz/ndbg/", "政府信息公开年度报告")),
                                "乡镇信息公开 &gt; 城关镇"),
        "/xz/cgz/ndbg/index.html": p("政府信息公开年度报告", links(
            ("./t20240203_5.html", "城关镇2023年政府信息公开工作年度报告")) +
            '<div class="page"><a href="index_1.html">下一页</a></div>', "城关镇 &gt; 年度报告"),
        "/xz/cgz/ndbg/index_1.html": p("政府信息公开年度报告", links(
            ("./t20230203_6.html", "城关镇2022年政府信息公开工作年度报告")), "城关镇 &gt; 年度报告"),
        "/xz/cgz/ndbg/t20240203_5.html": report("城关镇2023年政府信息公开工作年度报告", "城关镇", gov=gov),
        "/xz/cgz/ndbg/t20230203_6.html": report("城关镇2022年政府信息公开工作年度报告", "城关镇", gov=gov),
        "/xz/chz/index.html": p("池河镇", links(("/xz/chz/nb/", "年报")), "乡镇信息公开 &gt; 池河镇"),
        "/xz/chz/nb/index.html": p("年报", links(("./t20240204_7.html", "池河镇2023年政府信息公开工作年度报告")),
                                   "池河镇 &gt; 年报"),
        "/xz/chz/nb/t20240204_7.html": report("池河镇2023年政府信息公开工作年度报告", "池河镇", gov=gov),
    }
    return site


def footer() -> dict[str, str | bytes]:
    """岚皋县: the county column reached only through a box's "更多>>", the township column
    only through a footer image link (its words in the title attribute); Hanweb-like URLs
    without any column word in them."""
    gov = "岚皋县人民政府"
    box = ('<div class="box"><div class="box-hd"><span>政府信息公开年报</span>'
           '<a class="more" href="/col/col5501/index.html">更多&gt;&gt;</a></div><ul><li>暂无最新内容</li></ul></div>')
    foot = '<div class="foot-links"><a href="/col/col5502/index.html" title="乡镇政府信息公开年报"><img src="/img/xznb.png"></a></div>'
    site: dict[str, str | bytes] = {
        "/index.html": _home(gov, box + foot),
        "/col/col5501/index.html": page("政府信息公开年报", links(
            ("/art/2024/1/20/art_5501_1.html", "岚皋县人民政府2023年政府信息公开工作年度报告"),
            ("/art/2023/1/20/art_5501_2.html", "岚皋县人民政府2022年政府信息公开工作年度报告")) +
            '<div class="page"><a href="/col/col5501/index_2.html">下一页</a></div>', gov=gov),
        "/col/col5501/index_2.html": page("政府信息公开年报", links(
            ("/art/2022/1/20/art_5501_3.html", "岚皋县人民政府2021年政府信息公开工作年度报告")), gov=gov),
        "/art/2024/1/20/art_5501_1.html": report("岚皋县人民政府2023年政府信息公开工作年度报告", "县政府办", gov=gov),
        "/art/2023/1/20/art_5501_2.html": report("岚皋县人民政府2022年政府信息公开工作年度报告", "县政府办", gov=gov),
        "/art/2022/1/20/art_5501_3.html": report("岚皋县人民政府2021年政府信息公开工作年度报告", "县政府办", gov=gov),
        "/col/col5502/index.html": page("乡镇政府信息公开年报", links(
            ("/art/2024/1/22/art_5502_1.html", "【佐龙镇】2023年政府信息公开工作年度报告"),
            ("/art/2024/1/23/art_5502_2.html", "岚皋县民主镇2023年政府信息公开工作年度报告")), gov=gov),
        "/art/2024/1/22/art_5502_1.html": report("【佐龙镇】2023年政府信息公开工作年度报告", "佐龙镇", gov=gov),
        "/art/2024/1/23/art_5502_2.html": report("岚皋县民主镇2023年政府信息公开工作年度报告", "民主镇", gov=gov),
    }
    return site


def moved(version: int) -> dict[str, str | bytes]:
    """紫阳县: the column at /xxgk/nb/ in version 1, moved to /zfxxgk/ndbg/ in version 2."""
    gov = "紫阳县人民政府"
    col = "/xxgk/nb/" if version == 1 else "/zfxxgk/ndbg/"
    hub = "/xxgk/" if version == 1 else "/zfxxgk/"
    site: dict[str, str | bytes] = {
        "/index.html": _home(gov).replace('<a href="/zwgk/">政务公开</a>', f'<a href="{hub}">政府信息公开</a>'),
        f"{hub}index.html": page("政府信息公开", links((f"{hub}zn/", "政府信息公开指南"), (col, "政府信息公开年报")),
                                 gov=gov, crumb="政府信息公开"),
        f"{col}index.html": page("政府信息公开年报", links(
            ("/art/t20240120_1.html", "紫阳县人民政府2023年政府信息公开工作年度报告")), gov=gov,
            crumb="政府信息公开 &gt; 政府信息公开年报"),
        "/art/t20240120_1.html": report("紫阳县人民政府2023年政府信息公开工作年度报告", "县政府办", gov=gov),
    }
    return site


def sitemap() -> dict[str, str | bytes]:
    """平利县: menus drawn by a script (no links in the HTML); only the site map links the column."""
    gov = "平利县人民政府"
    home = _home(gov).replace(NAV, '<div class="header" id="menu"></div><script src="/js/menu.js"></script>')
    return {
        "/index.html": home,
        "/wzdt/index.html": page("网站地图", links(("/", "首页"), ("/xwzx/", "新闻中心"), ("/gk/", "政务公开"),
                                                 ("/gk/nb/", "政府信息公开年报"), ("/bs/", "办事服务")),
                                 gov=gov, crumb="网站地图"),
        "/gk/index.html": page("政务公开", links(("/gk/zcjd/", "政策解读")), gov=gov, crumb="政务公开"),
        "/gk/nb/index.html": page("政府信息公开年报", links(
            ("./t20240118_1.html", "平利县人民政府2023年政府信息公开工作年度报告"),
            ("./t20240119_2.html", "平利县发展和改革局2023年政府信息公开工作年度报告")), gov=gov,
            crumb="政务公开 &gt; 政府信息公开年报"),
        "/gk/nb/t20240118_1.html": report("平利县人民政府2023年政府信息公开工作年度报告", "县政府办", gov=gov),
        "/gk/nb/t20240119_2.html": report("平利县发展和改革局2023年政府信息公开工作年度报告", "县发改局", gov=gov),
    }


def nocolumn() -> dict[str, str | bytes]:
    """汉滨区: 政务公开 → 政府信息公开 exist, no report column anywhere."""
    gov = "汉滨区人民政府"
    return {
        "/index.html": _home(gov),
        "/zwgk/index.html": page("政务公开", links(("/zwgk/xxgk/", "政府信息公开"), ("/zwgk/zcjd/", "政策解读")),
                                 gov=gov, crumb="政务公开"),
        "/zwgk/xxgk/index.html": page("政府信息公开", links(("/zwgk/xxgk/zn/", "政府信息公开指南"),
                                                        ("/zwgk/xxgk/fdzdgknr/", "法定主动公开内容")),
                                      gov=gov, crumb="政务公开 &gt; 政府信息公开"),
        "/zwgk/xxgk/fdzdgknr/index.html": page("法定主动公开内容", links(("/zwgk/xxgk/fdzdgknr/zcwj/", "政策文件")),
                                               gov=gov, crumb="政府信息公开 &gt; 法定主动公开内容"),
    }


def empty() -> dict[str, str | bytes]:
    """白河县: the column exists and lists nothing yet."""
    gov = "白河县人民政府"
    return {
        "/index.html": _home(gov).replace('<a href="/zwgk/">政务公开</a>', '<a href="/zwgk/zfxxgknb/">政府信息公开年报</a>'),
        "/zwgk/zfxxgknb/index.html": page("政府信息公开年报", "<ul><li>暂无信息</li></ul>", gov=gov,
                                          crumb="政务公开 &gt; 政府信息公开年报"),
    }


def dead() -> dict[str, str | bytes]:
    """镇坪县: the column lists two reports whose pages are gone (404)."""
    gov = "镇坪县人民政府"
    return {
        "/index.html": _home(gov).replace('<a href="/zwgk/">政务公开</a>', '<a href="/zwgk/zfxxgknb/">政府信息公开年报</a>'),
        "/zwgk/zfxxgknb/index.html": page("政府信息公开年报", links(
            ("./202401/t20240101_1.html", "镇坪县人民政府2023年政府信息公开工作年度报告"),
            ("./202301/t20230101_2.html", "镇坪县人民政府2022年政府信息公开工作年度报告")), gov=gov,
            crumb="政务公开 &gt; 政府信息公开年报"),
    }


def robots() -> dict[str, str | bytes]:
    """宁陕县: robots.txt asks every crawler to stay away."""
    gov = "宁陕县人民政府"
    return {"/robots.txt": "User-agent: *\nDisallow: /\n", "/index.html": _home(gov)}


def prefecture(county_urls: dict[str, str]) -> dict[str, str | bytes]:
    """安康市: a 县区政府 link block in the footer, and a 网站群 page with more."""
    gov = "安康市人民政府"
    block = ('<div class="foot-links"><h3>县区政府</h3>'
             + "".join(f'<a href="{county_urls[n]}">{n}人民政府</a>' for n in ("石泉县", "岚皋县") if n in county_urls)
             + '<a href="/wzq/">网站群</a></div>'
             '<div class="foot-links"><h3>相关链接</h3><a href="http://www.gov.cn/">中国政府网</a>'
             '<a href="http://www.shaanxi.gov.cn/">陕西省人民政府</a></div>')
    wzq = ("<h2>县区政府网站</h2>" + "".join(
        f'<a href="{county_urls[n]}">{label}</a>' for n, label in (("紫阳县", "紫阳县政府网"), ("汉滨区", "汉滨区人民政府"))
        if n in county_urls)
        + '<h2>市级部门网站</h2><a href="http://jyj.ankang.gov.cn/">安康市教育局</a>'
        + '<a href="http://sxxl.example.com/">新城区人民政府</a>')  # a name from another province
    return {"/index.html": _home(gov, block), "/wzq/index.html": page("网站群", wzq, gov=gov, crumb="网站群")}


# (path, kind, issuer, year) of every report a layout holds
EXPECTED: dict[str, set[tuple[str, str, str, int]]] = {
    "deep": {
        ("/zwgk/xxgk/fdzdgknr/ndbg/2023/202401/t20240125_1.html", "page", "石泉县人民政府", 2023),
        ("/zwgk/xxgk/fdzdgknr/ndbg/2023/202401/t20240126_2.html", "page", "石泉县财政局", 2023),
        ("/upload/2023/sq2022.pdf", "attachment", "石泉县人民政府", 2022),
        ("/bm/jyj/nb/t20240201_3.html", "page", "石泉县教育局", 2023),
        ("/bm/wjj/nb/t20240202_4.html", "page", "石泉县卫生健康局", 2023),
        ("/xz/cgz/ndbg/t20240203_5.html", "page", "城关镇", 2023),
        ("/xz/cgz/ndbg/t20230203_6.html", "page", "城关镇", 2022),
        ("/xz/chz/nb/t20240204_7.html", "page", "池河镇", 2023),
    },
    "footer": {
        ("/art/2024/1/20/art_5501_1.html", "page", "岚皋县人民政府", 2023),
        ("/art/2023/1/20/art_5501_2.html", "page", "岚皋县人民政府", 2022),
        ("/art/2022/1/20/art_5501_3.html", "page", "岚皋县人民政府", 2021),
        ("/art/2024/1/22/art_5502_1.html", "page", "佐龙镇", 2023),
        ("/art/2024/1/23/art_5502_2.html", "page", "岚皋县民主镇", 2023),
    },
    "moved": {("/art/t20240120_1.html", "page", "紫阳县人民政府", 2023)},
    "sitemap": {("/gk/nb/t20240118_1.html", "page", "平利县人民政府", 2023),
                ("/gk/nb/t20240119_2.html", "page", "平利县发展和改革局", 2023)},
    "nocolumn": set(), "empty": set(), "dead": set(), "robots": set(),
}

# registry facts per layout: (id, name, code)
COUNTIES = {
    "deep": ("shiquan", "石泉县", "610922"), "footer": ("langao", "岚皋县", "610925"),
    "moved": ("ziyang", "紫阳县", "610924"), "sitemap": ("pingli", "平利县", "610926"),
    "nocolumn": ("hanbin", "汉滨区", "610902"),
    "empty": ("baihe", "白河县", "610929"), "dead": ("zhenping", "镇坪县", "610927"),
    "robots": ("ningshan", "宁陕县", "610923"),
}


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        target = root / rel.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


class Layouts:
    """Every layout served on its own port (one "host" each), plus the prefecture portal."""

    def __init__(self, tmp: Path, names: tuple[str, ...] = tuple(COUNTIES)):
        self.tmp = tmp
        self.portals: dict[str, Portal] = {}
        builders = {"deep": deep, "footer": footer, "moved": lambda: moved(1), "sitemap": sitemap, "nocolumn": nocolumn,
                    "empty": empty, "dead": dead, "robots": robots}
        for name in names:
            files = builders[name]()
            if "/robots.txt" not in files or "Disallow: /\n" not in str(files["/robots.txt"]):
                # the navigation bar of every page links 政务公开 and 新闻中心: real pages, not 404s
                gov = COUNTIES[name][1] + "人民政府"
                files.setdefault("/zwgk/index.html", page("政务公开", links(
                    ("/zwgk/zcjd/", "政策解读"), ("/zwgk/jyta/", "建议提案办理")), gov=gov, crumb="政务公开"))
                files.setdefault("/xwzx/index.html", page("新闻中心", links(*NEWS), gov=gov, crumb="新闻中心"))
                files.setdefault("/wzdt/index.html", page("网站地图", links(
                    ("/", "首页"), ("/xwzx/", "新闻中心"), ("/zwgk/", "政务公开"), ("/bsfw/", "办事服务")),
                    gov=gov, crumb="网站地图"))
            root = write_site(tmp / name, files)
            self.portals[name] = Portal(name, root_dir=root).start()
        urls = {COUNTIES[n][1]: p.base + "/" for n, p in self.portals.items()}
        self.portals["prefecture"] = Portal("prefecture", root_dir=write_site(
            tmp / "prefecture", prefecture(urls))).start()

    def __getitem__(self, name: str) -> Portal:
        return self.portals[name]

    def move(self) -> None:
        """The 'moved' site's column moves (its old URL now answers 404)."""
        files = moved(2)
        files["/zwgk/index.html"] = (self.portals["moved"].root / "zwgk" / "index.html").read_text(encoding="utf-8")
        self.portals["moved"].root_dir = write_site(self.tmp / "moved-v2", files)

    def stop(self) -> None:
        for p in self.portals.values():
            p.stop()

    def registry_yaml(self, names: tuple[str, ...] | None = None) -> str:
        out = ["version: 1", "sources:"]
        for name in names or [n for n in self.portals if n in COUNTIES]:
            sid, county, code = COUNTIES[name]
            out += [f"  - id: {sid}", f"    name: {county}", f'    code: "{code}"', "    province: 陕西省",
                    "    prefecture: 安康市", f"    base_url: {self.portals[name].base}/", "    entry: /",
                    "    adapter: generic", "    confirmed: false"]
        return "\n".join(out) + "\n"
