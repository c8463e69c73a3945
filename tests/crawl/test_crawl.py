"""End to end: `python -m ingest crawl` over the fixture portal, asserting the archive itself.

The fixture has three portals (generic county with every fault, a TRS site whose list is
filled from a JSON API, a Hanweb/Zhejiang site) plus an off-site mirror and a closed port.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from ingest.cli import main
from ingest.crawl.fetcher import DEFAULT_USER_AGENT
from tests.crawl.conftest import FAST, query
from bench.sites.portal import Portals

# (path, kind, issuer, year, title) of every document the fixture must yield, per source.
EXPECTED = {
    "hanyin": {
        ("/zwgk/zfxxgknb/202402/t20240206_1001.html", "page", "汉阴县人民政府", 2023,
         "汉阴县人民政府2023年度政府信息公开工作年度报告"),
        ("/zwgk/zfxxgknb/202402/P020240206_1001.pdf", "attachment", "汉阴县人民政府", 2023,
         "汉阴县人民政府2023年度政府信息公开工作年度报告(全真版)"),
        ("/zwgk/zfxxgknb/202402/t20240201_1002.html", "page", "汉阴县教育体育和科技局", 2023,
         "汉阴县教育体育和科技局2023年政府信息公开工作年度报告"),
        ("/zwgk/zfxxgknb/202402/t20240130_1003.html", "page", "城关镇", 2023,
         "城关镇2023年政府信息公开工作年度报告"),
        ("/upload/2024/sjj2023.wps", "attachment", "汉阴县审计局", 2023,
         "汉阴县审计局2023年政府信息公开工作年度报告"),
        ("/upload/2023/nb2022.pdf", "attachment", "汉阴县人民政府", 2022,
         "汉阴县人民政府2022年度政府信息公开工作年度报告"),
        ("/zwgk/zfxxgknb/202202/t20220215_0801.html", "page", "汉阴县人民政府", 2021,
         "汉阴县人民政府2021年度政府信息公开工作年度报告"),
        ("/upload/2021/nb2020.docx", "attachment", "汉阴县人民政府", 2020,
         "汉阴县人民政府2020年政府信息公开工作年度报告"),
        ("/faults/flaky-500.html", "page", "汉阴县人民政府", 2018, "汉阴县人民政府2018年政府信息公开工作年度报告"),
        ("/faults/busy-429.html", "page", "汉阴县人民政府", 2017, "汉阴县人民政府2017年政府信息公开工作年度报告"),
    },
    "pingli": {
        ("/zfxxgk/zfxxgknb/202401/t20240125_2001.html", "page", "平利县人民政府", 2023,
         "平利县人民政府2023年政府信息公开工作年度报告"),
        ("/zfxxgk/zfxxgknb/202401/t20240120_2002.html", "page", "平利县发展和改革局", 2023,
         "平利县发展和改革局2023年政府信息公开工作年度报告"),
        ("/zfxxgk/zfxxgknb/202301/t20230130_1801.html", "page", "平利县人民政府", 2022,
         "平利县人民政府2022年政府信息公开工作年度报告"),
        ("/zfxxgk/zfxxgknb/202301/P020230128_1802.pdf", "attachment", "老县镇", 2022,
         "老县镇2022年政府信息公开工作年度报告"),
    },
    "longyou": {
        ("/art/2024/1/23/art_1229_1.html", "page", "龙游县人民政府", 2023, "龙游县人民政府2023年政府信息公开工作年度报告"),
        ("/art/2024/1/22/art_1229_2.html", "page", "龙游县横山镇", 2023, "龙游县横山镇2023年政府信息公开工作年度报告"),
        ("/art/2024/1/20/art_1229_3.html", "page", "龙游县财政局", 2023, "龙游县财政局2023年政府信息公开工作年度报告"),
        ("/art/2023/1/18/art_1229_4.html", "page", "龙游县人民政府", 2022, "龙游县人民政府2022年政府信息公开工作年度报告"),
        ("/art/2023/1/16/art_1229_5.html", "page", "龙游县财政局", 2022, "龙游县财政局2022年政府信息公开工作年度报告"),
        ("/module/xxgk/xxgkAnnualReport.jsp?fbtime=2023&area=11330825MB1234567X", "page", "龙游县人民政府", 2023,
         "龙游县人民政府2023年政府信息公开工作年度报告"),
    },
}


def crawl(registry_file, *extra) -> int:
    return main(["crawl", "--registry", str(registry_file), *FAST, *extra])


def documents(data_dir, portals) -> dict[str, set]:
    bases = {"hanyin": portals["county"].base, "pingli": portals["trs"].base, "longyou": portals["hanweb"].base}
    out: dict[str, set] = {}
    for sid, url, kind, issuer, year, title in query(
            data_dir, "SELECT source_id, url, kind, issuer, year_hint, title FROM document_versions"):
        out.setdefault(sid, set()).add((url.removeprefix(bases[sid]), kind, issuer, year, title))
    return out


def attempts(data_dir, url: str) -> list[tuple]:
    return query(data_dir, "SELECT try_no, status, outcome, error, sha256 FROM fetch_attempts WHERE url = ?"
                 " ORDER BY attempt_id", [url])


@contextlib.contextmanager
def crawled(tmp: Path, **portal_options):
    """Portals started, one crawl done into tmp/data; yields what the tests inspect."""
    portals = Portals(**{"slow_seconds": 0.6, "huge_bytes": 2 * 1024 * 1024, **portal_options})
    registry_file = tmp / "registry.yaml"
    registry_file.write_text(portals.registry_yaml(), encoding="utf-8")
    data_dir = tmp / "data"
    saved = os.environ.get("DATA_DIR")
    os.environ["DATA_DIR"] = str(data_dir)
    try:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = crawl(registry_file)
        yield SimpleNamespace(portals=portals, registry=registry_file, data_dir=data_dir, rc=rc, out=out.getvalue())
    finally:
        if saved is None:
            os.environ.pop("DATA_DIR", None)
        else:
            os.environ["DATA_DIR"] = saved
        portals.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One crawl shared by the tests that only read what it left (they never change it)."""
    with crawled(tmp_path_factory.mktemp("crawl")) as w:
        assert w.rc == 0
        yield w


@pytest.fixture
def first_crawl(world):
    return world


@pytest.fixture
def portals(world):
    return world.portals


@pytest.fixture
def data_dir(world):
    return world.data_dir


def test_crawl_archives_every_report_and_only_reports(first_crawl, portals, data_dir):
    assert documents(data_dir, portals) == EXPECTED
    # every document's bytes are on disk under their sha256, exactly as served
    c = portals["county"]
    for url, sha, size, parent, kind in query(
            data_dir, "SELECT url, sha256, bytes, parent_url, kind FROM document_versions"):
        blob = data_dir / "archive" / "blobs" / sha[:2] / sha
        assert blob.is_file() and blob.stat().st_size == size
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == sha
        if kind == "attachment":
            assert parent, url
    pdf = query(data_dir, "SELECT sha256, parent_url, content_type FROM document_versions WHERE url = ?",
                [f"{c.base}/upload/2023/nb2022.pdf"])[0]
    served = (c.root / "upload/2023/nb2022.pdf").read_bytes()
    assert pdf[0] == hashlib.sha256(served).hexdigest()
    assert pdf[1] == f"{c.base}/zwgk/zfxxgknb/202302/t20230210_0901.html"  # the page that wraps a PDF viewer
    assert pdf[2] == "application/pdf"


def test_encodings_are_detected_and_recorded(first_crawl, portals, data_dir):
    c = portals["county"]
    rows = dict(((u, (e, s)) for u, e, s in query(
        data_dir, "SELECT url, encoding, encoding_source FROM document_versions WHERE kind = 'page'")))
    assert rows[f"{c.base}/zwgk/zfxxgknb/202202/t20220215_0801.html"] == ("gb18030", "meta")  # GBK, no header charset
    assert rows[f"{c.base}/zwgk/zfxxgknb/202402/t20240206_1001.html"] == ("utf-8", "header")
    binaries = query(data_dir, "SELECT count(*) FROM document_versions WHERE kind = 'attachment' AND encoding IS NOT NULL")
    assert binaries == [(0,)]


def test_fault_404_is_recorded_once_without_retry(first_crawl, portals, data_dir):
    url = f"{portals['county'].base}/zwgk/zfxxgknb/201902/t20190201_0404.html"
    assert attempts(data_dir, url) == [(1, 404, "failed", "HTTP 404", None)]
    assert portals["county"].count("/zwgk/zfxxgknb/201902/t20190201_0404.html") == 1


def test_fault_500_then_success_is_retried_and_stored(first_crawl, portals, data_dir):
    url = f"{portals['county'].base}/faults/flaky-500.html"
    rows = attempts(data_dir, url)
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, 500, "retry"), (2, 200, "ok")]
    assert rows[1][4] == query(data_dir, "SELECT sha256 FROM document_versions WHERE url = ?", [url])[0][0]


def test_fault_429_honours_retry_after(first_crawl, portals, data_dir):
    c = portals["county"]
    url = f"{c.base}/faults/busy-429.html"
    assert [(r[0], r[1], r[2]) for r in attempts(data_dir, url)] == [(1, 429, "retry"), (2, 200, "ok")]
    hits = [h for h in c.hits if h.path == "/faults/busy-429.html"]
    assert hits[1].at - hits[0].done >= 0.95  # Retry-After: 1 — far above the 0.05 s backoff


def test_fault_timeout_is_retried_then_given_up(first_crawl, portals, data_dir):
    url = f"{portals['county'].base}/faults/slow.html"
    rows = attempts(data_dir, url)
    assert [(r[0], r[2]) for r in rows] == [(1, "retry"), (2, "retry"), (3, "failed")]  # --retries 2
    assert all(r[3] == "read timeout after 0.3s" and r[4] is None for r in rows)
    assert not query(data_dir, "SELECT 1 FROM document_versions WHERE url = ?", [url])


def test_fault_redirect_loop_and_off_site_redirect(first_crawl, portals, data_dir):
    c = portals["county"]
    loop = query(data_dir, "SELECT url, status, outcome, error FROM fetch_attempts WHERE url LIKE '%/faults/loop-%'"
                 " ORDER BY attempt_id")
    assert loop == [(f"{c.base}/faults/loop-a.html", 302, "redirect", None),
                    (f"{c.base}/faults/loop-b.html", 301, "failed", f"redirect loop at {c.base}/faults/loop-a.html")]
    away = attempts(data_dir, f"{c.base}/faults/away.html")
    assert len(away) == 1 and away[0][1] == 302 and away[0][3].startswith("redirect off site to ")
    assert portals["mirror"].hits == []  # neither the redirect nor the mirror's copy link was followed
    assert not query(data_dir, "SELECT 1 FROM document_versions WHERE url LIKE '%/faults/%' AND url NOT LIKE "
                     "'%flaky%' AND url NOT LIKE '%busy%'")


def test_fault_oversized_bodies_are_refused_and_not_stored(first_crawl, portals, data_dir):
    c = portals["county"]
    declared = attempts(data_dir, f"{c.base}/faults/huge.pdf")
    streamed = attempts(data_dir, f"{c.base}/faults/huge-stream.pdf")
    assert declared[0][2] == "failed" and declared[0][3].startswith("body too large: Content-Length 2097152")
    assert streamed[0][2] == "failed" and streamed[0][3].startswith("body too large: more than 1000000")
    assert len(declared) == len(streamed) == 1  # not retried
    sizes = [p.stat().st_size for p in (data_dir / "archive" / "blobs").glob("??/*")]
    assert max(sizes) < 1_000_000
    assert not list((data_dir / "archive" / "blobs").glob("??/.*.tmp"))


def test_fault_page_that_is_not_a_report(first_crawl, portals, data_dir):
    c = portals["county"]
    url = f"{c.base}/zwgk/zfxxgknb/201302/t20130201_0001.html"
    rows = attempts(data_dir, url)
    assert [(r[1], r[2]) for r in rows] == [(200, "ok")] and rows[0][4]  # fetched and kept as a blob …
    assert not query(data_dir, "SELECT 1 FROM document_versions WHERE url = ?", [url])  # … not a document
    # a notice about reports and an application form are never even fetched
    assert c.count("/zwgk/zfxxgknb/notice.html") == 0 and c.count("/upload/2024/sqb.doc") == 0


def test_fault_unreachable_host_fails_fast_and_is_summarised(first_crawl, portals, data_dir):
    dead = f"http://127.0.0.1:{portals.dead_port}"
    rows = query(data_dir, "SELECT url, purpose, error, outcome, elapsed_ms FROM fetch_attempts WHERE url LIKE ?"
                 " ORDER BY attempt_id", [dead + "%"])
    assert rows[0][:4] == (f"{dead}/robots.txt", "robots", "connection refused", "failed")
    assert rows[0][4] < 1000
    assert rows[1][:4] == (f"{dead}/zfxxgk/zfxxgknb/", "list", "host unreachable: connection refused", "skipped")
    assert len(rows) == 2  # no retries
    run = query(data_dir, "SELECT status, failures, failure_reasons FROM crawl_runs WHERE source_id = 'ningshan'")
    assert run[0][0] == "failed" and json.loads(run[0][2]) == {"connection refused": 1}
    out = first_crawl.out
    assert "ningshan" in out and "connection refused ×1" in out


def test_robots_txt_is_obeyed_and_user_agent_is_honest(first_crawl, portals, data_dir):
    c = portals["county"]
    assert c.paths()[0] == "/robots.txt"
    assert not any(p.startswith("/private/") for p in c.paths())
    row = attempts(data_dir, f"{c.base}/private/t20120101_0001.html")
    assert row == [(1, None, "skipped", "disallowed by robots.txt", None)]
    for name in ("county", "trs", "hanweb"):
        assert {h.headers["user-agent"] for h in portals[name].hits} == {DEFAULT_USER_AGENT}
    # the TRS site has no robots.txt: a 404 there means no rules, and is not a failure
    assert attempts(data_dir, f"{portals['trs'].base}/robots.txt") == [(1, 404, "ok", None, None)]


def test_summary_per_source(first_crawl, data_dir):
    lines = {line.split()[0]: line.split() for line in first_crawl.out.splitlines() if line.strip()}
    hanyin = lines["hanyin"]
    # source status pages new unchanged not-report failures robots reasons …
    assert hanyin[1] == "complete" and hanyin[3] == "10" and hanyin[4] == "0"
    assert int(hanyin[5]) == 1 and int(hanyin[6]) == 6
    assert int(hanyin[7]) == 1  # the robots.txt exclusion is counted as such, not as a failure
    reasons = " ".join(hanyin[8:])
    for reason in ("HTTP 404", "read timeout", "redirect loop", "redirect off site", "body too large ×2"):
        assert reason in reasons
    assert "disallowed by robots.txt" not in reasons
    # each reason names the first URL it hit
    c = first_crawl.portals["county"]
    assert f"HTTP 404 ×1 ({c.base}/zwgk/zfxxgknb/201902/t20190201_0404.html)" in reasons
    assert lines["pingli"][3] == "4" and lines["longyou"][3] == "6"
    runs = query(data_dir, "SELECT source_id, new_documents, pages_fetched FROM crawl_runs ORDER BY source_id")
    assert {r[0]: r[1] for r in runs} == {"hanyin": 10, "longyou": 6, "ningshan": 0, "pingli": 4}


def test_second_run_is_conditional_and_stores_nothing_new(tmp_path, capsys):
    with crawled(tmp_path) as w:
        data_dir, portals = w.data_dir, w.portals
        blobs = sorted(p.name for p in (data_dir / "archive" / "blobs").glob("??/*"))
        versions = query(data_dir, "SELECT url, sha256, first_seen FROM document_versions ORDER BY url")
        portals.reset_logs()
        assert crawl(w.registry, "--json") == 0
        summary = json.loads(capsys.readouterr().out)["sources"]
        assert summary["hanyin"]["new_documents"] == 0 and summary["hanyin"]["unchanged"] == 10
        assert summary["pingli"]["unchanged"] == 4 and summary["longyou"]["unchanged"] == 6
        assert sorted(p.name for p in (data_dir / "archive" / "blobs").glob("??/*")) == blobs
        assert query(data_dir, "SELECT url, sha256, first_seen FROM document_versions ORDER BY url") == versions
        # every static page fetched before was asked for conditionally and answered 304
        static = [h for h in portals["county"].hits if h.status in (200, 304) and not h.path.startswith("/faults/")]
        assert static and all(h.headers.get("if-none-match") and h.status == 304 for h in static)
        assert query(data_dir, "SELECT count(*) FROM document_versions WHERE last_seen > first_seen") == [(20,)]
        second = query(data_dir, "SELECT count(*) FROM fetch_attempts WHERE not_modified AND conditional")
        assert second[0][0] >= 20


def test_offline_reports_holdings_without_fetching(world, capsys):
    before = {n: len(world.portals[n].hits) for n in ("county", "trs", "hanweb", "mirror")}
    assert crawl(world.registry, "--offline", "--json") == 0
    rows = {r["source"]: r for r in json.loads(capsys.readouterr().out)["sources"]}
    assert rows["hanyin"]["documents"] == 10 and rows["hanyin"]["attachments"] == 4
    assert rows["longyou"]["years"] == [2022, 2023] and rows["ningshan"]["last_run_status"] == "failed"
    assert {n: len(world.portals[n].hits) for n in before} == before


def test_offline_records_its_registry_entries_with_the_journal_offset(world, capsys):
    """`crawl --offline` records the registry's entries in the journal and the index in one
    transaction, the journal offset with them: the next open has nothing to replay (it used to
    print "N journal record(s) of an interrupted write applied" on every second run)."""
    for _ in range(2):
        assert crawl(world.registry, "--offline", "--json") == 0
        assert "interrupted write" not in capsys.readouterr().err
    (offset,) = query(world.data_dir, "SELECT value FROM archive_meta WHERE key = 'journal_offset'")[0]
    assert int(offset) == (world.data_dir / "archive" / "journal.jsonl").stat().st_size


def test_source_selection_and_max_pages(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    portals = Portals()
    try:
        registry_file = tmp_path / "registry.yaml"
        registry_file.write_text(portals.registry_yaml(), encoding="utf-8")
        assert crawl(registry_file, "--source", "pingli", "--max-pages", "3", "--json") == 0
        summary = json.loads(capsys.readouterr().out)["sources"]
        assert list(summary) == ["pingli"]
        assert summary["pingli"]["capped"] is True
        # robots.txt + 3 URLs: entry list, its JSON API, the first report
        assert len(portals["trs"].hits) == 4
        assert not portals["county"].hits and not portals["hanweb"].hits
    finally:
        portals.stop()
