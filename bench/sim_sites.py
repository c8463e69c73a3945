"""Synthetic county portals for `python -m bench crawl-sim` (and its 20-site slice in the tests).

Site i is a pure function of i: a home page, navigation hubs, a report column 1–4 levels below
the home page laid out in one of six hub layouts, in the URL style of one of seven CMS families
(../shared/spec/portals.md), with the traps real portals set:
- layouts: a flat paginated list; per-year sub-columns labelled 「2023年」 whose URLs do not nest
  under the column; year columns labelled 「2023年报」, each paginated; a column split into
  本级 / 部门 tabs with 「2023年度」 year columns under 部门; boxes whose only link is 更多>>;
  year links labelled as the year's report title that lead to the year's list;
- a news list of 200 links, 政策解读 pages titled with 年度 and 报告, a 关于…通知 about the
  reports, a robots-disallowed draft (Disallow: /draft/), links to the neighbouring counties'
  reports (off-site), a PDF report linked straight from a list.
`EXPECTED` is what a crawl must archive: (path, kind) per site.
"""

from __future__ import annotations

FAMILIES = ("trs", "hanweb", "ucap", "vsb", "shenzhen", "shaanxi", "sichuan")
LAYOUTS = ("flat", "years", "years_nb", "split", "more", "year_titles")
YEARS = (2020, 2021, 2022, 2023, 2024)
DEPARTMENTS = ("财政局", "教育局", "卫生健康局")
PDF = b"%PDF-1.4\n% synthetic annual report\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def address(i: int) -> str:
    """Site i's loopback address: 127.x.y.z, one distinct host per site."""
    return f"127.{20 + i // 62500}.{(i // 250) % 250}.{i % 250 + 2}"


def county(i: int) -> str:
    return f"第{i}县"


# per family: (column URL of a key, with {key} and {h} = a stable number of the key;
#              detail URL, with {y} = the year published, {n} = a running number)
URLS = {
    "trs": ("/zwgk/xxgk/zfxxgknb/{key}/index.html", "/zwgk/xxgk/zfxxgknb/{y}01/t{y}0120_{n}.html"),
    "hanweb": ("/col/col{h5}/index.html", "/art/{y}/1/20/art_5001_{n}.html"),
    "ucap": ("/xxgk/c{h1}/index.shtml", "/xxgk/gknb/{y}01/{n:032x}.shtml"),
    "vsb": ("/{key}nb/list.htm", "/info/1021/{n}.htm"),
    "shenzhen": ("/xxgk/xxgknb/{key}/", "/xxgk/xxgknb/content/post_{n}.html"),
    "shaanxi": ("/zfxxgk/zfxxgknb/{key}/", "/zfxxgk/zfxxgknb/{big}.html"),
    "sichuan": ("/gk/zfxxgknb/{key}/", "/gk/zfxxgknb/content_{n}"),
}
MAIN = {"trs": "/zwgk/xxgk/zfxxgknb/index.html", "shaanxi": "/zfxxgk/zfxxgknb/"}  # the column itself


class Style:
    """URLs of one CMS family."""

    def __init__(self, family: str, i: int):
        self.family, self.i = family, i
        self.n = 0

    def column(self, key: str) -> str:
        if key == "main" and self.family in MAIN:
            return MAIN[self.family]
        h = sum(map(ord, key)) % 1000  # stable across processes (hash() is not)
        return URLS[self.family][0].format(key=key, h5=5000 + h, h1=100 + h)

    def page2(self, column: str) -> str:
        if self.family == "vsb":
            return column.rsplit(".", 1)[0] + "/2.htm"
        base = column.rsplit("/", 1)[0] + "/"
        ext = "shtml" if self.family == "ucap" else "html"
        return f"{base}index_1.{ext}"

    def detail(self, year: int) -> str:
        self.n += 1
        return URLS[self.family][1].format(y=year + 1, n=self.n, big=10 ** 18 + self.n)


NAV = ('<div class="header"><a href="/">首页</a> <a href="/xwzx/">新闻中心</a> <a href="/zwgk/">政务公开</a> '
       '<a href="/bsfw/">办事服务</a> <a href="/zcjd/">政策解读</a></div>')


def page(gov: str, title: str, body: str, crumb: str = "") -> bytes:
    trail = f'<div class="position">当前位置：<a href="/">首页</a> &gt; {crumb}</div>' if crumb else ""
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_{gov}</title></head><body>'
            f'{NAV}{trail}{body}<div class="footer"><a href="/wzdt/">网站地图</a> 主办：{gov}</div>'
            '</body></html>').encode()


def ul(items) -> str:
    return "<ul>" + "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in items) + "</ul>"


def report_page(gov: str, title: str) -> bytes:
    rows = "".join(f"<tr><td>第{k}项</td><td>{k * 7 % 13}</td></tr>" for k in range(20))
    return page(gov, title, f'<h1>{title}</h1><div class="TRS_Editor"><p>一、总体情况</p>'
                f'<p>二、主动公开政府信息情况</p><table>{rows}</table><p>三、收到和处理政府信息公开申请情况</p>'
                '<p>四、政府信息公开行政复议、行政诉讼情况</p></div>')


def site(i: int, n_sites: int, small: bool = False) -> tuple[dict[str, bytes], set[tuple[str, str]]]:
    """(path → body, expected {(path, kind)}) of site i; `small`: two reports on a flat column
    one step from the home page (for the host whose every answer takes 5 s)."""
    family = FAMILIES[i % 7]
    layout = "flat" if small else LAYOUTS[i % len(LAYOUTS)]  # with i % 7: every pair in 42 sites
    depth = 1 if small else 1 + (i // 3) % 4
    years = YEARS[-2:] if small else YEARS
    departments = () if small else DEPARTMENTS
    gov = f"{county(i)}人民政府"
    st = Style(family, i)
    files: dict[str, bytes] = {}
    expected: set[tuple[str, str]] = set()

    def reports(issuer: str, years) -> list[tuple[str, str]]:
        out = []
        for y in years:
            title = f"{issuer}{y}年政府信息公开工作年度报告"
            if issuer == gov and y == YEARS[0]:  # the oldest county report: a PDF straight from the list
                path = f"/upload/{y + 1}/nb{y}.pdf"
                files[path] = PDF + f"{i}-{y}".encode()
                expected.add((path, "attachment"))
            else:
                path = st.detail(y)
                files[path] = report_page(gov, title)
                expected.add((path, "page"))
            out.append((path, title))
        return out

    def traps(y: int) -> list[tuple[str, str]]:
        jd = f"/zcjd/{y + 1}01/t{y + 1}0201_{i}.html"
        files[jd] = page(gov, f"《{county(i)}{y}年政府信息公开工作年度报告》解读",
                         f"<h1>《{y}年度报告》解读</h1><p>本报告解读……年度报告……</p>")
        draft = f"/draft/t{y}.html"
        files[draft] = report_page(gov, f"{gov}{y + 1}年政府信息公开工作年度报告")  # never fetched: robots.txt
        nb = (i + 1) % n_sites
        return [(jd, f"《{county(i)}{y}年政府信息公开工作年度报告》解读"),
                (draft, f"{gov}{y + 1}年政府信息公开工作年度报告（草稿）"),
                (f"http://{address(nb)}{{PORT}}/zcjd/", f"{county(nb)}人民政府{y}年政府信息公开工作年度报告")]

    col = st.column("main")
    gov_reports = reports(gov, years)
    dept_reports = {dep: reports(f"{county(i)}{dep}", YEARS[-3:]) for dep in departments}
    all_dept = [r for rs in dept_reports.values() for r in rs]

    def year_split(rs):
        by = {}
        for path, title in rs:
            by.setdefault(int(title.split("年政府")[0][-4:]), []).append((path, title))
        return by

    def listing(path: str, title: str, items, crumb: str, paginate: bool = False, extra: str = "") -> None:
        items = list(items)
        if paginate and len(items) > 2:
            half = len(items) // 2
            p2 = st.page2(path)
            files[_file(path)] = page(gov, title, ul(items[:half]) + f'<div class="page"><a href="{p2}">下一页</a></div>'
                                      + extra, crumb)
            files[_file(p2)] = page(gov, title, ul(items[half:]), crumb)
        else:
            files[_file(path)] = page(gov, title, ul(items) + extra, crumb)

    crumb = "政务公开 &gt; 政府信息公开 &gt; 政府信息公开年报"
    trap_items = traps(YEARS[-1])
    if layout == "flat":
        listing(col, "政府信息公开年报", gov_reports + all_dept + trap_items, crumb, paginate=True)
    elif layout in ("years", "years_nb", "year_titles"):
        by = year_split(gov_reports + all_dept)
        links = []
        for y in sorted(by, reverse=True):
            ycol = st.column(f"y{y}")
            label = {"years": f"{y}年", "years_nb": f"{y}年报",
                     "year_titles": f"{y}年政府信息公开工作年度报告"}[layout]
            links.append((ycol, label))
            listing(ycol, f"{y}年", by[y], crumb + f" &gt; {y}年", paginate=layout == "years_nb")
        listing(col, "政府信息公开年报", links + trap_items, crumb)
    elif layout == "split":
        bj, bm = st.column("bj"), st.column("bm")
        listing(col, "政府信息公开年报", [(bj, "本级"), (bm, "部门")] + trap_items, crumb)
        listing(bj, "本级", gov_reports, crumb + " &gt; 本级", paginate=True)
        by = year_split(all_dept)
        ylinks = []
        for y in sorted(by, reverse=True):
            ycol = st.column(f"bm{y}")
            ylinks.append((ycol, f"{y}年度"))
            listing(ycol, f"{y}年度", by[y], crumb + f" &gt; 部门 &gt; {y}年度")
        listing(bm, "部门", ylinks, crumb + " &gt; 部门")
    else:  # more: boxes whose only link is 更多>>
        bj, bm = st.column("bjnb"), st.column("bmnb")
        boxes = "".join(
            f'<div class="box"><div class="box-hd"><span>{name}</span><a href="{href}">更多&gt;&gt;</a></div>'
            f'{ul(items[:1])}</div>' for name, href, items in
            (("本级年报", bj, gov_reports), ("部门年报", bm, all_dept)))
        files[_file(col)] = page(gov, "政府信息公开年报", boxes + ul(trap_items), crumb)
        listing(bj, "本级年报", gov_reports, crumb + " &gt; 本级年报", paginate=True)
        listing(bm, "部门年报", all_dept, crumb + " &gt; 部门年报", paginate=True)

    # the way down from the home page: depth 1 links the column from the home page
    hubs = [("/zwgk/", "政务公开"), ("/zwgk/xxgk/", "政府信息公开"), ("/zwgk/xxgk/fdzdgknr/", "法定主动公开内容")]
    chain = hubs[3 - (depth - 1):] if depth > 1 else []
    news = [(f"/xwzx/2024{k % 12 + 1:02d}/t2024_{k}.html", f"我县召开第{k}次工作推进会") for k in range(200)]
    news.append(("/xwzx/tz/t1.html", f"关于做好{YEARS[-1]}年度政府信息公开工作年度报告编制发布工作的通知"))
    neighbours = "".join(f'<a href="http://{address(n % n_sites)}{{PORT}}/">{county(n % n_sites)}人民政府</a>'
                         for n in (i + 1, i + 2))
    home_links = [(chain[0][0] if chain else col, chain[0][1] if chain else "政府信息公开年报")]
    files["/index.html"] = page(gov, gov, '<div class="box"><div class="box-hd"><span>要闻动态</span>'
                                '<a href="/xwzx/">更多&gt;&gt;</a></div>' + ul(news[:8]) + "</div>"
                                + ul(home_links) + f'<div class="links">{neighbours}</div>')
    files["/xwzx/index.html"] = page(gov, "新闻中心", ul(news), "新闻中心")
    files["/zcjd/index.html"] = page(gov, "政策解读", ul(
        [(f"/zcjd/{YEARS[-1] + 1}01/t{YEARS[-1] + 1}0201_{i}.html",
          f"《{county(i)}{YEARS[-1]}年政府信息公开工作年度报告》解读")]), "政策解读")
    files["/wzdt/index.html"] = page(gov, "网站地图", ul([("/", "首页"), ("/xwzx/", "新闻中心"), ("/zwgk/", "政务公开")]),
                                     "网站地图")
    for k, (path, name) in enumerate(chain):
        nxt = chain[k + 1] if k + 1 < len(chain) else (col, "政府信息公开年报")
        files[path + "index.html"] = page(gov, name, ul([(path + "zn/", "政府信息公开指南"), (path + "zcwj/", "政策文件"),
                                                         (path + "zcjd/", "政策解读"), nxt]), name)
    files.setdefault("/zwgk/index.html", page(gov, "政务公开", ul([("/zwgk/zcwj/", "政策文件")]), "政务公开"))
    files["/robots.txt"] = b"User-agent: *\nDisallow: /draft/\n"
    return files, expected


def _file(path: str) -> str:
    return path + "index.html" if path.endswith("/") else path
