"""`python -m ingest browse`: the warehouse in Datasette, over real HTTP and in a real browser."""

from __future__ import annotations

import json
import re
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.warehouse.conftest import REPO, ingest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8")


@pytest.fixture(scope="module")
def served(real_warehouse):
    data = real_warehouse["paths"].data_dir
    port = _free_port()
    env = {**os.environ, "DATA_DIR": str(data)}
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "browse", "--port", str(port)], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            _get(base + "/-/versions.json")
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"datasette did not start: {proc.communicate()[1][-2000:]}")
            time.sleep(0.3)
    yield {"base": base, "data": data}
    proc.terminate()
    proc.wait(timeout=20)


def test_the_copy_holds_the_marts_and_findings_but_no_internal_tables(served):
    db = served["data"] / "browse" / "warehouse.sqlite"
    con = sqlite3.connect(db)
    names = {t for (t,) in con.execute("select name from sqlite_master where type = 'table'")}
    assert {"mart_county_year", "dim_report", "fct_applications", "dim_region"} <= names
    assert not {n for n in names if n.startswith(("stg_", "int_", "template_"))}
    assert con.execute("select applications_new, permit_decisions from mart_county_year "
                       "where region_code = '610921' and year = 2023").fetchone() == (30, 18468)


def test_pages_serve_descriptions_facets_and_canned_queries(served):
    base = served["base"]
    index = _get(base + "/")
    assert "政府信息公开年报数据仓库" in index
    table = _get(base + "/warehouse/mart_county_year")
    assert "本年新收申请数" in table and "汉阴县" in table
    assert 'class="facet-info' in table or "facet-info" in table  # province / prefecture / year facets
    rows = json.loads(_get(base + "/warehouse/county_over_the_years.json?county=" + urllib.parse.quote("汉阴县") + "&_shape=array"))
    assert [(r["year"], r["applications_new"], r["disclosure_rate_%"]) for r in rows] == [(2023, 30, 63.3)]
    # Nothing is loaded from outside this machine: every page works offline.
    for page in (index, table):
        assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//(?!127\.0\.0\.1)', page), "an asset from outside"


def test_a_real_browser_renders_the_table_with_chinese_text(served, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium)")
    url = served["base"] + "/warehouse/mart_county_year"
    shot = tmp_path / "mart.png"
    r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,900",
                        f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--dump-dom", url],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "汉阴县" in r.stdout and "陕西省" in r.stdout  # the DOM after scripts ran
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_tables_over_the_row_cap_are_named_not_copied(real_warehouse, tmp_path):
    """A national warehouse's cell facts are for SQL: over INGEST_BROWSE_MAX_ROWS a table is left
    out of the copy and the index page says which and how large."""
    from ingest.browse import copy_to_sqlite, metadata

    target = tmp_path / "capped.sqlite"
    counts, omitted = copy_to_sqlite(real_warehouse["paths"].warehouse_db, target, limit=50)
    assert omitted and all(n > 50 for n in omitted.values())
    assert counts and all(n <= 50 for n in counts.values())
    assert "fct_applications" in omitted and "dim_region" in omitted and "dim_report" in counts
    con = sqlite3.connect(target)
    names = {t for (t,) in con.execute("select name from sqlite_master where type = 'table'")}
    con.close()
    assert "fct_applications" not in names and "dim_report" in names
    html = metadata(target, synthetic=False)["description_html"]
    assert "Too large to browse here" in html and f"fct_applications ({omitted['fct_applications']:,} rows)" in html
    assert metadata(target, synthetic=False)["databases"]["warehouse"]["tables"]["_omitted_tables"] == {"hidden": True}
