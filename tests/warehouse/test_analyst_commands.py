"""`python -m ingest status` and `compare` on a real built warehouse, run as a user runs them."""

from __future__ import annotations

import json

import pytest

from tests.warehouse.conftest import ingest


def test_status_says_what_the_warehouse_holds(real_warehouse):
    data = real_warehouse["paths"].data_dir
    r = ingest("status", data_dir=data)
    assert "reports        %d" % len(real_warehouse["names"]) in r.stdout
    assert "county-level units with a county-government report" in r.stdout
    assert "of 2,845" in r.stdout  # every unit of the region dataset is the denominator
    s = json.loads(ingest("status", "--json", data_dir=data).stdout)
    assert s["published"] and s["reports"] == len(real_warehouse["names"])
    assert {"year": 2023, "units": 2 if len(real_warehouse["names"]) > 1 else 1} in s["covered_by_year"]


def test_status_on_an_empty_data_directory_says_so(tmp_path):
    r = ingest("status", data_dir=tmp_path)
    assert "none recorded" in r.stdout and "run `make refresh`" in r.stdout
    assert not any(tmp_path.iterdir()), "status must not write anything"


def test_compare_prints_the_counties_side_by_side_with_ranks_of_n(real_warehouse):
    data = real_warehouse["paths"].data_dir
    if "hongze_2023.pdf" not in real_warehouse["names"]:
        pytest.skip("../shared/corpus (Hongze) is not available: one county only")
    r = ingest("compare", "汉阴县", "洪泽", "--year", "2023", data_dir=data)
    lines = r.stdout.splitlines()
    assert "汉阴县 2023" in lines[0] and "洪泽区 2023" in lines[0]
    new = next(l for l in lines if l.startswith("本年新收申请"))
    assert "30  (#1 of 1 in province, #1 of 2 overall)" in new
    assert "21  (#1 of 1 in province, #2 of 2 overall)" in new
    assert "63.3%" in next(l for l in lines if l.startswith("公开率"))
    assert "18,468" in next(l for l in lines if l.startswith("行政许可决定"))
    csv_out = ingest("compare", "610921", "320813", "--year", "2023", "--csv", data_dir=data).stdout
    assert csv_out.splitlines()[0] == "measure,汉阴县 2023,洪泽区 2023"


def test_compare_names_the_year_a_county_lacks(real_warehouse):
    r = ingest("compare", "汉阴县", "--year", "2019", data_dir=real_warehouse["paths"].data_dir)
    assert "no county-government report for 2019" in r.stderr and "years held: 2023" in r.stderr


@pytest.mark.parametrize("name, message", [
    ("朝阳区", "names 2 units: 110105 北京市朝阳区; 220104 长春市朝阳区"),
    ("不存在县", "no county-level unit named '不存在县'"),
])
def test_compare_refuses_an_unknown_or_ambiguous_name_in_one_line(real_warehouse, name, message):
    r = ingest("compare", name, data_dir=real_warehouse["paths"].data_dir, check=False)
    assert r.returncode == 2 and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_compare_without_a_warehouse_is_one_line(tmp_path):
    r = ingest("compare", "汉阴县", data_dir=tmp_path, check=False)
    assert r.returncode == 2 and r.stderr.startswith("error: no warehouse at")
