"""The whole pipeline once: seeded reports (and the Hongze PDFs, when ../shared is there) →
`archive add` → `build --no-swap` → `validate`, each as the command a user runs; then every rule
is checked against the published warehouse: caught with the right numbers, others not flagged."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import CORPUS, HANYIN_SEED, REPO
from tests.validate.seeds import SEEDS, render

pytestmark = pytest.mark.slow

HONGZE = [("hongze_2023.pdf", "洪泽区人民政府"), ("hongze_2024.pdf", "淮安市洪泽区人民政府")]


def ingest(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATA_DIR": str(data_dir)}
    proc = subprocess.run([sys.executable, "-m", "ingest", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    if check and proc.returncode not in (0,):
        raise AssertionError(f"ingest {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    root = tmp_path_factory.mktemp("validate_e2e")
    data = root / "data"
    docs = root / "docs"
    docs.mkdir()
    base = HANYIN_SEED.read_text(encoding="utf-8")
    for seed in SEEDS:
        path = docs / seed.filename
        path.write_text(render(base, seed), encoding="utf-8")
        ingest(data, "archive", "add", str(path), "--issuer", seed.issuer,
               "--url", f"https://seed.invalid/{seed.filename}")
    hongze = all((CORPUS / name).is_file() for name, _ in HONGZE)
    if hongze:
        for name, issuer in HONGZE:
            ingest(data, "archive", "add", str(CORPUS / name), "--issuer", issuer,
                   "--url", f"https://www.hongze.gov.cn/{name}")
    ingest(data, "build", "--no-swap")
    validate = ingest(data, "validate", check=False)
    return {"data": data, "validate": validate, "hongze": hongze}


@pytest.fixture(scope="module")
def warehouse(pipeline):
    return pipeline["data"] / "warehouse.duckdb"


def query(db: Path, sql: str, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def findings_of(db: Path, issuer: str, year: int | None = None):
    """(rule, table, row, column, expected, actual, difference) of one issuer's findings."""
    rows = query(db, """
        SELECT f.rule_id, f.table_key, f.row_key, f.column_key, f.expected, f.actual, f.difference,
               f.severity, f.year
        FROM validation_findings f WHERE f.issuer = ? ORDER BY ALL""", [issuer])
    return sorted((r[:7]) for r in rows if year is None or r[8] == year)


def D(x) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.000001"))


def test_validate_publishes_the_build_and_reports_publisher_findings(pipeline, warehouse):
    v = pipeline["validate"]
    assert v.returncode == 3, v.stderr
    assert v.stderr == ""
    assert "outcome: publisher_findings (exit 3)" in v.stdout
    assert warehouse.is_file()
    assert not (pipeline["data"] / "build" / "warehouse.duckdb").exists()  # swapped in
    assert query(warehouse, "SELECT count(*) FROM validation_findings WHERE severity = 'pipeline'") == [(0,)]
    # every report stays in the marts, findings or not
    reports = query(warehouse, "SELECT count(*) FROM dim_report")[0][0]
    assert reports == len(SEEDS) + (2 if pipeline["hongze"] else 0)
    issuers = {r[0] for r in query(warehouse, "SELECT DISTINCT d.issuer FROM fct_applications "
                                              "JOIN dim_report d USING (report_id)")}
    assert {"石泉县人民政府", "宁陕县人民政府", "岚皋县人民政府"} <= issuers


def test_hanyin_seed_is_clean(warehouse):
    assert findings_of(warehouse, "汉阴县人民政府") == []
    statuses = dict(query(warehouse, """
        SELECT r.rule_id, r.status FROM validation_results r JOIN dim_report d USING (report_id)
        WHERE d.issuer = '汉阴县人民政府' AND d.year = 2023"""))
    assert statuses["carry_over_across_years"] == "pass"  # against the 2022 copy
    assert set(statuses.values()) == {"pass"}, statuses
    for rule in ("t3_column_balance", "t3_row_total", "t3_outcome_total", "t4_group_total",
                 "count_non_negative", "narrative_matches_tables", "complete_cells"):
        assert rule in statuses


def test_column_balance_break(warehouse):
    # new + carried_over = 30 + 0, total + carry_forward = 30 + 4, in natural_person and total
    assert findings_of(warehouse, "石泉县人民政府") == [
        ("t3_column_balance", "table3", "new+carried_over", c, D(34), D(30), D(-4))
        for c in ("natural_person", "total")]


def test_row_total_break(warehouse):
    assert findings_of(warehouse, "宁陕县人民政府") == [
        ("t3_row_total", "table3", "granted", "total", D(15), D(14), D(-1)),
        ("t3_row_total", "table3", "partial", "total", D(4), D(5), D(1)),
    ]


def test_outcome_total_break(warehouse):
    assert findings_of(warehouse, "紫阳县人民政府") == [
        ("t3_outcome_total", "table3", "total", c, D(32), D(30), D(-2)) for c in ("natural_person", "total")]


def test_table4_total_break(warehouse):
    assert findings_of(warehouse, "岚皋县人民政府") == [
        ("t4_group_total", "table4", "review", "total", D(2), D(0), D(-2))]


def test_negative_count_and_fee(warehouse):
    assert findings_of(warehouse, "平利县人民政府") == [
        ("count_non_negative", "table2", "permits", "decisions", D(0), D(-5), D(-5)),
        ("money_non_negative", "table2", "fees", "amount_10k_yuan", D(0), D("-1.5"), D("-1.5")),
    ]


def test_narrative_contradicting_the_table(warehouse):
    assert findings_of(warehouse, "镇坪县人民政府") == [
        ("narrative_matches_tables", "table3", "new", "total", D(30), D(35), D(5))]


def test_carry_over_break_across_years(warehouse):
    assert findings_of(warehouse, "白河县人民政府", 2022) == []
    assert findings_of(warehouse, "白河县人民政府", 2023) == [
        ("carry_over_across_years", "table3", "carried_over", c, D(0), D(3), D(3))
        for c in ("natural_person", "total")]


def test_tables_published_as_images_are_the_publishers_not_a_pipeline_failure(warehouse):
    # no template can be read from a report without tables: a finding per table, report kept
    assert findings_of(warehouse, "宁强县人民政府") == [
        ("tables_printed", t, None, None, None, None, None) for t in ("table2", "table3", "table4")]
    assert query(warehouse, "SELECT template, table3_shape FROM dim_report WHERE issuer = '宁强县人民政府'"
                 ) == [(None, None)]


def test_two_documents_for_one_issuer_year(warehouse):
    found = query(warehouse, """SELECT report_id, rule_id, severity, expected, actual, difference
                                FROM validation_findings WHERE issuer = '汉滨区人民政府'""")
    ids = {r[0] for r in query(warehouse, "SELECT report_id FROM dim_report WHERE issuer = '汉滨区人民政府'")}
    assert len(ids) == 2
    assert {r[0] for r in found} == ids
    assert {r[1:] for r in found} == {("unique_issuer_year", "publisher", D(1), D(2), D(1))}


def test_every_finding_names_its_report_and_is_joinable(warehouse):
    orphans = query(warehouse, """SELECT count(*) FROM validation_findings f
                                  ANTI JOIN dim_report d USING (report_id)""")
    assert orphans == [(0,)]
    runs = query(warehouse, "SELECT outcome, exit_code, data_docs FROM validation_runs")
    assert len(runs) == 1 and runs[0][:2] == ("publisher_findings", 3)
    assert Path(runs[0][2]).is_file()


def test_data_docs_show_each_suite_run(pipeline):
    docs = pipeline["data"] / "reports" / "data_docs"
    assert (docs / "index.html").is_file()
    assert f"Data Docs: {docs / 'index.html'}" in pipeline["validate"].stdout
    pages = {p.parent.parent.parent.name: p for p in (docs / "validations").rglob("*.html")}
    assert {"t3_column_balance", "t4_group_total", "cell_values", "completeness"} <= set(pages)
    assert "岚皋县人民政府 2023" in pages["t4_group_total"].read_text(encoding="utf-8")
    assert "SYNTHETIC DEMO DATA" not in (docs / "index.html").read_text(encoding="utf-8")  # real reports


def test_data_docs_load_nothing_from_outside_the_site(pipeline, tmp_path):
    """Offline, CDN-linked Data Docs render blank: every style, script and image is local."""
    docs = pipeline["data"] / "reports" / "data_docs"
    remote = re.compile(r"""(?:src|href)="(?:https?:)?//|url\(['"]?(?:https?:)?//""")
    for page in [*docs.rglob("*.html"), *docs.rglob("*.css")]:
        text = page.read_text(encoding="utf-8")
        assert not remote.search(text), f"{page.relative_to(docs)}: {remote.search(text).group(0)}"
        for ref in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"#?]+)', text):
            assert (page.parent / ref).resolve().is_file(), f"{page.relative_to(docs)} links a missing {ref}"
    chromium = shutil.which("chromium")
    if chromium:  # the list of runs is built by bootstrap-table: it shows only when the scripts load
        r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                            (docs / "index.html").as_uri()], capture_output=True, text=True, timeout=120)
        assert "Showing 1 to" in r.stdout, r.stderr[-1000:]


# ---- the published Hongze reports (../shared/corpus) --------------------------------------

@pytest.mark.corpus
def test_hongze_2023_table4_totals_are_publisher_findings(pipeline, warehouse):
    if not pipeline["hongze"]:
        pytest.skip("../shared/corpus/hongze_*.pdf is not available")
    t4 = [f for f in findings_of(warehouse, "洪泽区人民政府", 2023) if f[0] == "t4_group_total"]
    # printed 总计 0 beside non-zero parts: review 10 + 1, litigation after review 5
    assert t4 == [("t4_group_total", "table4", "litigation_after_review", "total", D(5), D(0), D(-5)),
                  ("t4_group_total", "table4", "review", "total", D(11), D(0), D(-11))]
    kept = query(warehouse, "SELECT count(*) FROM fct_reviews_litigation r JOIN dim_report d USING (report_id) "
                            "WHERE d.issuer = '洪泽区人民政府' AND d.year = 2023")
    assert kept[0][0] > 0  # the report stays in the marts


@pytest.mark.corpus
def test_hongze_carry_over_2023_to_2024_is_evaluated(pipeline, warehouse):
    if not pipeline["hongze"]:
        pytest.skip("../shared/corpus/hongze_*.pdf is not available")
    rows = query(warehouse, """
        SELECT r.checks, r.evaluated, r.status FROM validation_results r JOIN dim_report d USING (report_id)
        WHERE d.year = 2024 AND d.issuer_id = (SELECT issuer_id FROM dim_report WHERE year = 2023
                                               AND issuer = '洪泽区人民政府')
          AND r.rule_id = 'carry_over_across_years'""")
    assert len(rows) == 1
    checks, evaluated, status = rows[0]
    assert checks == 7 and evaluated == 7 and status in ("pass", "fail")


# ---- pipeline failures on the real warehouse ------------------------------------------------

def test_missing_cell_in_a_pending_build_fails_and_keeps_the_published_warehouse(pipeline, warehouse):
    data = pipeline["data"]
    pending = data / "build" / "warehouse.duckdb"
    shutil.copyfile(warehouse, pending)
    with duckdb.connect(str(pending)) as con:
        con.execute("""DELETE FROM intermediate.int_report_cells WHERE report_id = (SELECT report_id FROM dim_report
                       WHERE issuer = '汉阴县人民政府' AND year = 2023)
                       AND table_key = 'table3' AND row_key = 'granted' AND column_key = 'research'""")
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    try:
        v = ingest(data, "validate", "--no-docs", check=False)
        assert v.returncode == 1
        assert "pipeline failure" in v.stderr and "Traceback" not in v.stderr
        assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
        assert pending.is_file()  # left for inspection, never published
        found = query(pending, "SELECT rule_id, issuer, table_key, row_key, column_key FROM validation_findings "
                               "WHERE severity = 'pipeline'")
        assert found == [("complete_cells", "汉阴县人民政府", "table3", "granted", "research")]
    finally:
        pending.unlink(missing_ok=True)


def test_revalidating_the_published_warehouse_works_on_a_copy(pipeline, warehouse):
    data = pipeline["data"]
    before = query(warehouse, "SELECT count(*) FROM validation_findings")[0][0]
    v = ingest(data, "validate", "--no-docs", "--no-publish", check=False)
    assert v.returncode == 3, v.stderr
    assert query(warehouse, "SELECT count(*) FROM validation_runs")[0][0] == 1  # untouched
    assert query(warehouse, "SELECT count(*) FROM validation_findings")[0][0] == before
    assert not any((data / "build").glob("published-copy*"))
