"""`python -m ingest export`: Parquet + BOM CSV per mart, a bilingual data dictionary, clean errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from ingest.export import export_marts

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def warehouse(tmp_path) -> Path:
    """A small warehouse in the marts' shape: names, decimals and nulls as the real ones have."""
    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.execute("""create table fct_fees(report_id varchar, issuer varchar, year integer,
                   amount_10k_yuan decimal(24,6), fees_yuan decimal(24,2))""")
    con.execute("insert into fct_fees values ('r1', '汉阴县人民政府', 2023, 1077.892534, 10778925.34),"
                " ('r2', '某县人民政府, \"逗号\"', 2022, null, null)")
    con.execute("create table dim_region(region_code varchar, region_name varchar)")
    con.execute("insert into dim_region values ('610921', '汉阴县')")
    con.execute("create table int_report_cells(report_id varchar)")  # not a mart: not exported
    con.execute("create table stg_reports(report_id varchar)")
    con.close()
    return db


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_every_mart_as_parquet_and_bom_csv_with_a_bilingual_dictionary(warehouse, tmp_path):
    out = tmp_path / "exports"
    result = export_marts(warehouse, out)
    assert result.tables == {"dim_region": 1, "fct_fees": 2}
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "columns.csv", "columns.md", "dim_region.csv", "dim_region.parquet", "fct_fees.csv",
        "fct_fees.parquet", "manifest.json"])

    table = pq.read_table(out / "fct_fees.parquet").to_pylist()
    assert table[0]["amount_10k_yuan"] == Decimal("1077.892534")
    assert table[1]["amount_10k_yuan"] is None  # null stays null, never 0

    rows = _read_csv(out / "fct_fees.csv")
    assert rows[0] == ["report_id", "issuer", "year", "amount_10k_yuan", "fees_yuan"]
    assert rows[1] == ["r1", "汉阴县人民政府", "2023", "1077.892534", "10778925.34"]
    assert rows[2] == ["r2", '某县人民政府, "逗号"', "2022", "", ""]

    cols = {(r[0], r[1]): r for r in _read_csv(out / "columns.csv")[1:]}
    # from templates.yaml (the table-2 column key) and from the contract glossary
    assert cols[("fct_fees", "amount_10k_yuan")][3] == "本年收费金额（单位：万元）"
    assert cols[("fct_fees", "amount_10k_yuan")][4] == "Amount charged (10k yuan)"
    assert cols[("fct_fees", "issuer")][3:5] == ["发布机关", "Issuer"]
    assert cols[("dim_region", "region_code")][3] == "行政区划代码"
    assert "| `fees_yuan` |" in (out / "columns.md").read_text(encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"] == {"dim_region": 1, "fct_fees": 2}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_cli_selects_tables_and_reports_bad_input_on_one_line(warehouse, tmp_path):
    env = {**os.environ, "DATA_DIR": str(tmp_path / "nodata")}
    run = lambda *a: subprocess.run([sys.executable, "-m", "ingest", "export", *a], cwd=REPO, env=env,
                                    capture_output=True, text=True, timeout=60)
    out = tmp_path / "one"
    r = run("--warehouse", str(warehouse), "--out", str(out), "--table", "fct_fees", "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["columns.csv", "columns.md", "fct_fees.csv", "manifest.json"]
    assert "fct_fees\t2 rows" in r.stdout

    r = run("--warehouse", str(warehouse), "--out", str(out), "--table", "int_report_cells")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "not a mart" in r.stderr and "Traceback" not in r.stderr

    r = run()  # DATA_DIR without a warehouse
    assert r.returncode == 2
    assert r.stderr.startswith("error: no warehouse at ") and r.stderr.count("\n") == 1


def test_a_failed_export_leaves_the_previous_files_alone(warehouse, tmp_path):
    out = tmp_path / "exports"
    export_marts(warehouse, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(Exception):
        export_marts(warehouse, out, only=["no_such_mart"])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_every_glossary_label_is_a_pair_of_strings():
    """An unquoted `A: b` inside a YAML list is a mapping: columns.csv once showed
    {'New applications': 'change on last year'} as an English label."""
    from ingest.export import glossary

    labels = glossary()
    assert labels["applications_new_yoy_change"] == ("新收申请数同比增减",
                                                      "New applications: change on last year")
    for column, pair in labels.items():
        assert all(isinstance(x, str) and x and "{" not in x for x in pair), (column, pair)
