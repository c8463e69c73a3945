"""Build aside and swap: analysts never see a half-built warehouse, a failed build publishes
nothing, and synthetic data stays in its own warehouse, marked."""

from __future__ import annotations

import json
import os
import random
import shutil

import duckdb
import pytest

from ingest.config import paths as make_paths
from ingest.load.build import publish
from ingest.synthetic import generate, planted_rule, units, write_archive

from .conftest import REPO, ingest

pytestmark = pytest.mark.slow


def _copy_state(src, dst_dir):
    dst = make_paths(dst_dir)
    shutil.copytree(src.archive_dir, dst.archive_dir)
    shutil.copy2(src.parsed_db, dst.parsed_db)
    shutil.copy2(src.warehouse_db, dst.warehouse_db)
    return dst


def test_readers_keep_the_old_warehouse_while_the_new_one_is_swapped_in(real_warehouse, tmp_path):
    p = _copy_state(real_warehouse["paths"], tmp_path)
    reader = duckdb.connect(str(p.warehouse_db), read_only=True)
    before = reader.execute("SELECT count(*) FROM dim_report").fetchall()[0][0]
    built = p.build_dir / "warehouse.duckdb"
    built.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(p.warehouse_db, built)
    con = duckdb.connect(str(built))
    con.execute("CREATE TABLE refresh_marker AS SELECT 42 AS answer")
    con.execute("DELETE FROM dim_report")
    con.close()

    publish(p, built)

    # the open reader still sees the complete old file, mid-query and after
    assert reader.execute("SELECT count(*) FROM dim_report").fetchall()[0][0] == before
    assert not reader.execute("SELECT count(*) FROM information_schema.tables "
                              "WHERE table_name = 'refresh_marker'").fetchall()[0][0]
    reader.close()
    fresh = duckdb.connect(str(p.warehouse_db), read_only=True)
    assert fresh.execute("SELECT answer FROM refresh_marker").fetchall() == [(42,)]
    fresh.close()
    assert not built.exists()


def test_a_failed_build_publishes_nothing_and_says_why_in_one_line(real_warehouse, tmp_path):
    p = _copy_state(real_warehouse["paths"], tmp_path)
    con = duckdb.connect(str(p.parsed_db))
    con.execute("DROP TABLE narrative_facts")  # the dbt source is gone: the build must fail
    con.close()
    published = p.warehouse_db.read_bytes()
    proc = ingest("build", "--skip-load", data_dir=p.data_dir, check=False)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: dbt build failed"), proc.stderr
    assert "narrative_facts" in lines[0] and "full log" in lines[0]
    assert "Traceback" not in proc.stderr
    assert p.warehouse_db.read_bytes() == published


def test_nothing_to_build_is_a_clear_error(tmp_path):
    proc = ingest("build", data_dir=tmp_path, check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "archive" in proc.stderr
    proc = ingest("build", "--skip-load", data_dir=tmp_path, check=False)
    assert proc.returncode == 2 and "parsed.duckdb" in proc.stderr


def test_synthetic_reports_build_their_own_marked_warehouse(tmp_path):
    """Generated reports through parser, loader and dbt: every county-year measure equals what
    the generator wrote, and every report is marked synthetic."""
    p = make_paths(tmp_path)
    n_units, n_years, seed = 8, 3, 11
    write_archive(p, n_units, n_years, seed=seed)
    ingest("build", data_dir=tmp_path)
    con = duckdb.connect(str(p.warehouse_db), read_only=True)
    assert con.execute("SELECT count(*), bool_and(is_synthetic) FROM dim_report").fetchall() == [(24, True)]
    mart = {(r[0], r[1]): r[2:] for r in con.execute(
        "SELECT issuer, year, applications_new, handled, disclosure_rate, carried_over, "
        "applications_new_yoy_change, template, table3_shape, is_synthetic FROM mart_county_year").fetchall()}
    con.close()
    assert len(mart) == n_units * n_years
    for i, issuer in enumerate(units(n_units)):
        rng = random.Random(seed * 1_000_003 + i)
        carry, prev_new = None, None
        for year in range(2019, 2019 + n_years):
            rep = generate(issuer, year, rng, carry, planted_rule(i, year - 2019, n_years))
            carry = dict(rep.table3["carry_forward"])
            detail = [c for c in rep.table3["new"] if c != "total"]
            new = _null_sum(rep.table3["new"][c] for c in detail)
            outcome_rows = [r for r in rep.table3 if r not in ("new", "carried_over", "total", "carry_forward")]
            handled = _null_sum(rep.table3[r][c] for r in outcome_rows for c in detail)
            disclosed = _null_sum(rep.table3[r][c] for r in ("granted", "partial") for c in detail)
            got = mart[(issuer, year)]
            assert got[0] == new and got[1] == handled, (issuer, year)
            assert got[2] == (pytest.approx(disclosed / handled) if handled else None)
            assert got[3] == _null_sum(rep.table3["carried_over"][c] for c in detail)
            assert got[4] == (new - prev_new if prev_new is not None else None)
            assert got[5:] == (rep.template, rep.table3_shape, True)
            prev_new = new


def _null_sum(values):
    vals = [v for v in values if v is not None]
    return sum(vals) if vals else None


def test_a_parse_left_by_a_checkout_elsewhere_is_forgotten(tmp_path):
    """dbt's partial-parse file holds the absolute paths of the project that wrote it: after the
    checkout moves, reusing it sent the seeds to the old path and failed the build."""
    from ingest.load.build import DBT_PROJECT_DIR, forget_parse_of_another_project

    target = tmp_path / "dbt_target"
    target.mkdir()
    (target / "partial_parse.msgpack").write_bytes(b"parse of /elsewhere/dbt_project")
    (target / ".project_dir").write_text("/elsewhere/dbt_project")
    forget_parse_of_another_project(target)
    assert not (target / "partial_parse.msgpack").exists()
    assert (target / ".project_dir").read_text() == str(DBT_PROJECT_DIR.resolve())
    # the same project's parse is kept (dbt reuses it: about 3 s saved per build)
    (target / "partial_parse.msgpack").write_bytes(b"parse of this project")
    forget_parse_of_another_project(target)
    assert (target / "partial_parse.msgpack").read_bytes() == b"parse of this project"


def test_a_fresh_data_dir_starts_from_the_last_parse_and_the_passed_unit_tests(real_warehouse, tmp_path):
    """A build in a DATA_DIR dbt never ran in reuses this checkout's last partial parse (the
    profile's paths are relative, so dbt accepts it) and skips the unit tests a build already
    passed with the same project and source columns; other source columns run them again."""
    from ingest.load.build import unit_test_key

    p = _copy_state(real_warehouse["paths"], tmp_path / "fresh")
    assert not p.build_dir.exists()
    proc = ingest("build", "--skip-load", "--full", "--no-swap", data_dir=p.data_dir)
    assert "build: unit tests skipped" in proc.stdout
    log = next(p.logs_dir.glob("dbt-build-*.log")).read_text()
    assert "Unable to do partial parsing" not in log and "Found " in log
    key = unit_test_key(p)
    con = duckdb.connect(str(p.parsed_db))
    con.execute("ALTER TABLE reports ADD COLUMN another_column VARCHAR")
    con.close()
    assert unit_test_key(p) not in ("", key)


def test_the_two_largest_facts_run_apart_above_half_a_batch(tmp_path, monkeypatch):
    """Side by side only when both together read no more reports than one batch alone; apart
    whenever the batch size or the parse store cannot be read (the safe way)."""
    from ingest.load.build import big_facts_apart

    p = make_paths(tmp_path)
    assert big_facts_apart(p)  # no parse store yet
    p.parsed_db.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(p.parsed_db)) as con:
        # two parser versions of report r0: counted once
        con.execute("CREATE TABLE reports AS SELECT 'r' || (i % 20) AS report_id FROM range(21) t(i)")
    monkeypatch.setenv("WAREHOUSE_REPORT_BATCH", "40")
    assert not big_facts_apart(p)  # 20 reports, half of 40
    monkeypatch.setenv("WAREHOUSE_REPORT_BATCH", "39")
    assert big_facts_apart(p)  # 20 > 19
    monkeypatch.setenv("WAREHOUSE_REPORT_BATCH", "many")
    assert big_facts_apart(p)


def test_the_build_writes_its_results_and_dag_and_no_test_holds_back_a_model(real_warehouse):
    """ingest/load/dbt_runner.py: dbt runs without its manifest.json writes; run_results.json and
    nodes.json say what ran. Every data test depends on int_checks_start and no model does, so
    dbt build holds back no model for a test (it waits only for tests all of whose parents the
    model descends from)."""
    target = real_warehouse["paths"].build_dir / "dbt_target"
    assert not (target / "manifest.json").exists()
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = json.loads((target / "nodes.json").read_text())["nodes"]
    assert {r["unique_id"] for r in results} == set(nodes)
    assert all(r["status"] in ("success", "pass") for r in results), [
        (r["unique_id"], r["status"]) for r in results if r["status"] not in ("success", "pass")]
    start = "model.gov_disclosure.int_checks_start"
    tests = [k for k, n in nodes.items() if n["resource_type"] == "test"]
    assert len(tests) >= 40
    assert [k for k in tests if start not in nodes[k]["depends_on"]["nodes"]] == []
    assert [k for k, n in nodes.items() if n["resource_type"] != "test" and start in n["depends_on"]["nodes"]] == []
    # the facts the floor benchmark replays: models with their schema, alias and materialization
    cells = nodes["model.gov_disclosure.int_report_cells"]
    assert (cells["schema"], cells["alias"], cells["config"]["materialized"]) == (
        "intermediate", "int_report_cells", "incremental")
    assert cells["config"]["meta"]["incremental_grain"] == "report"


def test_the_dbt_runner_leaves_no_stale_results_when_dbt_cannot_start(tmp_path):
    """A build that cannot start (no project here) exits 2 and leaves no results of an earlier
    build to be read as its own."""
    from ingest.load import dbt_runner

    target = tmp_path / "target"
    target.mkdir()
    for name in ("run_results.json", "nodes.json", "manifest.json"):
        (target / name).write_text("{}")
    code = dbt_runner.main(["build", "--project-dir", str(tmp_path / "no-project"),
                            "--profiles-dir", str(tmp_path), "--target-path", str(target),
                            "--log-path", str(tmp_path / "logs")])
    assert code == 2
    assert sorted(p.name for p in target.iterdir()) == []


def test_dbt_is_given_the_variables_it_reads_and_not_the_rest(tmp_path, monkeypatch):
    """dbt scans its whole environment for secrets on every log line: it gets its own settings,
    the project's, DuckDB's, the interpreter's and the locale, not a shell's other exports."""
    from ingest.load.build import dbt_env

    monkeypatch.setenv("WAREHOUSE_REPORT_BATCH", "7")
    monkeypatch.setenv("DBT_ENV_SECRET_TOKEN", "s")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("SOME_SHELL_EXPORT", "x")
    env = dbt_env(make_paths(tmp_path), tmp_path / "build" / "warehouse.duckdb")
    assert env["WAREHOUSE_REPORT_BATCH"] == "7" and env["DBT_ENV_SECRET_TOKEN"] == "s"
    assert env["LC_ALL"] == "C.UTF-8" and "PATH" in env
    assert "SOME_SHELL_EXPORT" not in env
    assert {"WAREHOUSE_BUILD_DB", "PARSED_DB", "ARCHIVE_DB", "CORRECTIONS_FILE", "DBT_PROFILES_DIR"} <= set(env)


def test_every_variable_the_dbt_project_reads_reaches_dbt(tmp_path, monkeypatch):
    """dbt_env passes a part of the environment: each env_var() of dbt_project/ must be in it."""
    import re

    from ingest.load.build import DBT_PROJECT_DIR, dbt_env

    names = set()
    for path in DBT_PROJECT_DIR.rglob("*"):
        if path.suffix in (".sql", ".yml") and "target" not in path.parts:
            names |= set(re.findall(r"""env_var\(\s*["']([A-Za-z0-9_]+)["']""", path.read_text(encoding="utf-8")))
    assert {"INGEST_COVERAGE_AS_OF", "WAREHOUSE_MEMORY_LIMIT", "CORRECTIONS_FILE"} <= names
    for name in names:
        monkeypatch.setenv(name, "set-by-the-user")
    env = dbt_env(make_paths(tmp_path), tmp_path / "build" / "warehouse.duckdb")
    assert sorted(n for n in names if n not in env) == []


def test_the_dbt_runner_says_in_one_line_what_it_cannot_run(tmp_path):
    import subprocess
    import sys

    for args in ([], ["no-such-dbt-command"]):
        proc = subprocess.run([sys.executable, "-m", "ingest.load.dbt_runner", *args], cwd=tmp_path,
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert lines[0].startswith(("usage:", "error: dbt could not run: No such command")), lines


def test_a_build_log_ends_clean(real_warehouse):
    """The runner leaves by os._exit after multiprocessing's exit hook: no semaphore reported as
    leaked, no traceback, in the build's log."""
    logs = sorted(real_warehouse["paths"].logs_dir.glob("dbt-build-*.log"))
    assert logs
    text = logs[-1].read_text(encoding="utf-8")
    assert "Completed successfully" in text
    assert "leaked" not in text and "Traceback" not in text
