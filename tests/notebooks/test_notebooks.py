"""The analysis notebooks: stored without outputs, parameterised, and executed headless.

The slow test builds a small synthetic warehouse through the real pipeline (generator →
archive → load → dbt build → validate, in its own DATA_DIR, as `make demo` does), so the
multi-county, multi-year paths run; the single-year Hanyin path runs in the fresh-clone test
(tests/refresh). Rendered HTML must carry the charts as embedded PNG images.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from ingest.errors import UserError
from ingest.refresh import notebooks as nb

REPO = Path(__file__).resolve().parents[2]
NAMES = ["county_year_over_year", "cross_county_comparison", "data_quality"]
IMG = re.compile(r'<img [^>]*src="data:image/png;base64,')


def test_notebooks_are_jupytext_percent_files_without_outputs():
    found = nb.discover()
    assert [p.stem for p in found] == NAMES
    assert not list(nb.NOTEBOOKS_DIR.glob("*.ipynb"))  # outputs never reach git
    for path in found:
        text = path.read_text(encoding="utf-8")
        assert "format_name: percent" in text
        notebook = jupytext.read(path)
        params = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1, path.name
        assert "WAREHOUSE = None" in params[0].source
        assert "nbs.connect(WAREHOUSE)" in text, f"{path.name} must open the warehouse via the read-only helper"


def test_support_module_connects_read_only_and_sandboxed(tmp_path, monkeypatch):
    """The notebooks' connection can neither change the warehouse nor write any other file."""
    import duckdb

    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table t as select 1 as a")
    before = db.read_bytes()
    monkeypatch.syspath_prepend(str(nb.NOTEBOOKS_DIR))
    import notebook_support as nbs

    con = nbs.connect(str(db))
    try:
        assert con.execute("select a from t").fetchall() == [(1,)]
        for sql in ("create table u (a int)", f"copy t to '{tmp_path / 'out.csv'}'",
                    f"copy (select 1) to '{db}'", f"attach '{tmp_path / 'new.duckdb'}'",
                    "set enable_external_access = true"):
            with pytest.raises(duckdb.Error):
                con.execute(sql)
    finally:
        con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb"]
    assert db.read_bytes() == before


def test_parameters_go_in_a_cell_after_the_tagged_one():
    notebook = jupytext.read(nb.NOTEBOOKS_DIR / "county_year_over_year.py")
    index = next(i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", []))
    nb.inject_parameters(notebook, {"COUNTY": "汉阴", "YEARS": [2022, 2023]})
    injected = notebook.cells[index + 1]
    assert injected.metadata["tags"] == ["injected-parameters"]
    assert "COUNTY = '汉阴'" in injected.source and "YEARS = [2022, 2023]" in injected.source

    bare = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(UserError):
        nb.inject_parameters(bare, {"COUNTY": "x"})


@pytest.mark.parametrize("spec, years", [("2023", [2023]), ("2020-2022", [2020, 2021, 2022]),
                                         (" 2021 – 2022 ", [2021, 2022])])
def test_years_option(spec, years):
    assert nb.parse_years(spec) == years


@pytest.mark.parametrize("spec", ["2023-2020", "last year", "23"])
def test_bad_years_option_is_a_user_error(spec):
    with pytest.raises(UserError):
        nb.parse_years(spec)


def _ingest(*args, data_dir: Path, timeout=600) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATA_DIR": str(data_dir)}
    env.pop("INGEST_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_rendering_without_a_warehouse_is_one_clear_line(tmp_path):
    r = _ingest("notebooks", data_dir=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("error: no warehouse at ") and r.stderr.count("\n") == 1


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory) -> Path:
    """A synthetic warehouse (8 counties × 3 years) built by the real pipeline, in its own DATA_DIR."""
    data = tmp_path_factory.mktemp("demo") / "data"
    gen = subprocess.run([sys.executable, "-m", "ingest.synthetic", "--data-dir", str(data), "--units", "8",
                          "--years", "3"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert gen.returncode == 0, gen.stderr
    r = _ingest("refresh", "--offline", "--no-snapshot", "--no-docs", "--no-notebooks", data_dir=data)
    assert r.returncode in (0, 3), r.stdout + r.stderr
    return data


def _outputs(ipynb: Path) -> tuple[list, str]:
    cells = json.loads(ipynb.read_text(encoding="utf-8"))["cells"]
    noise = [o for c in cells for o in c.get("outputs", []) if o["output_type"] == "error" or o.get("name") == "stderr"]
    return noise, json.dumps(cells, ensure_ascii=False)


@pytest.mark.slow
def test_notebooks_render_charts_for_many_counties_and_years(demo_data, tmp_path):
    out = tmp_path / "html"
    r = _ingest("notebooks", "--county", "甲寅", "--years", "2019-2020", "--out", str(out), data_dir=demo_data)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"rendered 3 notebook(s) into {out}" in r.stdout
    for name in NAMES:
        html = (out / f"{name}.html").read_text(encoding="utf-8")
        assert len(IMG.findall(html)) >= 3, name
        noise, cells = _outputs(out / f"{name}.ipynb")
        assert noise == [], f"{name}: {noise}"
        assert "COUNTY = '甲寅'" in cells  # the injected parameters are shown in the output
        # Rendered as a report: no code, no path of this machine, values formatted for reading.
        assert "import notebook_support" not in html and "nbs.query" not in html, name
        assert str(demo_data) not in html and str(REPO) not in html, name
        assert not re.search(r"<td>(NaN|&lt;NA&gt;|None)</td>|\d 00:00:00", html), name
        assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html), name
        # Synthetic figures on fictional places, and every page says so.
        assert "SYNTHETIC DEMO DATA" in html and "合成演示数据" in html, name
        assert "演示" in html and "北京" not in html, name
    county = (out / "county_year_over_year.html").read_text(encoding="utf-8")
    assert "甲寅演示县" in county and "Only 20" not in county  # two years: no one-year note
    assert re.search(r"<td>\d{1,3}\.\d%</td>", county), "the disclosure rate as a percent"
    assert "there is no prefecture median" not in county  # peers exist: the median line is drawn
    cross = (out / "cross_county_comparison.html").read_text(encoding="utf-8")
    assert "甲演示市, 2020" in cross and "showing 2020, the last of [2019, 2020]" in cross
    quality = (out / "data_quality.html").read_text(encoding="utf-8")
    assert "t4_group_total" in quality  # the table-4 break the generator planted (甲卯演示县 2020)
    assert re.search(r"<td[^>]*>\d+ of 8</td>", cross), "ranks carry their N (8 units of 甲演示市 in 2020)"


@pytest.mark.slow
def test_an_unknown_county_fails_with_the_choices_not_a_wall_of_traceback(demo_data, tmp_path):
    r = _ingest("notebooks", "--only", "county_year_over_year", "--county", "不存在县", "--out", str(tmp_path),
                data_dir=demo_data)
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("error: 1 notebook(s) failed: county_year_over_year: LookupError: no county "
                           "matching '不存在县' in the warehouse; have: ")
    assert "甲子演示区 (990101)" in last
    # the HTML is still written, showing where it stopped
    assert "LookupError" in (tmp_path / "county_year_over_year.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_demo_is_fictional_throughout_and_finds_exactly_what_it_planted(demo_data):
    """`make demo`'s warehouse: only fictional units (no real place in any denominator), every
    table that holds synthetic rows says so, and the check passes on exactly the planted findings
    and fails, naming the difference, when the list differs."""
    import duckdb

    con = duckdb.connect(str(demo_data / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*), bool_and(is_synthetic), bool_and(region_code like '99%') "
                           "from dim_region").fetchone() == (48, True, True)
        assert con.execute("select count(distinct region_code) from mart_coverage_county_year "
                           "where region_code not like '99%'").fetchone()[0] == 0
        for (table,) in con.execute("select table_name from information_schema.columns where "
                                    "column_name = 'is_synthetic' and table_schema = 'main'").fetchall():
            assert con.execute(f"select count(*) = count(*) filter (where is_synthetic) from {table}"
                               ).fetchone()[0], table
        with_reports = {t for (t,) in con.execute(
            "select table_name from information_schema.columns where column_name = 'report_id' "
            "and table_schema = 'main' and (table_name like 'fct_%' or table_name like 'mart_%' "
            "or table_name like 'dim_%')").fetchall()}
        flagged = {t for (t,) in con.execute("select table_name from information_schema.columns "
                                             "where column_name = 'is_synthetic'").fetchall()}
        assert with_reports <= flagged, with_reports - flagged
    finally:
        con.close()
    docs = demo_data / "reports" / "data_docs"
    pages = list(docs.rglob("*.html"))
    assert pages and all("SYNTHETIC DEMO DATA" in p.read_text(encoding="utf-8") for p in pages)
    check = [sys.executable, "-m", "ingest.synthetic", "check", "--data-dir", str(demo_data)]
    r = subprocess.run(check, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "exactly the 2 planted finding(s) (narrative_matches_tables, t4_group_total)" in r.stdout
    planted_file = demo_data / "synthetic_planted.json"
    planted = planted_file.read_text(encoding="utf-8")
    try:
        planted_file.write_text(json.dumps(json.loads(planted)[1:], ensure_ascii=False), encoding="utf-8")
        r = subprocess.run(check, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert r.returncode == 1
        assert re.search(r"demo check: found but not planted: \S+演示\S+ \d{4} \w+", r.stderr), r.stderr
    finally:
        planted_file.write_text(planted, encoding="utf-8")
