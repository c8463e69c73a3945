"""The registry: the shipped seed, and one clear line for every kind of bad entry."""

from __future__ import annotations

import pytest

from ingest.crawl import registry as reg
from ingest.crawl.domains import registrable_domain, site_of
from ingest.errors import UserError
from tests.crawl.conftest import run_cli

ANKANG = {"610902": "汉滨区", "610921": "汉阴县", "610922": "石泉县", "610923": "宁陕县", "610924": "紫阳县",
          "610925": "岚皋县", "610926": "平利县", "610927": "镇坪县", "610981": "旬阳市", "610929": "白河县"}


def test_shipped_registry_seeds_ankang_and_the_spec_portals():
    r = reg.load()
    by_code = {s.code: s for s in r.sources}
    assert {c: by_code[c].name for c in ANKANG} == ANKANG
    assert all(by_code[c].prefecture == "安康市" and by_code[c].province == "陕西省" for c in ANKANG)
    domains = {registrable_domain(site_of(s.base_url)) for s in r.sources}
    for d in ("pingtan.gov.cn", "gztongzi.gov.cn", "shuicheng.gov.cn", "longyou.gov.cn", "yj.gov.cn",
              "shuyang.gov.cn", "fg.gov.cn", "lg.gov.cn", "szgm.gov.cn", "lianhu.gov.cn", "hejiang.gov.cn",
              "hongze.gov.cn", "hanyin.gov.cn"):
        assert d in domains, d
    lishui = [s for s in r.sources if s.prefecture == "丽水市"]
    assert len(lishui) == 9 and all(s.adapter == "zhejiang" for s in lishui)
    assert all(s.base_url.split("/")[2].endswith(".gov.cn") for s in r.sources)
    assert not any(s.confirmed for s in r.sources)  # nothing was checked against a live portal
    assert r.get("hanyin").government == "汉阴县人民政府"
    assert len({s.id for s in r.sources}) == len(r.sources)


GOOD = {"id": "x", "name": "汉阴县", "code": "610921", "province": "陕西省", "prefecture": "安康市",
        "base_url": "https://www.hanyin.gov.cn/", "entry": "/zfxxgk/", "adapter": "generic", "confirmed": False}


def parse(entry, path="r.yaml"):
    from pathlib import Path

    return reg.parse({"version": 1, "sources": [entry]}, Path(path))


def test_a_good_entry_and_its_defaults():
    s = parse(GOOD).sources[0]
    assert s.entry == ("https://www.hanyin.gov.cn/zfxxgk/",)
    assert s.government == "汉阴县人民政府" and s.tls_label == "verify"
    assert parse({**GOOD, "code": 610921}).sources[0].code == "610921"  # unquoted YAML number
    assert parse({**GOOD, "tls_verify": False}).sources[0].tls_label == "no-verify"
    assert parse({**GOOD, "entry": ["/a/", "https://jyj.hanyin.gov.cn/nb/"]}).sources[0].entry[1] == \
        "https://jyj.hanyin.gov.cn/nb/"


@pytest.mark.parametrize("change, message", [
    ({"code": "61092"}, "r.yaml: sources[0] (x): field 'code' must be a 6-digit administrative division code"),
    ({"code": "610922"}, "code 610922 is 石泉县 in the administrative division dataset, not 汉阴县"),
    ({"adapter": "wordpress"}, "field 'adapter' must be one of generic, hanweb, trs, ucap, vsb, zhejiang"),
    ({"entry": "http://hanyin.gov.cn.mirror-site.com/nb/"}, "field 'entry' http://hanyin.gov.cn.mirror-site.com/nb/"
                                                           " is not on the site of base_url"),
    ({"base_url": "ftp://hanyin.gov.cn/"}, "field 'base_url' must be an http(s) URL"),
    ({"confirmed": "yes"}, "field 'confirmed' must be true or false"),
    ({"id": "Han Yin"}, "field 'id' must be a lower-case slug"),
    ({"homepage": "x"}, "unknown field 'homepage'"),
    ({"tls_verify": 3}, "field 'tls_verify' must be true, false or a CA bundle path"),
    ({"options": {"list_api": {"page": 1}}}, "field 'options': unknown option list_api for adapter generic"),
])
def test_bad_entries_name_the_entry_and_the_field(change, message):
    with pytest.raises(UserError) as err:
        parse({**GOOD, **change})
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_fields_and_duplicates():
    entry = dict(GOOD)
    del entry["prefecture"]
    with pytest.raises(UserError, match=r"sources\[0\] \(x\): missing field 'prefecture'"):
        parse(entry)
    from pathlib import Path

    with pytest.raises(UserError, match=r"sources\[1\]: duplicate id 'x'"):
        reg.parse({"version": 1, "sources": [GOOD, GOOD]}, Path("r.yaml"))
    with pytest.raises(UserError, match="registry version 2 is not supported"):
        reg.parse({"version": 2, "sources": [GOOD]}, Path("r.yaml"))


def test_trs_and_zhejiang_options_are_checked():
    ok = parse({**GOOD, "adapter": "trs", "options": {"list_api": {"url": "/api/list", "page_param": "pageNo"}}})
    assert ok.sources[0].options["list_api"]["url"] == "/api/list"
    with pytest.raises(UserError, match="years must be"):
        parse({**GOOD, "adapter": "zhejiang", "options": {"years": [2024, 2019]}})


def test_cli_bad_registry_is_one_line_and_exit_2(tmp_path):
    missing = run_cli("crawl", "--registry", str(tmp_path / "nope.yaml"), data_dir=tmp_path / "d")
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: no such registry file: {tmp_path / 'nope.yaml'}"
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nsources:\n  - id: [unclosed\n", encoding="utf-8")
    bad = run_cli("crawl", "--registry", str(broken), data_dir=tmp_path / "d")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "is not valid YAML" in bad.stderr and "Traceback" not in bad.stderr
    unknown = run_cli("crawl", "--source", "atlantis", data_dir=tmp_path / "d")
    assert unknown.returncode == 2 and unknown.stderr.startswith("error: unknown source atlantis")
    assert not (tmp_path / "d").exists()  # bad input stores nothing
