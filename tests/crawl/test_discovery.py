"""Discovery from the home page: best-first search, remembered columns, and why nothing was found.

Every layout of bench/sites/layouts.py is served by a real HTTP server on 127.0.0.1 and
crawled as `python -m ingest crawl` does, from its home page alone.
"""

from __future__ import annotations

import contextlib
import io
import json
import os

import pytest

from ingest.crawl import cli as crawl_cli
from ingest.crawl import discovery as d
from ingest.crawl.adapters import ADAPTERS
from ingest.crawl.crawler import SEARCH_BUDGET
from tests.crawl.conftest import FAST, query
from bench.sites.layouts import COUNTIES, EXPECTED, Layouts, deep, footer


def crawl(registry, data_dir, *extra) -> dict:
    """`python -m ingest crawl … --json` in this process; the parsed summary."""
    import argparse

    parser = argparse.ArgumentParser()
    crawl_cli.add_arguments(parser)
    saved = os.environ.get("DATA_DIR")
    os.environ["DATA_DIR"] = str(data_dir)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            assert crawl_cli.run(parser.parse_args(["--registry", str(registry), *FAST, "--json", *extra])) == 0
    finally:
        if saved is None:
            os.environ.pop("DATA_DIR", None)
        else:
            os.environ["DATA_DIR"] = saved
    return json.loads(out.getvalue())["sources"]


def documents(data_dir, layouts) -> dict[str, set]:
    by_id = {COUNTIES[n][0]: n for n in COUNTIES}
    out: dict[str, set] = {n: set() for n in COUNTIES if n in layouts.portals}
    for sid, url, kind, issuer, year in query(
            data_dir, "SELECT source_id, url, kind, issuer, year_hint FROM document_versions"):
        name = by_id[sid]
        out[name].add((url.removeprefix(layouts[name].base), kind, issuer, year))
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("layouts")
    layouts = Layouts(tmp / "sites")
    registry = tmp / "registry.yaml"
    registry.write_text(layouts.registry_yaml(), encoding="utf-8")
    try:
        summary = crawl(registry, tmp / "data")
        yield layouts, registry, tmp / "data", summary
    finally:
        layouts.stop()


def test_every_report_is_found_from_the_home_page_within_the_budget(world):
    layouts, _, data_dir, summary = world
    assert documents(data_dir, layouts) == EXPECTED
    for name, (sid, _, _) in COUNTIES.items():
        s = summary[sid]
        assert s["search_pages"] <= SEARCH_BUDGET, (name, s["search_pages"])
        # the search never wandered into the news, services or contact pages
        assert not any(h.path.startswith(("/xwzx/", "/bsfw/", "/hdjl/", "/lxwm/"))
                       for h in layouts[name].hits), name
    deep_hits = [h.path for h in layouts["deep"].hits]
    assert "/zwgk/xxgk/fdzdgknr/ndbg/" in deep_hits and deep_hits[:2] == ["/robots.txt", "/"]
    # the column is remembered at its top: year folders and pagination follow from it
    cols = {c["url"].removeprefix(layouts["deep"].base) for c in summary["shiquan"]["columns"]}
    assert "/zwgk/xxgk/fdzdgknr/ndbg/" in cols and "/zwgk/xxgk/fdzdgknr/ndbg/2023/" not in cols
    assert {"/bm/jyj/nb/", "/bm/wjj/nb/", "/xz/cgz/ndbg/", "/xz/chz/nb/"} <= cols
    assert summary["langao"]["why"] is None and summary["shiquan"]["why"] is None


def test_a_report_without_an_issuer_in_its_title_takes_the_department_that_links_it(world):
    layouts, _, data_dir, _ = world
    url = layouts["deep"].base + "/bm/jyj/nb/t20240201_3.html"
    assert query(data_dir, "SELECT issuer, title FROM document_versions WHERE url = ?", [url]) == [
        ("石泉县教育局", "2023年政府信息公开工作年度报告")]


def test_each_source_that_yields_nothing_says_why(world):
    layouts, _, _, summary = world
    nocol = summary["hanbin"]
    assert nocol["new_documents"] == 0 and nocol["failures"] == 0
    assert nocol["why"].startswith("no report column found after 5 page(s)")  # the site map too
    assert "best candidates: 「政府信息公开」" in nocol["why"]
    assert summary["baihe"]["why"] == (f"column found (政府信息公开年报 {layouts['empty'].base}/zwgk/zfxxgknb/) "
                                       "but it lists no report")
    dead = summary["zhenping"]
    assert dead["why"] == (f"every report link failed (2): HTTP 404 ×2 (first: {layouts['dead'].base}"
                           "/zwgk/zfxxgknb/202401/t20240101_1.html)")
    assert dead["reason_urls"]["HTTP 404"] == f"{layouts['dead'].base}/zwgk/zfxxgknb/202401/t20240101_1.html"
    robots = summary["ningshan"]
    assert robots["failures"] == 0 and robots["robots_excluded"] == 1 and robots["reasons"] == {}
    assert robots["why"] == f"robots.txt disallows the entry page {layouts['robots'].base}/"
    assert [h.path for h in layouts["robots"].hits] == ["/robots.txt"]


def test_budget_spent_is_said_with_the_best_unfetched_candidates(world, tmp_path):
    layouts, registry, _, _ = world
    summary = crawl(registry, tmp_path / "data", "--source", "hanbin", "--search-budget", "2")
    why = summary["hanbin"]["why"]
    assert why.startswith("no report column found after 2 page(s)") and "budget of 2 spent" in why
    assert "not fetched" in why


def test_remembered_column_is_where_the_next_run_starts_and_a_moved_one_is_searched_again(world, tmp_path):
    layouts, registry, _, _ = world
    data = tmp_path / "data"
    first = crawl(registry, data, "--source", "shiquan,ziyang")
    assert first["ziyang"]["new_documents"] == 1
    memory = json.loads((data / "crawl" / "columns.json").read_text(encoding="utf-8"))
    moved = layouts["moved"]
    assert [c["url"] for c in memory["sources"]["ziyang"]["columns"]] == [moved.base + "/xxgk/nb/"]

    for name in ("deep", "moved"):
        layouts[name].hits.clear()
    second = crawl(registry, data, "--source", "shiquan,ziyang")
    assert second["shiquan"]["unchanged"] == len(EXPECTED["deep"]) and second["shiquan"]["search_pages"] == 0
    assert "/" not in [h.path for h in layouts["deep"].hits]  # no search: straight to the columns
    assert len(layouts["deep"].hits) < first["shiquan"]["requests"]

    layouts.move()
    moved.hits.clear()
    third = crawl(registry, data, "--source", "ziyang")["ziyang"]
    assert third["unchanged"] == 1 and third["why"] is None
    assert third["notes"] == [f"remembered column {moved.base}/xxgk/nb/ failed (HTTP 404); searched again from the entry"]
    assert [h.path for h in moved.hits][:3] == ["/robots.txt", "/xxgk/nb/", "/"]
    memory = json.loads((data / "crawl" / "columns.json").read_text(encoding="utf-8"))
    assert [c["url"] for c in memory["sources"]["ziyang"]["columns"]] == [moved.base + "/zfxxgk/ndbg/"]
    assert memory["sources"]["ziyang"]["last_run"]["mode"] == "re-search"


@pytest.mark.parametrize("text,title,url,context,at_least,below", [
    ("政府信息公开年报", None, "/zwgk/zfxxgknb/", None, d.COLUMN_SCORE, None),
    ("更多>>", None, "/col/col5501/index.html", "政府信息公开年报 更多>>", 80, None),
    (None, "乡镇政府信息公开年报", "/col/col5502/index.html", None, d.COLUMN_SCORE, None),
    ("政府信息公开", None, "/xxgk/", None, 50, d.COLUMN_SCORE),
    ("政务公开", None, "/zwgk/", None, d.MIN_FOLLOW, 60),
    ("网站地图", None, "/wzdt/", None, d.MIN_FOLLOW, 40),  # one page listing every column
    ("政府信息公开目录", None, "/xxgkml/", None, 50, d.COLUMN_SCORE),  # the catalogue, not a notice
    ("主动公开目录", None, "/zdgkml/", None, d.MIN_FOLLOW, d.COLUMN_SCORE),
    ("镇（街道）信息公开", None, "/zjxxgk/", None, 40, d.COLUMN_SCORE),
    ("乡镇(街道)年报", None, "/x/", None, d.COLUMN_SCORE, None),
    ("", None, "/xxgk/zfxxgknb/", None, 60, None),  # an icon link: the URL words speak
])
def test_column_score_ranks_the_path_to_the_column(text, title, url, context, at_least, below):
    score, why = d.column_score(text, title, url, context)
    assert score >= at_least and why
    if below is not None:
        assert score < below


@pytest.mark.parametrize("text,url", [
    ("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", "/zwgk/zfxxgknb/notice.html"),
    ("政府信息公开指南", "/zfxxgk/zn/"), ("新闻中心", "/xwzx/"), ("联系我们", "/zfxxgk/lxwm.html"),
    ("更多", "/xwzx/"), ("2023年政府信息公开工作年度报告", "/nb/t1.html"),
])
def test_words_that_lead_elsewhere_score_nothing(text, url):
    assert d.column_score(text, None, url, "要闻动态")[0] < d.MIN_FOLLOW


def test_adapter_scores_navigation_and_reads_the_page_name():
    home = ADAPTERS["generic"]().discover_list("http://x.gov.cn/", footer()["/index.html"])
    by_url = {c.url: c for c in home.candidates}
    assert by_url["http://x.gov.cn/col/col5501/index.html"].score >= 80  # "更多>>" beside its heading
    assert by_url["http://x.gov.cn/col/col5502/index.html"].score >= d.COLUMN_SCORE  # footer icon, title attr
    assert "http://x.gov.cn/xwzx/" not in by_url
    column = ADAPTERS["generic"]().discover_list("http://x.gov.cn/zwgk/xxgk/fdzdgknr/ndbg/",
                                                 deep()["/zwgk/xxgk/fdzdgknr/ndbg/index.html"])
    assert column.page_score >= d.COLUMN_SCORE and column.page_name == "政府信息公开年报"
    directory = ADAPTERS["generic"]().discover_list("http://x.gov.cn/zwgk/xxgk/bmxxgk/",
                                                    deep()["/zwgk/xxgk/bmxxgk/index.html"])
    issuers = {c.issuer for c in directory.candidates if c.issuer}
    assert issuers == {"石泉县教育局", "石泉县卫生健康局"}


def test_refresh_summary_prints_the_per_source_table_with_why_nothing(world):
    """What `make refresh` prints on the terminal, read back from crawl_runs and the crawler's diagnosis."""
    from dataclasses import asdict

    from ingest.config import paths
    from ingest.refresh import summary as summary_mod

    layouts, _, data_dir, _ = world
    outcomes = summary_mod.crawl_outcome(paths(data_dir), set())
    by_id = {o.source_id: o for o in outcomes}
    assert by_id["ningshan"].robots_excluded == 1 and by_id["ningshan"].failures == 0
    assert by_id["shiquan"].why is None and by_id["shiquan"].new_documents == len(EXPECTED["deep"])
    s = summary_mod.Summary(run_id="r", started_at="t", data_dir=str(data_dir), offline=False,
                            sources_reached=[o.source_id for o in outcomes if o.reached],
                            sources=[asdict(o) for o in outcomes])
    text = s.render()
    assert "8 reached, 0 failed; 4 reached but yielded no report" in text
    rows = {line.split()[0]: line for line in text.splitlines() if line.startswith("             ")}
    assert "no report column found after 5 page(s)" in rows["hanbin"]
    assert "robots.txt disallows the entry page" in rows["ningshan"]
    assert f"(first: {layouts['dead'].base}/zwgk/zfxxgknb/202401/t20240101_1.html)" in rows["zhenping"]
    assert rows["shiquan"].split()[1:5] == ["complete", str(by_id["shiquan"].pages_fetched), "8", "0"]


def test_one_column_moving_keeps_the_others_remembered(tmp_path):
    """A re-search after one remembered column failed remembers the columns that still answered."""
    layouts = Layouts(tmp_path / "sites", names=("deep",))
    try:
        site = layouts["deep"]
        registry = tmp_path / "registry.yaml"
        registry.write_text(layouts.registry_yaml(), encoding="utf-8")
        first = crawl(registry, tmp_path / "data")["shiquan"]
        before = {c["url"].removeprefix(site.base) for c in first["columns"]}
        assert "/bm/wjj/nb/" in before
        # the health bureau moves its column: the old URL answers 404, its page links the new one
        root = site.root
        (root / "bm/wjj/nb").rename(root / "bm/wjj/ndbg")
        index = root / "bm/wjj/index.html"
        index.write_text(index.read_text(encoding="utf-8").replace("/bm/wjj/nb/", "/bm/wjj/ndbg/"), encoding="utf-8")
        second = crawl(registry, tmp_path / "data")["shiquan"]
        assert second["new_documents"] == 1 and second["unchanged"] == len(EXPECTED["deep"]) - 1  # the moved URL
        assert second["notes"][0].startswith(f"remembered column {site.base}/bm/wjj/nb/ failed (HTTP 404)")
        memory = json.loads((tmp_path / "data" / "crawl" / "columns.json").read_text(encoding="utf-8"))
        after = {c["url"].removeprefix(site.base) for c in memory["sources"]["shiquan"]["columns"]}
        assert after == (before - {"/bm/wjj/nb/"}) | {"/bm/wjj/ndbg/"}
    finally:
        layouts.stop()
