"""Every county-level unit in the registry, portals found from the top and their identity proved.

The end-to-end tests walk the loopback tree of bench/sites/portal_tree.py (福建省 → 福州市,
南平市, 漳州市 → their counties; 新疆 → 伊犁州 and 兵团 → their cities) with one command each,
as a user runs it, over real sockets.
"""

from __future__ import annotations

import asyncio
import csv
import json
import shutil
from collections import Counter

import pytest
import yaml

from ingest.crawl import registry as reg
from ingest.crawl.netguard import PrivateGuard
from ingest.crawl.portals import Page, Regions, classify, identity, scope_of
from ingest.data.region_names import HISTORY_CSV, former_codes
from ingest.data.regions import county_level_units
from tests.crawl.conftest import run_cli
from bench.sites.portal_tree import EXPECTED, NOT_PROPOSED, PROVINCE, WEAK, XINJIANG, TreeServer

FAST = ["--delay", "0", "--timeout", "2", "--retries", "0"]


@pytest.fixture(scope="module")
def regions():
    return Regions()


@pytest.fixture(scope="module")
def tree():
    server = TreeServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def empty_registry(tmp_path):
    path = tmp_path / "none.yaml"
    path.write_text("version: 1\nsources: []\nunknown: []\n", encoding="utf-8")
    return path


# ---- the shipped registry: every unit, one file per province -------------------------------------
def test_the_shipped_registry_lists_every_county_level_unit_once():
    r = reg.load(discovered=False)
    units = {u.code: u for u in county_level_units()}
    listed = Counter([s.code for s in r.sources] + [u.code for u in r.unknown])
    assert len(units) == 2845 and set(listed) == set(units) and set(listed.values()) == {1}
    assert len(r.sources) >= 31 and all(s.origin == "reviewed" for s in r.sources)
    for u in r.unknown:  # the name and province as the dataset has them, and why there is no portal
        assert (u.name, u.province) == (units[u.code].name, units[u.code].province_name)
        assert u.reason.startswith("not yet discovered: run `python -m ingest registry discover http")
    files = sorted(reg.DEFAULT_REGISTRY.glob("*.yaml"))
    assert len(files) == 31  # one per provincial-level unit
    for f in files:  # each file holds one province's units only
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        codes = [str(s["code"]) for s in doc.get("sources") or []] + [str(u["code"]) for u in doc.get("unknown") or []]
        assert {c[:2] for c in codes} == {doc["code"][:2]}, f
    portals = {p.name: p for p in r.portals}
    assert len(portals) == 32 and "新疆生产建设兵团" in portals and portals["福建省人民政府"].url == "https://www.fujian.gov.cn/"
    assert not any(p.confirmed for p in portals.values())


def test_the_former_names_seed_agrees_with_the_dataset():
    units = {u.code: u for u in county_level_units()}
    with HISTORY_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 40
    for r in rows:
        assert units[r["region_code"]].name == r["region_name"], r
        assert r["former_code"] not in units or r["former_code"] == r["region_code"], r  # retired codes
    assert former_codes("350112") == {"350182"} and former_codes("610981") == {"610928"}


@pytest.mark.parametrize("scope, words, code, how", [
    ("350100", "闽侯", "350121", "short name"),
    ("350100", "长乐市", "350112", "former name 长乐市"),
    ("610900", "旬阳县人民政府", "610981", "former name 旬阳县"),
    ("350100", "平潭综合实验区", "350128", "area 平潭综合实验区"),
    ("130300", "青龙县", "130321", "short name 青龙县"),
    ("130300", "青龙满族自治县人民政府", "130321", "name"),
    ("350000", "福州市鼓楼区人民政府", "350102", "name"),
    ("660000", "第八师石河子市", "659001", "name"),
    ("310000", "浦东新区", "310115", "name"),  # a 新区 that is a county-level unit
])
def test_names_as_portals_write_them(regions, scope, words, code, how):
    cand, why = classify(regions, scope_of(regions, scope), "http://p/", {"p"}, "http://c.example/", words)
    assert cand is not None and cand.unit.code == code and cand.how.startswith(how), why


@pytest.mark.parametrize("words, why", [
    ("福州高新区", "a zone (福州高新区) that is not a county-level unit"),
    ("滨海新区", "names 滨海新区 of 天津市"),  # a 新区 that is a unit, of another region
    ("长乐新区", "a zone (长乐新区)"),
    ("福州市教育局", "a department's or institution's site"),
    ("鼓楼区", ""),  # in scope: a candidate
    ("城关镇", "a township or street"),
    ("青龙县", "names 青龙满族自治县 of 秦皇岛市, 河北省 (130321), not a unit of 福州市 (350100)"),
    ("福州市", "the portal's own prefecture 福州市"),
    ("厦门市", "names the prefecture 厦门市"),
    ("", "the link has no words"),
])
def test_every_link_not_proposed_says_why(regions, words, why):
    cand, reason = classify(regions, scope_of(regions, "350100"), "http://p/", {"p"}, "http://c.example/", words)
    if why:
        assert cand is None and reason.startswith(why) or why in reason, reason
    else:
        assert cand is not None


def test_a_county_hosted_under_its_prefectures_domain_is_a_candidate(regions):
    scope, here = scope_of(regions, "350100"), "http://www.fuzhou.gov.cn/"
    cand, _ = classify(regions, scope, here, {"fuzhou.gov.cn"}, "http://ja.fuzhou.gov.cn/", "晋安区")
    assert cand is not None and cand.unit.code == "350111"
    # the portal's own pages, even one named after a district, are not
    assert classify(regions, scope, here, {"fuzhou.gov.cn"}, "http://www.fuzhou.gov.cn/gl/", "鼓楼区") == \
        (None, "a page of the portal itself")
    assert classify(regions, scope, here, {"fuzhou.gov.cn"}, "http://rsj.fuzhou.gov.cn/", "福州市人社局") == \
        (None, "a page of the portal itself")


def test_identity_from_siteidcode_sitename_footer(regions):
    unit = regions.by_code["350112"]
    page = lambda **kw: Page(url="http://x/", final="http://x/", **kw)  # noqa: E731
    strong = identity(regions, page(site_id="3501820001", site_name="长乐区人民政府"), unit=unit)
    assert strong.strength == "strong" and "(a former code)" in strong.evidence[0]
    assert identity(regions, page(site_id="3501120001"), unit=unit).strength == "weak"  # no SiteName
    conflict = identity(regions, page(site_id="3501000001", site_name="长乐区人民政府"), unit=unit)
    assert conflict.strength == "conflict" and conflict.conflict == \
        "SiteIDCode 3501000001 is 福州市 (350100), not 长乐区 (350112)"
    suffix = identity(regions, page(site_id="1304000009", site_name="邯郸市人民政府"),
                      prefecture=regions.prefectures["130400"])
    assert suffix.strength == "strong"  # the suffix is not always 0001


def test_private_link_local_and_loopback_targets_are_refused_unless_allowed():
    async def refusals(guard, urls):
        return [await guard.refusal(u) for u in urls]
    urls = ["http://10.1.2.3/", "http://192.168.1.1:8080/", "http://169.254.169.254/latest/meta-data/",
            "http://127.0.0.1:5000/", "http://[::1]/", "http://172.16.0.9/", "http://8.8.8.8/"]
    got = asyncio.run(refusals(PrivateGuard(), urls))
    assert [g.split(" is a ")[1].split(" address")[0] if g else None for g in got] == \
        ["private", "private", "link-local", "loopback", "loopback", "private", None]
    allowed = asyncio.run(refusals(PrivateGuard(["127.0.0.0/8", "192.168.1.1:8080"]), urls))
    assert allowed[1] is None and allowed[3] is None and allowed[0] and allowed[2]
    assert asyncio.run(refusals(PrivateGuard(allow_all=True), urls)) == [None] * len(urls)


# ---- end to end: one command walks a province ------------------------------------------------------
def _discover(tree, start, tmp_path, registry, *extra, data=None):
    r = run_cli("registry", "discover", tree.url(start), "--recursive", "--json", "--registry", str(registry),
                "--allow-private", "127.0.0.0/8", *FAST, *extra, data_dir=data or tmp_path / "d")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("province, start", [("福建省", PROVINCE), ("新疆维吾尔自治区", XINJIANG)])
def test_a_province_is_discovered_end_to_end(tree, tmp_path, empty_registry, province, start):
    out = _discover(tree, start, tmp_path, empty_registry)
    got = {p["code"]: (p["name"], p["base_url"]) for p in out["proposals"]}
    # every county portal proposed with the right code, and nothing else
    assert got == {code: (name, tree.url(host)) for code, (name, host) in EXPECTED[province].items()}
    strength = {p["code"]: p["strength"] for p in out["proposals"]}
    assert {c for c, s in strength.items() if s == "weak"} == WEAK & set(got)
    # every link seen is proposed or listed with its reason
    why = {}
    for n in out["not_proposed"]:
        assert n["why"], n
        why.setdefault(n["text"], n["why"])
    for text, words in NOT_PROPOSED[province].items():
        assert words in why[text], (text, why.get(text))
    proposed_links = {p["evidence"].split("」")[0].removeprefix("linked as 「") for p in out["proposals"]}
    # the prefectures (and 兵团) walked, each after its own identity was proved
    walked = {p["name"]: p["strength"] for p in out["prefectures"] if p["walked"]}
    assert walked == ({"福州市": "strong", "南平市": "strong", "漳州市": "strong"} if province == "福建省"
                      else {"伊犁哈萨克自治州": "strong", "新疆生产建设兵团": "strong"})
    proposed_links |= {"福州", "南平市人民政府", "漳州市", "伊犁州", "新疆生产建设兵团"}
    seen = set()
    for host in tree.sites:
        if any(tree.url(host) == out_page for out_page in out["pages_read"]):
            seen |= {w for w in _link_words(tree, host) if w}
    assert seen <= proposed_links | set(why), seen - proposed_links - set(why)
    # the evidence is stored with the entry
    gulou = next(p for p in out["proposals"] if p["code"] == EXPECTED[province].__iter__().__next__())
    assert "SiteIDCode" in gulou["evidence"] and "evidence: strong" in gulou["evidence"]
    # no page was asked for twice, and 中国政府网 / the private addresses never at all
    pages = Counter(h for h in tree.hits if h[1] != "/robots.txt")
    assert max(pages.values()) <= 2  # (this module's other walks ask for them too)


def _link_words(tree, host):
    from ingest.crawl.portals import read_page
    from bench.sites.portal_tree import _html

    site = tree.sites[host]
    out = set()
    for body in [site.body, *site.pages.values()]:
        out |= {w for _, w in read_page("http://h/", tree.url(host), _html(site, body)).links
                if not _.startswith(f"http://{host}:")}
    return out


def test_strong_discoveries_feed_the_next_crawl_and_add_promotes_them(tree, tmp_path, monkeypatch):
    data = tmp_path / "d"
    shipped = tmp_path / "registry"
    shutil.copytree(reg.DEFAULT_REGISTRY, shipped)
    out = _discover(tree, PROVINCE, tmp_path, shipped, "--fresh", data=data)
    saved = data / "registry" / "discovered.yaml"
    assert out["saved_to"] == str(saved)
    found = reg.load(saved)
    # weak ones wait for review; 平潭 (pingtan.gov.cn) is already in the shipped registry
    strong = {c for c in EXPECTED["福建省"] if c not in WEAK and c != "350128"}
    assert {s.code for s in found.sources} == strong
    assert "already in the registry (350128)" in {n["why"] for n in out["not_proposed"]}
    # the default registry (what the next crawl loads) has them, kept apart from the reviewed ones
    monkeypatch.setenv("DATA_DIR", str(data))
    default = reg.load()
    assert {s.code for s in default.sources if s.origin == "discovered"} == strong
    assert not strong & {u.code for u in default.unknown}
    assert {s.code for s in reg.load(discovered=False).sources} & strong == set()
    r = run_cli("registry", "check", "--source", "c350102", "--dry-run", "--json", "--allow-private", "127.0.0.0/8",
                *FAST, data_dir=data)
    assert r.returncode == 0, r.stderr
    checked = json.loads(r.stdout)[0]
    assert checked["confirmed"] is True and "SiteIDCode 3501020001" in checked["evidence"]
    added = run_cli("registry", "add", "--from", str(saved), "--registry", str(shipped), data_dir=data)
    assert added.returncode == 0, added.stderr
    promoted = reg.load(shipped)
    assert strong <= {s.code for s in promoted.sources}
    assert not strong & {u.code for u in promoted.unknown}  # their `portal: unknown` lines are gone
    assert not saved.exists()  # all promoted
    fujian = (shipped / "35-fujian.yaml").read_text(encoding="utf-8")
    assert fujian.startswith("# 福建省") and "SiteIDCode 3501210001" in fujian


def test_a_walk_stopped_by_its_budget_resumes_without_asking_again(tree, tmp_path, empty_registry):
    data = tmp_path / "d"
    start = Counter(h for h in tree.hits if h[1] != "/robots.txt")
    first = _discover(tree, PROVINCE, tmp_path, empty_registry, "--max-requests", "12", "--no-save", data=data)
    assert first["budget_spent"] and first["requests"] <= 14
    assert any("request budget spent" in n["why"] for n in first["not_proposed"]) or \
        any(not p.get("walked") for p in first["prefectures"])
    before = Counter(h for h in tree.hits if h[1] != "/robots.txt")
    second = _discover(tree, PROVINCE, tmp_path, empty_registry, "--no-save", data=data)
    assert not second["budget_spent"] and second["pages_from_state"] >= 5
    assert {p["code"] for p in second["proposals"]} == set(EXPECTED["福建省"])
    after = Counter(h for h in tree.hits if h[1] != "/robots.txt")
    read_first = [h for h in before if before[h] > start[h] and h[0] != "127.0.9.9"]  # 三明 does not answer
    again = [h for h in read_first if after[h] > before[h]]
    assert not again, again  # pages read before the stop were not asked for again


def test_without_allowance_other_loopback_hosts_are_refused(tree, tmp_path, empty_registry):
    r = run_cli("registry", "discover", tree.url(PROVINCE), "--recursive", "--json", "--no-save",
                "--registry", str(empty_registry), *FAST, data_dir=tmp_path / "d")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["proposals"] == []
    why = {n["text"]: n["why"] for n in out["not_proposed"]}
    assert why["福州"].startswith("refused: 127.0.2.1 is a loopback address")


def test_check_all_confirms_live_within_a_budget_and_resumes(tree, tmp_path):
    data, shipped = tmp_path / "d", tmp_path / "registry"
    shipped.mkdir()
    entry = ("  - id: {id}\n    name: {name}\n    code: \"{code}\"\n    province: 福建省\n    prefecture: 福州市\n"
             "    base_url: {url}\n    entry: /\n    adapter: generic\n    confirmed: false\n")
    (shipped / "35-fujian.yaml").write_text(
        "# 福建省 (a test copy)\nversion: 1\nprovince: 福建省\ncode: \"350000\"\nportals:\n"
        f"  - {{name: 福建省人民政府, url: \"{tree.url(PROVINCE)}\", confirmed: false}}\nsources:\n"
        + entry.format(id="gulou", name="鼓楼区", code="350102", url=tree.url("127.0.2.2"))
        + entry.format(id="minhou", name="闽侯县", code="350121", url=tree.url("127.0.2.3"))
        + entry.format(id="lianjiang", name="连江县", code="350122", url=tree.url("127.0.2.6")), encoding="utf-8")
    common = ["registry", "check", "--all", "--registry", str(shipped), "--allow-private", "127.0.0.0/8", *FAST]
    first = run_cli(*common, "--max-requests", "2", data_dir=data)
    assert first.returncode == 0, first.stderr
    assert "request budget was spent after 1 of 3 entries" in first.stdout and "check: 1 of 3 entries" in first.stderr
    second = run_cli(*common, "--skip-checked-within", "24", "--json", data_dir=data)
    assert second.returncode == 0, second.stderr
    got = {r["source"]: r for r in json.loads(second.stdout)}
    assert set(got) == {"minhou", "lianjiang", "portal:福建省人民政府"}  # gulou was checked by the first run
    assert got["minhou"]["confirmed"] and "SiteIDCode 3501210001: division code 350121" in got["minhou"]["evidence"]
    assert not got["lianjiang"]["confirmed"]
    assert "conflicting evidence: SiteIDCode 3501020001 is 鼓楼区" in got["lianjiang"]["evidence"]
    loaded = reg.load(shipped)
    assert {s.id: s.confirmed for s in loaded.sources} == {"gulou": True, "minhou": True, "lianjiang": False}
    assert loaded.portals[0].confirmed is True
    assert (shipped / "35-fujian.yaml").read_text(encoding="utf-8").startswith("# 福建省 (a test copy)\n")


def test_a_unit_listed_twice_or_with_a_bad_unknown_line_is_refused(tmp_path):
    from ingest.errors import UserError

    line = '  - {code: "350102", name: 鼓楼区, prefecture: 福州市, portal: unknown, reason: "not yet discovered"}\n'
    for name in ("35-a.yaml", "35-b.yaml"):
        (tmp_path / name).write_text(f"version: 1\nprovince: 福建省\nsources: []\nunknown:\n{line}", encoding="utf-8")
    with pytest.raises(UserError, match=r"35-b.yaml: unit 350102 鼓楼区 is listed twice \(also in 35-a.yaml\)"):
        reg.load(tmp_path)
    (tmp_path / "35-b.yaml").write_text("version: 1\nprovince: 福建省\nsources: []\nunknown:\n"
                                        + line.replace("鼓楼区", "台江区"), encoding="utf-8")
    with pytest.raises(UserError, match="code 350102 is 鼓楼区 in the administrative division dataset, not 台江区"):
        reg.load(tmp_path)
    r = run_cli("registry", "discover", "http://127.0.0.1:1/", "--allow-private", "10.0.0.0/33", data_dir=tmp_path / "d")
    assert r.returncode == 2 and r.stderr == "error: --allow-private: not a network: '10.0.0.0/33'\n"
