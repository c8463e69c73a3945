"""The dbt seeds and accepted-values lists are generated from templates.yaml and the region
dataset, never typed: the committed files must equal what the generator writes."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

from ingest import templates, templates_cli
from ingest.data import regions

REPO = Path(__file__).resolve().parents[2]


def test_committed_seeds_equal_the_generated_ones():
    for rel, text in templates_cli.generate().items():
        path = REPO / "dbt_project" / rel
        assert path.is_file(), f"dbt_project/{rel} missing: run python -m ingest templates --seeds"
        assert path.read_text(encoding="utf-8") == text, (
            f"dbt_project/{rel} is stale: run python -m ingest templates --seeds")


def test_check_command_agrees():
    proc = subprocess.run([sys.executable, "-m", "ingest", "templates", "--check"], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _rows(name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(templates_cli.generate()[f"seeds/{name}.csv"])))


def test_seeds_cover_the_templates():
    t = templates.load()
    expected = _rows("template_expected_cells")
    for tid in t.template_ids:
        for shape in templates_cli.TABLE3_SHAPES:
            want = set(t.expected_cells(tid, shape))
            got = {(r["table_key"], r["row_key"], r["column_key"]) for r in expected
                   if (r["table_key"] != "table2" or r["template"] == tid)
                   and (r["table_key"] != "table3" or r["table3_shape"] == shape)}
            assert got == want, (tid, shape)
    assert {r["applicant_type"] for r in _rows("template_applicant_types") if r["is_detail"] == "true"} \
        == set(t.table3_detail_columns)
    regions_rows = _rows("regions")
    assert len(regions_rows) == len(regions.all_units())  # the real units and the fictional demo ones
    assert {r["region_code"] for r in regions_rows} >= {"610921", "320813"}


def test_one_row_other_maps_to_the_whole_group():
    groups = {r["outcome_group"]: r for r in _rows("template_outcome_groups")}
    assert groups["other"]["one_row_keys"] == "other"
    assert groups["other"]["three_rows_keys"].split() == ["other_no_correction", "other_no_fee", "other_other"]
