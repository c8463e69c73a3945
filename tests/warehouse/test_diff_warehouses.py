"""diff_warehouses, the comparison behind "an incremental build equals a full build": its quick
summary (row count and sum of row hashes) must not hide a difference the row-by-row compare sees."""

from __future__ import annotations

import duckdb

from ingest.load.incremental import diff_warehouses


def _make(path, rows, extra_table=False):
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE fct (report_id VARCHAR, n BIGINT, bbox DOUBLE[])")
    con.executemany("INSERT INTO fct VALUES (?, ?, ?)", rows)
    con.execute("CREATE TABLE warehouse_builds (mode VARCHAR)")  # a per-build record: never compared
    con.execute("INSERT INTO warehouse_builds VALUES (?)", ["full" if extra_table else "incremental"])
    if extra_table:
        con.execute("CREATE TABLE only_here (x INT)")
    con.close()


ROWS = [("a", 1, [1.0, 2.0]), ("b", 2, None), ("b", 2, None), ("c", None, [0.5])]


def test_same_rows_in_another_order_are_equal(tmp_path):
    _make(tmp_path / "a.duckdb", ROWS)
    _make(tmp_path / "b.duckdb", list(reversed(ROWS)))
    assert diff_warehouses(tmp_path / "a.duckdb", tmp_path / "b.duckdb") == []


def test_one_changed_value_a_lost_duplicate_and_a_missing_table_are_named(tmp_path):
    _make(tmp_path / "a.duckdb", ROWS)
    _make(tmp_path / "b.duckdb", [("a", 1, [1.0, 2.0]), ("b", 2, None), ("c", 3, [0.5])], extra_table=True)
    assert diff_warehouses(tmp_path / "a.duckdb", tmp_path / "b.duckdb") == [
        "main.only_here: only in b.duckdb",
        "main.fct: 2 rows only in the first, 1 only in the second",
    ]
    # same count, one value swapped between rows: the sums of hashes differ
    _make(tmp_path / "c.duckdb", [("a", 2, [1.0, 2.0]), ("b", 1, None), ("b", 2, None), ("c", None, [0.5])])
    assert diff_warehouses(tmp_path / "a.duckdb", tmp_path / "c.duckdb") == [
        "main.fct: 2 rows only in the first, 2 only in the second"]
