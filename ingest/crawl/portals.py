"""Finding the portals of county-level units, and proving whose each portal is.

`Walk` reads a provincial or prefecture portal, the link-block pages it names (网站群, 政府网站,
区县政府 …, and the 网站地图 when those name no unit), and every link on them, including
`<select>` drop-downs whose options carry addresses. Each link is *classified* (pure, `classify`):
a county-level unit of the page's region (current, short, former or area name, region_names.py),
a prefecture of the province (walked next when recursive), or not a candidate for a named reason
(a page of the portal itself, a zone that is not county-level, a department, a township, a unit
of another region, words that name no unit). Nothing is dropped silently.

A candidate's home page is then read once and its *identity* judged from evidence
(`identity`): `<meta name="SiteIDCode">` (网站标识码: its first six digits are a division code,
the unit's current or a former one, any suffix), `<meta name="SiteName">` naming the unit's
人民政府, the footer's 网站标识码 text and the ICP line (闽ICP备… names the province where the
site was filed). SiteIDCode and SiteName agreeing is *strong* evidence; link text alone, or a page
that does not answer, is *weak* (proposed for review); any two pieces that disagree — a SiteIDCode
of another division, a SiteName of another unit or of a department, a footer code unlike the meta
one, a site linked for two units — is a *conflict*: not proposed, the conflict named.

Fetching is the crawler's polite fetcher (robots.txt, per-host delay, retries) behind the
private-address guard (netguard.py). Every page read is appended to a state file as one JSON line
(fsync'd), so a walk that is stopped — or runs out of its request budget — resumes where it was
without asking for those pages again.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ingest.crawl import discovery as d
from ingest.crawl.adapters.base import parse_html
from ingest.crawl.domains import absolute, host_of, hostport, politeness_key, site_of
from ingest.crawl.fetcher import Fetcher, FetchConfig, Request
from ingest.data.region_names import ZONE, NameIndex, former_codes, short_names
from ingest.data.regions import DIRECT_GROUP_NAME, Region, county_level_units
from ingest.decode import decode_bytes

MAX_BLOCK_PAGES = 4  # link-block pages read beside a portal's home page
BLOCK_WORDS = re.compile(r"网站群|县区政府|区县政府|县市区|县\(市、区\)|县（市、区）|政府网站|县区网站|区县网站|站群|"
                         r"市县政府|县级政府|地方政府|市州政府|各县区|市县区|市州|区县|县区")
SITEMAP_WORDS = re.compile(r"^(?:网站地图|站点地图|网站导航)$")
SUFFIXES = re.compile(r"(?:人民政府门户网站|人民政府网站|人民政府网|人民政府|政府门户网站|政府网站|门户网站|政府网|政府|官网|网站|网|门户)$")
DEPARTMENT = re.compile(r"(?:局|委员会|委|办公室|办|中心|院|所|队|站|厅|公司|协会|学会|银行|医院|学校|大学|学院|管委会|"
                        r"法院|检察院|政协|人大|人大常委会|党校|团委|妇联|总工会)$")
TOWNSHIP = re.compile(r"(?:镇|乡|街道|街道办事处|办事处|社区|村)$")
SITE_ID = re.compile(r"网站标识码\s*[:：]?\s*([0-9A-Za-z]{6,20})")
ICP = re.compile(r"([\u4e00-\u9fff])ICP备\s*(\d+)\s*号(?:\s*-\s*\d+)?")
# the province a site was filed in, by the ICP line's first character
ICP_PROVINCE = {"京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15", "辽": "21", "吉": "22", "黑": "23",
                "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36", "鲁": "37", "豫": "41",
                "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46", "渝": "50", "蜀": "51", "川": "51",
                "黔": "52", "贵": "52", "滇": "53", "云": "53", "藏": "54", "陕": "61", "甘": "62", "陇": "62",
                "青": "63", "宁": "64", "新": "65"}


# ---- what a page says about itself ------------------------------------------------------------
@dataclass
class Page:
    url: str                     # as asked for
    final: str                   # after redirects
    error: str | None = None
    title: str = ""
    site_id: str | None = None   # <meta name="SiteIDCode">
    site_name: str | None = None  # <meta name="SiteName">
    footer_id: str | None = None  # 网站标识码：… in the text
    icp: str | None = None       # 闽ICP备…号
    links: list = field(default_factory=list)  # [absolute URL, words]

    @property
    def ok(self) -> bool:
        return self.error is None


def read_page(url: str, final: str, text: str) -> Page:
    tree = parse_html(text)
    node = tree.css_first("title")
    meta = {}
    for m in tree.css("meta[name]"):
        name = (m.attributes.get("name") or "").strip().lower()
        meta.setdefault(name, d.clean(m.attributes.get("content") or ""))
    plain = d.clean(tree.body.text(separator=" ") if tree.body is not None else "")
    footer = SITE_ID.search(plain)
    icp = ICP.search(plain)
    links = []
    for a in tree.css("a[href], area[href]"):
        words = d.clean(a.text(deep=True, separator="", strip=True)) or d.clean(a.attributes.get("title") or "")
        target = absolute(final, a.attributes.get("href") or "")
        if target:
            links.append([target, words])
    for o in tree.css("option[value]"):  # <select> drop-downs of 县区政府 / 市直部门
        value = (o.attributes.get("value") or "").strip()
        if value.startswith(("http://", "https://", "//")):
            target = absolute(final, value)
            if target:
                links.append([target, d.clean(o.text())])
    return Page(url=url, final=final, title=d.clean(node.text()) if node is not None else "",
                site_id=meta.get("siteidcode") or None, site_name=meta.get("sitename") or None,
                footer_id=footer.group(1) if footer else None, icp=icp.group(0) if icp else None, links=links)


# ---- regions: units and prefectures ------------------------------------------------------------
@dataclass(frozen=True)
class Prefecture:
    code: str
    name: str
    province_code: str
    province_name: str


def _prefecture_short(name: str) -> set[str]:
    out = set()
    m = re.match(r"^(.+?)(?:(?:" + "|".join(("朝鲜", "藏", "彝", "蒙古", "回", "哈萨克", "柯尔克孜", "傣", "景颇", "白",
                                               "傈僳", "苗", "侗", "布依", "壮", "哈尼", "土家", "羌")) + r")族?)+自治州$", name)
    if m:
        out |= {m.group(1), m.group(1) + "州"}
    base = re.sub(r"(?:市|地区|盟)$", "", name)
    if len(base) >= 2 and base != name:
        out.add(base)
    return out


# 新疆生产建设兵团 governs its 师市 (石河子市 …, coded 6590xx under 新疆's directly administered
# units): its portal is walked like a prefecture's, for those cities.
BINGTUAN = Prefecture("660000", "新疆生产建设兵团", "650000", "新疆维吾尔自治区")
BINGTUAN_NAMES = ("新疆生产建设兵团", "兵团", "新疆兵团")


class Regions:
    """The units and prefectures of the dataset, and every name they are written by."""

    def __init__(self, units: tuple[Region, ...] | None = None):
        self.units = units or county_level_units()
        self.names = NameIndex(self.units)
        self.by_code = {u.code: u for u in self.units}
        prefs: dict[str, Prefecture] = {}
        for u in self.units:
            if u.prefecture_type_zh not in (DIRECT_GROUP_NAME, "直辖市"):
                prefs.setdefault(u.prefecture_code, Prefecture(u.prefecture_code, u.prefecture_name,
                                                               u.province_code, u.province_name))
        self.prefectures = prefs
        self.pref_names: dict[str, list[Prefecture]] = {}
        for p in prefs.values():
            for n in {p.name} | _prefecture_short(p.name):
                self.pref_names.setdefault(n, []).append(p)
        self.provinces = {u.province_code: u.province_name for u in self.units}
        if any(u.code.startswith("6590") for u in self.units):
            prefs[BINGTUAN.code] = BINGTUAN
            for n in BINGTUAN_NAMES:
                self.pref_names.setdefault(n, []).append(BINGTUAN)

    def name_of(self, code: str) -> str | None:
        """Whatever the dataset calls a code: a unit, a prefecture, a province, or a former unit."""
        if code in self.by_code:
            return self.by_code[code].name
        if code in self.prefectures:
            return self.prefectures[code].name
        if code in self.provinces:
            return self.provinces[code]
        from ingest.data.region_names import history

        former = [h for h in history() if h.code == code]
        return f"{former[0].name}, a former code of {self.by_code[former[0].region_code].name}" if former else None


@dataclass(frozen=True)
class Scope:
    """The region a portal governs: a province (its prefectures and direct units) or a prefecture."""

    level: str          # province | prefecture
    code: str
    name: str
    units: tuple        # the county-level units a link on this portal may name

    def __str__(self):
        return f"{self.name} ({self.code})"


def scope_of(regions: Regions, code: str) -> Scope | None:
    if code == BINGTUAN.code and code in regions.prefectures:
        return Scope("prefecture", code, BINGTUAN.name, tuple(u for u in regions.units if u.code.startswith("6590")))
    if code in regions.prefectures:
        p = regions.prefectures[code]
        return Scope("prefecture", code, p.name, tuple(u for u in regions.units if u.prefecture_code == code))
    if code[2:] == "0000" and code in regions.provinces:
        return Scope("province", code, regions.provinces[code],
                     tuple(u for u in regions.units if u.province_code == code))
    # a municipality's districts sit under the province code itself
    return None


def scope_from_page(regions: Regions, page: Page) -> Scope | None:
    """The region a portal's page says it governs: its SiteIDCode, else its title."""
    sid = page.site_id or page.footer_id
    if sid and sid[:6].isdigit():
        s = scope_of(regions, sid[:6])
        if s:
            return s
    text = f"{page.title} {page.site_name or ''}"
    found = [p for p in regions.prefectures.values() if p.name in text]
    if found:
        return scope_of(regions, max(found, key=lambda p: len(p.name)).code)
    for code, name in regions.provinces.items():
        short = re.sub(r"(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)$", "", name)
        if name in text or (len(short) >= 2 and (f"{short}省" in text or text.startswith(short))):
            return scope_of(regions, code)
    return None


# ---- link classification ----------------------------------------------------------------------
@dataclass
class Candidate:
    kind: str            # county | prefecture
    url: str
    words: str
    found_on: str
    unit: Region | None = None
    prefecture: Prefecture | None = None
    how: str = ""


def base_name(words: str) -> str:
    w = re.sub(r"\s+", "", d.clean(words))
    w = re.sub(r"^(?:中共)", "", w)
    w = re.sub(r"^(?:新疆生产建设)?(?:兵团)?第[一二三四五六七八九十]+师", "", w)  # 第八师石河子市
    w = re.sub(r"[（(【\[].*?[)）】\]]$", "", w)
    prev = None
    while prev != w:
        prev, w = w, SUFFIXES.sub("", w)
    return w


def classify(regions: Regions, scope: Scope | None, page_url: str, own_sites: set[str], url: str, words: str
             ) -> tuple[Candidate | None, str]:
    """What one link is: a candidate, or why not (pure).

    A link on the portal's own host is one of its pages. A link to another host of the same
    registered domain (ja.fuzhou.gov.cn from www.fuzhou.gov.cn) may be a county's portal hosted
    by its prefecture: it is a candidate if its words name a unit, else a page of the portal."""
    if site_of(url) in own_sites:
        if host_of(url) == host_of(page_url) or not words:
            return None, "a page of the portal itself"
        cand, _ = classify(regions, scope, page_url, set(), url, words)
        return (cand, "") if cand is not None and cand.kind == "county" else (None, "a page of the portal itself")
    if not words:
        return None, "the link has no words to name a unit"
    name = base_name(words)
    if not name or len(name) > 16:
        return None, "the words name no government"
    where = str(scope) if scope else "the whole country"
    units = scope.units if scope else regions.units
    in_scope = {u.code for u in units}
    matches = regions.names.lookup(name)
    if not matches:  # 福州市鼓楼区: a prefecture's name before the unit's, which must be of that prefecture
        for prefix in sorted((n for n in regions.pref_names if name.startswith(n) and len(n) < len(name)), key=len,
                             reverse=True):
            codes = {p.code for p in regions.pref_names[prefix]}
            matches = [m for m in regions.names.lookup(name[len(prefix):]) if m.unit.prefecture_code in codes]
            if matches:
                break
    here = [m for m in matches if m.unit.code in in_scope]
    if len(here) == 1:
        m = here[0]
        return Candidate("county", url, words, page_url, unit=m.unit, how=m.how), ""
    if len(here) > 1:
        return None, f"ambiguous: {name} may be {', '.join(m.unit.name for m in here)}"
    prefs = regions.pref_names.get(name, [])
    if prefs:
        p = prefs[0]
        if scope and scope.level == "province" and p.province_code == scope.code and len(prefs) == 1:
            return Candidate("prefecture", url, words, page_url, prefecture=p, how=f"prefecture {p.name}"), ""
        if scope and scope.level == "prefecture" and p.code == scope.code:
            return None, f"the portal's own prefecture {p.name}, not a county-level unit"
        return None, f"names the prefecture {p.name} ({p.province_name}), not a county-level unit of {where}"
    if matches:
        m = matches[0]
        return None, (f"names {m.unit.name} of {m.unit.prefecture_name}, {m.unit.province_name}"
                      f" ({m.unit.code}), not a unit of {where}")
    if any(name == n or name == re.sub(r"(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)$", "", n)
           for n in regions.provinces.values()):
        return None, f"names a province ({name}), not a county-level unit"
    if ZONE.search(name):
        return None, f"a zone ({name}) that is not a county-level unit (开发区, 新区, 高新区 …)"
    if DEPARTMENT.search(name):
        return None, f"a department's or institution's site ({name}), not a government"
    if TOWNSHIP.search(name):
        return None, f"a township or street ({name}), not county-level"
    return None, f"names no county-level unit of {where}"


# ---- identity -----------------------------------------------------------------------------------
@dataclass
class Identity:
    strength: str                      # strong | weak | conflict
    evidence: list[str]
    conflict: str | None = None
    code: str | None = None            # the division code the evidence names


def _unit_names(unit: Region) -> set[str]:
    from ingest.data.region_names import area_aliases, history

    names = {unit.name} | short_names(unit)
    names |= {h.name for h in history() if h.region_code == unit.code}
    names |= {a for a, c in area_aliases().items() if c == unit.code}
    return {n for n in names if len(n) >= 2}


def identity(regions: Regions, page: Page, *, unit: Region | None = None, prefecture: Prefecture | None = None
             ) -> Identity:
    """Whose portal this page is, from what it says about itself (see module doc)."""
    if unit is not None:
        codes = {unit.code} | former_codes(unit.code)
        names, label, province = _unit_names(unit), f"{unit.name} ({unit.code})", unit.province_code
    else:
        codes = {prefecture.code}
        names = {prefecture.name} | _prefecture_short(prefecture.name)
        label, province = f"{prefecture.name} ({prefecture.code})", prefecture.province_code
    if not page.ok:
        return Identity("weak", [f"portal did not answer: {page.error}"])
    evidence, conflicts = [], []
    sid_agrees = name_agrees = False
    if page.site_id and page.footer_id and page.site_id != page.footer_id:
        conflicts.append(f"SiteIDCode meta {page.site_id} ≠ footer 网站标识码 {page.footer_id}")
    sid = page.site_id or page.footer_id
    if sid:
        prefix = sid[:6]
        where = "SiteIDCode" if page.site_id else "footer 网站标识码"
        if prefix in codes:
            sid_agrees = True
            former = "" if prefix in (unit.code if unit else prefecture.code) else " (a former code)"
            evidence.append(f"{where} {sid}: division code {prefix}{former}")
        else:
            other = regions.name_of(prefix) or "no division the dataset knows"
            conflicts.append(f"{where} {sid} is {other} ({prefix}), not {label}")
    if page.site_name:
        sn = re.sub(r"\s+", "", page.site_name)
        base = base_name(sn)
        if unit is not None and base not in names:  # 漳州市龙海区人民政府: the prefecture's name first
            for prefix in (n for n, ps in regions.pref_names.items() if any(p.code == unit.prefecture_code for p in ps)):
                if base.startswith(prefix) and base[len(prefix):] in names:
                    base = base[len(prefix):]
                    sn = sn[len(prefix):] if sn.startswith(prefix) else sn
                    break
        if base in names and (re.search(r"政府|门户", sn) or unit is None):  # 新疆生产建设兵团 has no 政府
            name_agrees = True
            evidence.append(f"SiteName {sn}")
        elif any(sn.startswith(n) for n in names) and base not in names:
            conflicts.append(f"SiteName {sn} names a body of {label}, not its 人民政府")
        else:
            units, prefs = regions.names.lookup(base), regions.pref_names.get(base, [])
            other = units[0].unit.name if units else prefs[0].name if prefs else None
            conflicts.append(f"SiteName {sn} names {other or 'another body'}, not {label}")
    if page.icp:
        filed = ICP_PROVINCE.get(page.icp[0])
        evidence.append(f"ICP {page.icp}" + ("" if filed == province[:2] else " (filed in another province)"))
    if not page.site_id and not page.site_name:
        evidence.append("no SiteIDCode or SiteName meta" + (f"; title 「{page.title[:30]}」" if page.title else ""))
    if conflicts:
        return Identity("conflict", evidence, "; ".join(conflicts), sid[:6] if sid else None)
    strength = "strong" if sid_agrees and name_agrees else "weak"
    return Identity(strength, evidence, None, sid[:6] if sid else None)


# ---- the walk -------------------------------------------------------------------------------------
@dataclass
class Proposal:
    id: str
    name: str
    code: str
    province: str
    prefecture: str
    base_url: str
    entry: str
    adapter: str
    confirmed: bool
    evidence: str
    strength: str = "weak"


@dataclass
class WalkResult:
    start: str
    scope: str | None
    pages_read: list[str] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    not_proposed: list[dict] = field(default_factory=list)
    prefectures: list[dict] = field(default_factory=list)
    requests: int = 0
    pages_from_state: int = 0
    budget_spent: bool = False
    seconds: float = 0.0

    def as_json(self) -> dict:
        out = asdict(self)
        out["proposals"] = [asdict(p) for p in self.proposals]
        return out


def portal_base(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


class Walk:
    """Province → prefectures → county-level portals (or one level from a prefecture)."""

    def __init__(self, config: FetchConfig, *, recursive: bool, known: dict[str, set[str]],
                 state: Path | None = None, max_requests: int | None = None, progress: bool = True,
                 regions: Regions | None = None, slug=None):
        self.config = config
        self.recursive = recursive
        self.known = known
        self.state_path = state
        self.max_requests = max_requests
        self.progress = progress
        self.regions = regions or Regions()
        self.slug = slug
        self.pages: dict[str, Page] = {}
        self.requests = 0
        self.from_state = 0
        self.budget_spent = False
        self._state_file = None
        self.start = None
        if state is not None and state.is_file():
            for line in state.read_text(encoding="utf-8").splitlines():
                try:
                    raw = json.loads(line)
                    self.pages[raw["url"]] = Page(**raw)
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line of a stopped walk
            self.from_state = len(self.pages)

    # -- fetching, through the state file --
    def _note(self, message: str) -> None:
        if self.progress:
            print(f"discover: [{len(self.pages)} pages, {self.requests} requests] {message}", file=sys.stderr, flush=True)

    def _save(self, page: Page) -> None:
        if self.state_path is None:
            return
        if self._state_file is None:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            self._state_file = self.state_path.open("a", encoding="utf-8")
        self._state_file.write(json.dumps(asdict(page), ensure_ascii=False) + "\n")
        self._state_file.flush()
        os.fsync(self._state_file.fileno())

    async def _page(self, fetcher: Fetcher, url: str) -> Page | None:
        if url in self.pages:
            return self.pages[url]
        if self.max_requests is not None and self.requests >= self.max_requests:
            self.budget_spent = True
            return None
        result = await fetcher.fetch(Request(url=url, purpose="list"))
        final = result.final.final_url or url
        if not result.ok or result.body is None:
            page = Page(url=url, final=final, error=result.final.error or f"HTTP {result.final.status}")
        else:
            page = read_page(url, final, decode_bytes(result.body, result.final.content_type).text)
        self.pages[url] = page
        if page.ok:  # a page that failed is asked for again when the walk resumes
            self._save(page)
        if page.ok or url != self.start:  # the start page's failure is the one error line
            self._note(f"read {url}" + (f" ({page.error})" if page.error else ""))
        return page

    async def _portal(self, fetcher: Fetcher, url: str, scope: Scope | None) -> list[Page]:
        """A portal's home page and its link-block pages (the site map only if those name no unit)."""
        home = await self._page(fetcher, url)
        if home is None or not home.ok:
            return [home] if home else []
        own = site_of(home.final)
        blocks = []
        for target, words in home.links:
            if site_of(target) == own and BLOCK_WORDS.search(words or "") and target not in blocks \
                    and target not in (home.final, url):
                blocks.append(target)
        pages = [home] + [p for p in [await self._page(fetcher, b) for b in blocks[:MAX_BLOCK_PAGES]] if p]
        scope = scope or scope_from_page(self.regions, home)
        names_unit = any(classify(self.regions, scope, p.final, {own}, t, w)[0] is not None
                         for p in pages for t, w in p.links)
        if not names_unit:
            maps = [t for t, w in home.links if site_of(t) == own and SITEMAP_WORDS.match(w or "")][:1]
            pages += [p for p in [await self._page(fetcher, m) for m in maps] if p]
        return pages

    async def run(self, start: str) -> WalkResult:
        t0 = time.monotonic()

        def count(t, body):
            self.requests += 1
        self.start = start
        async with Fetcher(self.config, on_try=count) as fetcher:
            result = WalkResult(start=start, scope=None)
            pages = await self._portal(fetcher, start, None)
            if not pages or not pages[0].ok:
                why = pages[0].error if pages else "request budget spent"
                raise PortalUnreadable(f"cannot read {start}: {why}")
            scope = scope_from_page(self.regions, pages[0])
            result.scope = str(scope) if scope else None
            levels = [(scope, pages)]
            seen_sites: dict[str, str] = {}
            while levels:
                scope, pages = levels.pop(0)
                result.pages_read += [p.url for p in pages]
                counties, prefs = self._candidates(scope, pages, result)
                for cand in prefs:
                    if not self.recursive:
                        result.not_proposed.append(_why(cand, f"a prefecture portal ({cand.prefecture.name}): "
                                                              "walked with --recursive"))
                        continue
                    sub = await self._portal(fetcher, portal_base(cand.url), scope_of(self.regions, cand.prefecture.code))
                    if not sub:
                        result.prefectures.append({"name": cand.prefecture.name, "url": cand.url,
                                                   "walked": False, "why": "not fetched: request budget spent"})
                        continue
                    if not sub[0].ok:
                        why = _unread(sub[0].error)
                        result.prefectures.append({"name": cand.prefecture.name, "url": cand.url, "walked": False,
                                                   "why": why})
                        result.not_proposed.append(_why(cand, why))
                        continue
                    ident = identity(self.regions, sub[0], prefecture=cand.prefecture)
                    entry = {"name": cand.prefecture.name, "code": cand.prefecture.code, "url": cand.url,
                             "strength": ident.strength, "evidence": ident.evidence}
                    if ident.strength == "conflict":
                        entry |= {"walked": False, "why": f"conflicting evidence: {ident.conflict}"}
                        result.prefectures.append(entry)
                        result.not_proposed.append(_why(cand, f"conflicting evidence: {ident.conflict}"))
                        continue
                    entry["walked"] = True
                    result.prefectures.append(entry)
                    levels.append((scope_of(self.regions, cand.prefecture.code), sub))
                homes = await asyncio.gather(*(self._page(fetcher, portal_base(c.url)) for c in counties))
                for cand, home in zip(counties, homes):
                    self._judge(cand, home, result, seen_sites)
        result.requests = self.requests
        result.pages_from_state = self.from_state
        result.budget_spent = self.budget_spent
        result.seconds = round(time.monotonic() - t0, 3)
        if self._state_file is not None:
            self._state_file.close()
        return result

    def _candidates(self, scope: Scope | None, pages: list[Page], result: WalkResult):
        own = {site_of(p.final) for p in pages if p.ok} | {site_of(p.url) for p in pages}
        counties: dict[str, Candidate] = {}
        prefs: dict[str, Candidate] = {}
        for p in pages:
            if not p.ok:
                result.not_proposed.append({"text": "", "url": p.url, "why": f"page not read: {p.error}", "page": p.url})
                continue
            for url, words in p.links:
                cand, why = classify(self.regions, scope, p.final, own, url, words)
                if cand is None:
                    result.not_proposed.append({"text": words, "url": url, "why": why, "page": p.final})
                    continue
                key = cand.unit.code if cand.kind == "county" else cand.prefecture.code
                bucket = counties if cand.kind == "county" else prefs
                if key in bucket:
                    first = bucket[key]
                    same = site_of(first.url) == site_of(url)
                    result.not_proposed.append(_why(cand, "another link to the same unit's site" if same else
                                                    f"a second site for the unit, beside {first.url}: the first is judged"))
                    continue
                if cand.kind == "county" and (cand.unit.code in self.known["codes"]
                                              or politeness_key(url) in self.known["hosts"]):
                    result.not_proposed.append(_why(cand, f"already in the registry ({cand.unit.code})"))
                    continue
                bucket[key] = cand
        return list(counties.values()), list(prefs.values())

    def _judge(self, cand: Candidate, home: Page | None, result: WalkResult, seen_sites: dict[str, str]) -> None:
        unit = cand.unit
        if home is None:
            result.not_proposed.append(_why(cand, "not fetched: request budget spent (run again to resume)"))
            return
        if not home.ok and home.error.startswith("refused"):
            result.not_proposed.append(_why(cand, _unread(home.error)))
            return
        ident = identity(self.regions, home, unit=unit)
        site = hostport(portal_base(cand.url))  # counties hosted under one domain are distinct hosts
        if site in seen_sites and seen_sites[site] != unit.code:
            ident = Identity("conflict", ident.evidence,
                             f"the same site is linked for {self.regions.by_code[seen_sites[site]].name} too")
        if ident.strength == "conflict":
            result.not_proposed.append(_why(cand, f"conflicting evidence: {ident.conflict}"))
            return
        seen_sites[site] = unit.code
        linked = f"linked as 「{cand.words}」 from {cand.found_on}" + (f" ({cand.how})" if cand.how != "name" else "")
        evidence = "; ".join([linked] + ident.evidence + [f"evidence: {ident.strength}"])
        base = portal_base(home.final if home.ok else cand.url)
        sid = self.slug(base, unit.code) if self.slug else f"c{unit.code}"
        result.proposals.append(Proposal(
            id=sid, name=unit.name, code=unit.code, province=unit.province_name, prefecture=unit.prefecture_name,
            base_url=base, entry="/", adapter="generic", confirmed=False, evidence=evidence, strength=ident.strength))


class PortalUnreadable(Exception):
    pass


def _unread(error: str | None) -> str:
    return error if (error or "").startswith("refused") else f"the portal did not answer: {error}"


def _why(cand: Candidate, why: str) -> dict:
    return {"text": cand.words, "url": cand.url, "why": why, "page": cand.found_on}
