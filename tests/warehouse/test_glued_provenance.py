"""A glued report through the real loader and the real dbt build: every cell says how it was
read (printed / recovered), the loader keeps the detail, and an analyst can filter the facts to
directly printed values. The glued input is made from the Hanyin seed (its lines run together
with no separators), so the test needs no ../shared."""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from ingest.config import paths as make_paths

from .conftest import HANYIN, archive_add, ingest

pytestmark = pytest.mark.slow

GLUED_URL = "https://archive.example.org/hanyin_2023_glued.txt"


def _glued_seed() -> bytes:
    text = HANYIN.read_text("utf-8")
    lines = text.splitlines()
    body = "".join(re.sub(r"\s+", "", ln) for ln in lines[1:])
    return f"标题: {lines[0].strip()}\n{body}".encode()


def test_recovered_cells_are_marked_from_parser_to_fact_tables(tmp_path):
    p = make_paths(tmp_path)
    archive_add(p, _glued_seed(), GLUED_URL, issuer="汉阴县人民政府", source_id="hanyin",
                content_type="text/plain; charset=utf-8")
    ingest("build", "--no-swap", data_dir=tmp_path)

    con = duckdb.connect(str(p.parsed_db), read_only=True)
    try:
        methods = dict(con.execute("""SELECT coalesce(read_method, 'none'), count(*) FROM cells
                                      GROUP BY ALL""").fetchall())
        detail = con.execute("""SELECT read_detail FROM cells WHERE table_key = 'table3'
                                AND row_key = 'new' AND column_key = 'total'""").fetchone()[0]
        undecided = con.execute("""SELECT count(*) FROM cells WHERE value IS NULL
                                   AND read_detail->>'undecided' = 'true'""").fetchone()[0]
    finally:
        con.close()
    assert methods.get("recovered", 0) > 100, methods  # table 3 and 4 cut out of glued runs
    d = json.loads(detail)
    assert d["candidates"] >= 1 and d["rules"]
    assert undecided == 3  # 行政规范性文件 '6016' reads 6|0|16 or 60|1|6: null, never guessed

    build = p.data_dir / "build" / "warehouse.duckdb"
    con = duckdb.connect(str(build), read_only=True)
    try:
        rows = dict(con.execute("""SELECT read_method, count(*) FROM fct_applications
                                   GROUP BY ALL""").fetchall())
        printed_only = con.execute("""SELECT count(*) FROM fct_applications
                                      WHERE read_method = 'printed'""").fetchone()[0]
        reg = con.execute("""SELECT value, read_method FROM fct_regulations
                             WHERE document_kind = 'normative_documents'""").fetchall()
    finally:
        con.close()
    assert rows.get("recovered", 0) > 0
    assert printed_only == rows.get("printed", 0)
    assert all(v is None and m == "recovered" for v, m in reg)
