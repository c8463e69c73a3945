"""`python -m ingest registry discover | add | check` against fixture portals on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
import yaml

from ingest.crawl import registry as reg
from ingest.crawl.registry_cli import set_fields
from tests.crawl.conftest import run_cli
from bench.sites.layouts import Layouts

FAST = ["--delay", "0.02", "--timeout", "2", "--retries", "0"]


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    lay = Layouts(tmp_path_factory.mktemp("sites"), names=("deep", "footer", "moved", "nocolumn"))
    try:
        yield lay
    finally:
        lay.stop()


@pytest.fixture
def registry(tmp_path, layouts):
    """A registry holding one county already (石泉县), with a comment that must survive."""
    path = tmp_path / "counties.yaml"
    path.write_text("# my counties — keep this comment\n" + layouts.registry_yaml(("deep",)), encoding="utf-8")
    return path


def test_discover_proposes_the_counties_a_prefecture_portal_links(layouts, registry, tmp_path):
    pref = layouts["prefecture"]
    r = run_cli("registry", "discover", pref.base + "/", "--registry", str(registry), "--json", *FAST,
                data_dir=tmp_path / "d")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["pages_read"] == [pref.base + "/", pref.base + "/wzq/"]  # the 网站群 page was read too
    assert out["scope"] == "安康市 (610900)"
    got = {p["name"]: p for p in out["proposals"]}
    # 石泉县 is already in the registry; 岚皋 (footer block), 紫阳 and 汉滨 (网站群 page) are proposed
    assert set(got) == {"岚皋县", "紫阳县", "汉滨区"}
    lg = got["岚皋县"]
    assert (lg["code"], lg["province"], lg["prefecture"], lg["confirmed"]) == ("610925", "陕西省", "安康市", False)
    assert lg["base_url"] == layouts["footer"].base + "/" and lg["entry"] == "/"
    # the county fixtures declare no SiteIDCode / SiteName: link text alone is weak evidence
    assert lg["evidence"] == (f"linked as 「岚皋县人民政府」 from {pref.base}/; no SiteIDCode or SiteName meta; "
                              "title 「岚皋县人民政府」; evidence: weak")
    assert lg["strength"] == "weak"
    assert got["紫阳县"]["evidence"].startswith("linked as 「紫阳县政府网」 from " + pref.base + "/wzq/")
    why = {x["text"]: x["why"] for x in out["not_proposed"]}
    assert why["安康市教育局"] == "a department's or institution's site (安康市教育局), not a government"
    # 新城区 is not in 安康市: named, with where it is
    assert why["新城区人民政府"].startswith("names 新城区 of ") and why["新城区人民政府"].endswith(
        "not a unit of 安康市 (610900)")
    assert why["中国政府网"] == "names no county-level unit of 安康市 (610900)"
    assert why["网站群"] == "a page of the portal itself"
    assert why["石泉县人民政府"].startswith("already in the registry")
    assert [h.path for h in pref.hits] == ["/robots.txt", "/", "/wzq/"]


def test_discover_then_add_then_check(layouts, registry, tmp_path):
    data = tmp_path / "d"
    pref = layouts["prefecture"]
    proposed = run_cli("registry", "discover", pref.base + "/", "--registry", str(registry), *FAST, data_dir=data)
    assert proposed.returncode == 0, proposed.stderr
    proposals = tmp_path / "proposed.yaml"
    proposals.write_text(proposed.stdout, encoding="utf-8")
    assert "# not proposed: 「安康市教育局」" in proposed.stdout

    before = registry.read_text(encoding="utf-8")
    added = run_cli("registry", "add", "--from", str(proposals), "--registry", str(registry), data_dir=data)
    assert added.returncode == 0, added.stderr
    after = registry.read_text(encoding="utf-8")
    assert after.startswith(before)  # appended: the comment and the old entries byte for byte
    loaded = reg.load(registry)
    assert sorted(s.code for s in loaded.sources) == ["610902", "610922", "610924", "610925"]
    assert not any(s.confirmed for s in loaded.sources)

    again = run_cli("registry", "add", "--from", str(proposals), "--registry", str(registry), data_dir=data)
    assert again.returncode == 2 and "is already in" in again.stderr and "Traceback" not in again.stderr
    assert registry.read_text(encoding="utf-8") == after

    # ids come from host names, or from the code for a bare IP address (these fixtures)
    # a crawl remembers where the columns are; check records it beside what the entry page showed
    crawled = run_cli("crawl", "--registry", str(registry), "--source", "c610925", "--quiet", *FAST, data_dir=data)
    assert crawled.returncode == 0, crawled.stderr
    layouts["moved"].stop()  # 紫阳县's portal goes down
    checked = run_cli("registry", "check", "--registry", str(registry), "--json", *FAST, data_dir=data)
    assert checked.returncode == 0, checked.stderr
    results = {r["source"]: r for r in json.loads(checked.stdout)}
    assert results["c610925"]["confirmed"] is True
    assert results["c610925"]["evidence"].startswith(f"entry page answered ({layouts['footer'].base}/) and names 岚皋县")
    assert f"report columns found by a crawl: {layouts['footer'].base}/col/col5501/index.html" in \
        results["c610925"]["evidence"]
    assert results["c610924"]["confirmed"] is False
    assert results["c610924"]["evidence"].startswith("entry page failed: ")
    doc = yaml.safe_load(registry.read_text(encoding="utf-8"))
    entry = {s["id"]: s for s in doc["sources"]}
    assert entry["c610925"]["confirmed"] is True and entry["c610925"]["checked_at"] == results["c610925"]["checked_at"]
    assert entry["c610924"]["confirmed"] is False and "entry page failed" in entry["c610924"]["evidence"]
    assert registry.read_text(encoding="utf-8").startswith("# my counties — keep this comment\n")


def test_add_by_name_looks_the_code_up_and_refuses_bad_input(layouts, registry, tmp_path):
    data = tmp_path / "d"
    ok = run_cli("registry", "add", "--name", "汉滨区", "--url", layouts["nocolumn"].base + "/x/",
                 "--registry", str(registry), data_dir=data)
    assert ok.returncode == 0, ok.stderr
    src = reg.load(registry).get("c610902")  # an IP host: the id comes from the code
    assert src is not None and src.base_url == layouts["nocolumn"].base + "/" and src.prefecture == "安康市"
    for args, message in [
        (["--name", "不存在县", "--url", "http://x.gov.cn/"], "no county-level unit(s) of that name"),
        (["--name", "汉阴县", "--url", "ftp://x/"], "not an http(s) URL"),
        (["--name", "石泉县", "--url", "http://shiquan.example.com/"], "is already in"),
        (["--url", "http://x.gov.cn/"], "give --from FILE, or --name and --url"),
    ]:
        r = run_cli("registry", "add", *args, "--registry", str(registry), data_dir=data)
        assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_set_fields_edits_one_entry_and_keeps_everything_else():
    text = ("version: 1\nsources:\n  - id: a  # first\n    name: 汉阴县\n    confirmed: false\n"
            "    options:\n      areas: {x: y}\n  # between\n  - id: b\n    confirmed: false\n")
    out = set_fields(text, "a", {"confirmed": "true", "checked_at": '"2026-11-29T00:00:00+00:00"'})
    assert out == ("version: 1\nsources:\n  - id: a  # first\n    name: 汉阴县\n    confirmed: true\n"
                   "    options:\n      areas: {x: y}\n    checked_at: \"2026-11-29T00:00:00+00:00\"\n"
                   "  # between\n  - id: b\n    confirmed: false\n")


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    from bench.sites.portal import closed_port

    dead = run_cli("registry", "discover", f"http://127.0.0.1:{closed_port()}/", *FAST, data_dir=tmp_path / "d")
    assert dead.returncode == 2 and dead.stderr.startswith("error: cannot read http://127.0.0.1:")
    assert "connection refused" in dead.stderr and len(dead.stderr.strip().splitlines()) == 1
    for args, message in [(["registry"], "choose an action"), (["registry", "discover", "ftp://x/"], "not an http(s) URL"),
                          (["registry", "check", "--registry", str(tmp_path / "none.yaml")], "no such registry file")]:
        r = run_cli(*args, data_dir=tmp_path / "d")
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
