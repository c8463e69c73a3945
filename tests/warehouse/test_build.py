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
    assert len(tests) >= 20  # one per table with a row per cell or built late, one per fold
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


def test_a_folded_check_that_fails_stops_the_build_and_names_the_check(real_warehouse, tmp_path):
    """The cheap checks run folded, one node a layer (dbt_project/macros/folded_checks.sql): a
    failing one still fails the build, and the one line names its table, test and check."""
    p = _copy_state(real_warehouse["paths"], tmp_path)
    con = duckdb.connect(str(p.parsed_db))
    con.execute("INSERT INTO parse_failures VALUES (repeat('f', 64), 'http://x.invalid/a.pdf', NULL, 'v0', "
                "'gibberish', 'a kind the contract does not know', TIMESTAMP '2026-01-01')")
    con.close()
    published = p.warehouse_db.read_bytes()
    proc = ingest("build", "--skip-load", data_dir=p.data_dir, check=False)
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("error: dbt build failed: folded_checks_staging: "), line
    assert "table_name=stg_parse_failures, test_name=column_checks, check_name=accepted_values, " \
           "column_name=error_kind, failing_rows=1" in line, line
    assert p.warehouse_db.read_bytes() == published


def test_every_folded_test_runs_in_its_fold_and_nowhere_else(real_warehouse):
    """`ingest build` leaves out the tests a fold runs (config.meta.fold) and runs one node per
    fold; what is left runs on its own. A test given a fold that has no node would never run."""
    from ingest.load.build import FOLDS

    target = real_warehouse["paths"].build_dir / "dbt_target"
    nodes = json.loads((target / "nodes.json").read_text())["nodes"]
    tests = {k: n for k, n in nodes.items() if n["resource_type"] == "test"}
    folds = {k.split(".")[2] for k in tests if ".folded_checks_" in k}
    assert folds == {f"folded_checks_{f}" for f in FOLDS}
    assert [k for k, n in tests.items() if n["config"]["meta"].get("fold") not in (None, "own")] == []
    own = [k for k, n in tests.items() if n["config"]["meta"].get("fold") == "own"]
    assert "test.gov_disclosure.folded_checks_staging" not in own and len(own) >= 10
    # the folded tests' SQL ran inside the folds: each fold's query names the tables it checks
    results = {r["unique_id"]: r for r in json.loads((target / "run_results.json").read_text())["results"]}
    staging = results["test.gov_disclosure.folded_checks_staging"]["compiled_code"]
    for table in ("stg_reports", "stg_parse_failures", "regions", "template_table3_rows", "report_issuers"):
        assert f"'{table}' as table_name" in staging, table
    marts = results["test.gov_disclosure.folded_checks_marts"]["compiled_code"]
    assert "'dim_issuer' as table_name" in marts and "'dim_report' as table_name" not in marts


def test_a_fold_that_does_not_depend_on_a_table_it_checks_stops_naming_the_line(real_warehouse, tmp_path):
    """Without its dependency a folded check could read its table before this build wrote it
    (the last build's rows, in an incremental build): the fold refuses to run and says which
    depends_on line to add."""
    import subprocess
    import sys

    from ingest.load.build import dbt_env

    project = tmp_path / "project"
    shutil.copytree(REPO / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    fold = project / "tests" / "folded_checks_staging.sql"
    text = fold.read_text()
    assert "-- depends_on: {{ ref('stg_parse_failures') }}\n" in text
    fold.write_text(text.replace("-- depends_on: {{ ref('stg_parse_failures') }}\n", ""))
    p = _copy_state(real_warehouse["paths"], tmp_path / "data")
    built = p.build_dir / "warehouse.duckdb"
    built.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(p.warehouse_db, built)
    env = {**dbt_env(p, built), "DBT_PROJECT_DIR": str(project), "DBT_PROFILES_DIR": str(project),
           "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "ingest.load.dbt_runner", "build", "--select", "folded_checks_staging",
                           "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
                          env=env, cwd=p.build_dir, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert ("add a depends_on line for model.gov_disclosure.stg_parse_failures to "
            "tests/folded_checks_staging.sql") in " ".join(proc.stdout.split()), proc.stdout[-3000:]
