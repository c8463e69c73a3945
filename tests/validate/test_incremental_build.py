"""Incremental validation after a real incremental `ingest build`: seeded reports → build →
validate (published) → more reports archived (a later year of an issuer, two documents for
one issuer-year, a balancing break) → `build --no-swap` (incremental) → `validate` (incremental)
→ the validation tables equal a `--full` validation of the same build."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from tests.conftest import HANYIN_SEED
from tests.validate.seeds import SEEDS, Seed, cell, render
from tests.validate.test_end_to_end import ingest
from tests.validate.test_incremental import assert_same_tables

pytestmark = pytest.mark.slow

FIRST = [s for s in SEEDS if s.name in ("hanyin", "carry_over", "t4_total")]
LATER = [s for s in SEEDS if s.name in ("duplicate_a", "duplicate_b", "column_balance")] + [
    # Hanyin's next year: carried over 3 where 2023 carried 0 forward — a cross-year finding
    Seed("hanyin", "汉阴县人民政府", 2024,
         [(*cell("carried_over", "natural_person"), "3"), (*cell("carried_over", "total"), "3")]),
]


def q(db, sql, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def add(data, docs, seeds):
    base = HANYIN_SEED.read_text(encoding="utf-8")
    for seed in seeds:
        path = docs / seed.filename
        path.write_text(render(base, seed), encoding="utf-8")
        ingest(data, "archive", "add", str(path), "--issuer", seed.issuer,
               "--url", f"https://seed.invalid/{seed.filename}")


def test_validation_after_an_incremental_build_equals_a_full_one(tmp_path):
    data, docs = tmp_path / "data", tmp_path / "docs"
    docs.mkdir()
    add(data, docs, FIRST)
    ingest(data, "build", "--no-swap")
    first = ingest(data, "validate", "--no-docs", check=False)
    assert first.returncode == 3, first.stderr
    assert first.stdout.startswith("validation mode: full ("), first.stdout

    add(data, docs, LATER)
    build = ingest(data, "build", "--no-swap")
    pending = data / "build" / "warehouse.duckdb"
    try:
        builds = q(pending, "SELECT mode FROM warehouse_builds ORDER BY started_at")
    except duckdb.Error:
        builds = []
    if not builds or builds[-1] != ("incremental",):
        pytest.skip(f"the build was not incremental: {build.stdout.strip().splitlines()[-1:]}")
    changed = q(pending, "SELECT count(*) FROM intermediate.int_report_changes")[0][0]
    assert changed >= len(LATER)

    full = tmp_path / "full.duckdb"
    shutil.copyfile(pending, full)
    v = ingest(data, "validate", "--no-docs", check=False)  # publishes the pending build
    assert v.returncode == 3, v.stderr
    assert v.stdout.startswith("validation mode: incremental ("), v.stdout
    assert ingest(data, "validate", "--db", str(full), "--full", "--no-docs", check=False).returncode == 3

    published = data / "warehouse.duckdb"
    assert_same_tables(published, full)
    checked, total = q(published, "SELECT reports_checked, reports FROM validation_runs "
                                  "ORDER BY started_at DESC LIMIT 1")[0]
    assert checked < total
    rules = {r[0] for r in q(published, """SELECT f.rule_id FROM validation_findings f
                                            WHERE f.issuer IN ('汉滨区人民政府', '石泉县人民政府')
                                               OR (f.issuer = '汉阴县人民政府' AND f.year = 2024)""")}
    assert {"unique_issuer_year", "t3_column_balance", "carry_over_across_years"} <= rules
