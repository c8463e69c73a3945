"""`make refresh` on a fresh clone, every portal unreachable: the analyst's first hour, end to end.

One clone of the working tree (tracked and untracked files, no data/, no .venv) runs the real
Makefile with this interpreter (PY=…: nothing is installed, no network), against a registry of
closed ports on 127.0.0.1. While it runs, a second refresh is started and must step aside.
Then the README's example queries run against the published warehouse and must print exactly
what the README shows; the Hanyin figures are checked in the marts; the notebooks' HTML must
carry their charts; `make export` writes every mart; and a second refresh with nothing new
must change nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from readme_examples import MAKE_VARIABLES, example_queries

REPO = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
]


def _copy_working_tree(dst: Path) -> None:
    """Tracked and untracked-but-not-ignored files: what a commit of this tree would clone."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
            capture_output=True, check=True, timeout=60).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        listed = None
    if listed is None:  # not a git checkout: copy, leaving out what .gitignore would
        shutil.copytree(REPO, dst, ignore=shutil.ignore_patterns(
            ".git", ".venv", "data", "demo_data", "build", "target", "logs", "__pycache__",
            ".pytest_cache", "*.egg-info"))
        return
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: connecting is refused at once
    return port


def _registry(path: Path) -> Path:
    entries = []
    for sid, name, code, prov, pref in [("hanyin", "汉阴县", "610921", "陕西省", "安康市"),
                                         ("shiquan", "石泉县", "610922", "陕西省", "安康市")]:
        port = _closed_port()
        entries.append(f"""  - id: {sid}
    name: {name}
    code: "{code}"
    province: {prov}
    prefecture: {pref}
    base_url: http://127.0.0.1:{port}/
    entry: /zfxxgk/zfxxgknb/
    adapter: generic
    confirmed: false
""")
    path.write_text("version: 1\nsources:\n" + "".join(entries), encoding="utf-8")
    return path


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES + ("INGEST_DEBUG",)}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _make(clone: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=clone, env=_env(),
                          capture_output=True, text=True, **kw)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Run:
    def __init__(self, clone, data, registry, first, busy, first_pid):
        self.clone, self.data, self.registry = clone, data, registry
        self.first, self.busy, self.first_pid = first, busy, first_pid

    @property
    def make_args(self) -> list[str]:
        return ["refresh", f"PY={sys.executable}", f"DATA_DIR={self.data}", f"REGISTRY={self.registry}"]

    def summary(self) -> dict:
        return json.loads(max((self.data / "logs").glob("refresh-*.summary.json")).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    root = tmp_path_factory.mktemp("fresh")
    clone, data = root / "clone", root / "data"
    _copy_working_tree(clone)
    assert not (clone / "data").exists() and not (clone / ".venv").exists()
    registry = _registry(root / "closed-portals.yaml")
    args = ["make", "--no-print-directory", "refresh", f"PY={sys.executable}", f"DATA_DIR={data}",
            f"REGISTRY={registry}"]
    proc = subprocess.Popen(args, cwd=clone, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8")
    lines = []
    first_pid = None
    for line in proc.stdout:  # wait until the first run holds the lock
        lines.append(line)
        m = re.search(r"refresh \S+ started \(pid (\d+)\)", line)
        if m:
            first_pid = int(m.group(1))
            break
    assert first_pid, "".join(lines) + proc.stderr.read()
    busy = _make(clone, "refresh", f"PY={sys.executable}", f"DATA_DIR={data}", f"REGISTRY={registry}",
                 timeout=120)
    out, err = proc.communicate(timeout=900)
    first = subprocess.CompletedProcess(args, proc.returncode, "".join(lines) + out, err)
    return Run(clone, data, registry, first, busy, first_pid)


def test_fresh_clone_refresh_builds_the_seed_warehouse_with_every_portal_down(run):
    r = run.first
    s = run.summary()
    # The shipped snapshot holds a real finding (Hongze 2023 table 4): the job says 3, make says 0.
    assert r.returncode == 0, r.stdout + r.stderr
    assert s["exit_code"] == 3 and s["findings_publisher"] > 0
    assert "setting up" not in r.stdout  # PY=…: the given interpreter, nothing installed
    # every portal unreachable: recorded per source, not a failure of the run
    assert s["sources_reached"] == []
    assert sorted(f["source_id"] for f in s["sources_failed"]) == ["hanyin", "shiquan"]
    assert all(f["error"] for f in s["sources_failed"])
    assert "0 reached, 2 failed" in r.stdout
    # the snapshot archive built a non-empty warehouse
    assert sorted((x["issuer"], x["year"]) for x in s["new_reports"]) == [
        ("汉阴县人民政府", 2023), ("洪泽区人民政府", 2023), ("淮安市洪泽区人民政府", 2024)]
    assert s["reports_in_warehouse"] == 3
    assert s["problems"] == []
    assert [st["stage"] for st in s["stages"]] == ["snapshot", "crawl", "build", "validate", "notebooks",
                                                   "browse copy"]
    assert (run.data / "warehouse.duckdb").is_file()
    assert not (run.data / "build" / "warehouse.duckdb").exists()  # published, not left aside
    assert (run.data / "browse" / "warehouse.sqlite").is_file()  # what `make browse` serves
    log = Path(s["log"])
    assert log.is_file() and log.parent == run.data / "logs"
    assert "[crawl] $ python -m ingest crawl" in log.read_text(encoding="utf-8")
    assert (run.data / "reports" / "data_dictionary.html").stat().st_size > 100_000
    assert (run.data / "reports" / "data_docs" / "index.html").is_file()


def test_an_overlapping_refresh_exits_cleanly_saying_one_is_running(run):
    b = run.busy
    assert b.returncode == 0, b.stderr
    assert b.stderr.strip().splitlines()[-1].startswith(
        f"refresh: a refresh is already running (pid {run.first_pid}, started ")
    assert "this run exits without doing anything" in b.stderr
    assert "Traceback" not in b.stderr
    assert "started (pid" not in b.stdout  # it never began a run of its own
    assert len(list((run.data / "logs").glob("refresh-*.summary.json"))) == 1


def test_readme_example_queries_print_what_the_readme_shows(run):
    examples = example_queries(run.clone / "README.md")
    assert len(examples) >= 5
    for sql, expected in examples:
        r = subprocess.run([sys.executable, "-m", "ingest", "sql", sql], cwd=run.clone,
                           env={**_env(), "DATA_DIR": str(run.data)}, capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, f"{sql}\n{r.stderr}"
        assert r.stdout.rstrip() == expected.rstrip(), f"README output drifted for:\n{sql}"


def test_hanyin_figures_in_the_marts(run):
    con = duckdb.connect(str(run.data / "warehouse.duckdb"), read_only=True)
    try:
        row = con.execute("""
            select applications_new, granted, partially_granted, handled, disclosure_rate,
                   permit_decisions, penalty_decisions, fee_amount_yuan, region_name, prefecture_name
            from mart_county_year where region_code = '610921' and year = 2023""").fetchone()
        assert row[:4] == (30, 14, 5, 30)
        assert row[4] == pytest.approx((14 + 5) / 30)
        assert row[5:8] == (18468, 696, Decimal("10778925.34"))
        assert row[8:] == ("汉阴县", "安康市")
        fee = con.execute("select printed_value, printed_unit, raw_text from fct_fees "
                          "where measure = 'fee_amount_yuan' and region_code = '610921'").fetchone()
        assert fee == (Decimal("1077.892534"), "万元", "1077.892534")
        assert con.execute("select count(*) from validation_findings where severity = 'pipeline'").fetchone() == (0,)
    finally:
        con.close()


def test_notebooks_are_rendered_with_their_charts(run):
    out = run.data / "reports" / "notebooks"
    for name in ("county_year_over_year", "cross_county_comparison", "data_quality"):
        html = (out / f"{name}.html").read_text(encoding="utf-8")
        assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', html)) >= 3, name
        executed = json.loads((out / f"{name}.ipynb").read_text(encoding="utf-8"))
        noise = [o for c in executed["cells"] for o in c.get("outputs", [])
                 if o["output_type"] == "error" or o.get("name") == "stderr"]
        assert noise == [], f"{name} printed errors or warnings"
    # The shipped snapshot: 洪泽区 has two years (the county notebook's default), 汉阴县 one.
    county = (out / "county_year_over_year.html").read_text(encoding="utf-8")
    assert "洪泽区" in county and "Only 20" not in county
    assert "Only 洪泽区 of 淮安市 is in the warehouse" in (out / "cross_county_comparison.html").read_text(encoding="utf-8")


def test_make_export_writes_every_mart_for_excel_and_parquet(run):
    r = _make(run.clone, "export", f"PY={sys.executable}", f"DATA_DIR={run.data}", timeout=300)
    assert r.returncode == 0, r.stderr
    out = run.data / "exports"
    con = duckdb.connect(str(run.data / "warehouse.duckdb"), read_only=True)
    marts = {t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_name similar to '(fct|dim|mart)_.*'").fetchall()}
    con.close()
    assert {"mart_county_year", "fct_applications", "fct_fees", "dim_report", "dim_region"} <= marts
    for t in marts:
        assert (out / f"{t}.parquet").is_file() and (out / f"{t}.csv").is_file(), t
    raw = (out / "mart_county_year.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert sorted((r["region_name"], r["year"], r["applications_new"], r["fee_amount_yuan"]) for r in rows) == [
        ("汉阴县", "2023", "30", "10778925.34"), ("洪泽区", "2023", "21", "77302800.00"),
        ("洪泽区", "2024", "95", "75450000.00")]
    labels = {(r["table"], r["column"]): r for r in csv.DictReader(
        io.StringIO((out / "columns.csv").read_bytes().decode("utf-8-sig")))}
    unlabelled = sorted(k for k, v in labels.items() if not (v["label_zh"] and v["label_en"]))
    assert unlabelled == [], "add them to ingest/export_labels.yaml (or dbt meta label_zh/label_en)"
    assert labels[("mart_county_year", "year")]["label_zh"] == "报告年度"
    assert labels[("fct_applications", "applicant_type")]["label_en"] == "Applicant type"


def test_a_second_refresh_with_nothing_new_changes_nothing(run):
    warehouse = run.data / "warehouse.duckdb"
    html = sorted((run.data / "reports" / "notebooks").glob("*.html"))
    before = {p: (p.stat().st_mtime_ns, _sha(p)) for p in [warehouse, *html]}
    r = _make(run.clone, *run.make_args, timeout=300)
    assert r.returncode == run.first.returncode, r.stdout + r.stderr
    s = run.summary()
    assert s["run_id"] not in run.first.stdout
    assert s["warehouse"].startswith("unchanged")
    assert [st["stage"] for st in s["stages"]] == ["snapshot", "crawl"]  # build, validate, notebooks skipped
    assert s["new_documents"] == 0 and s["new_reports"] == []
    assert "nothing new" in r.stdout
    assert {p: (p.stat().st_mtime_ns, _sha(p)) for p in before} == before


def test_a_broken_registry_fails_the_run_but_keeps_the_warehouse(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nsources:\n  - id: Not A Slug\n", encoding="utf-8")
    warehouse = run.data / "warehouse.duckdb"
    before = _sha(warehouse)
    before_summary = run.summary()["run_id"]
    r = _make(run.clone, "refresh", f"PY={sys.executable}", f"DATA_DIR={run.data}", f"REGISTRY={bad}",
              timeout=300)
    assert r.returncode == 2  # make's own code for a failed recipe
    # The registry is checked before the lock is taken: one line naming the file and the line,
    # no stage runs, no summary of a run that never started.
    assert "error: " in r.stderr and "bad.yaml: line 3" in r.stderr and "Traceback" not in r.stderr
    assert run.summary()["run_id"] == before_summary
    assert _sha(warehouse) == before


def test_a_failing_build_keeps_the_published_warehouse(run, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(run.data, data, ignore=shutil.ignore_patterns("refresh.lock"))
    # A reviewed correction that no longer matches its report fails the dbt build (a damaged
    # parse store would not: the refresh rebuilds it from the archive).
    hanyin = hashlib.sha256((REPO / "snapshot" / "hanyin_2023_text.txt").read_bytes()).hexdigest()
    stale = tmp_path / "corrections.csv"
    stale.write_text("correction_id,report_id,table_key,row_key,column_key,corrected_value,printed_value,"
                     "reason,evidence_page,evidence_text,corrected_by,corrected_at\n"
                     f"c1,{hanyin},table3,new,natural_person,31,99,test,,,tester,2026-01-01\n", encoding="utf-8")
    before = _sha(data / "warehouse.duckdb")
    r = subprocess.run([sys.executable, "-m", "ingest", "refresh", "--offline", "--force", "--no-docs"],
                       cwd=run.clone, env={**_env(), "DATA_DIR": str(data), "INGEST_CORRECTIONS_FILE": str(stale)},
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "PROBLEM:   build failed, the published warehouse was kept" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    assert _sha(data / "warehouse.duckdb") == before
    assert [st["stage"] for st in json.loads(max((data / "logs").glob("refresh-*.summary.json")).read_text())["stages"]] \
        == ["snapshot", "crawl", "build"]
