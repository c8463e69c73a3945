"""Findings blame the publisher only for what it printed: a table the report prints that the
parser could not read is a parse warning (dim_report.tables_unread, unread_reason) and a coverage
status (tables_unread), never the publisher finding tables_printed; a table the report does not
print still is one.

The real Hanyin report twice, through the real loader, `dbt build` and GX validation: once with
its table 2 run together into one line of glued text with no column headers (printed in full,
unreadable to the parser), once under another county without its table 4 (not printed).
"""

from __future__ import annotations

import duckdb
import pytest

from ingest.config import paths as make_paths
from tests.warehouse.conftest import HANYIN, archive_add, ingest

pytestmark = pytest.mark.slow

GLUED_TABLE2 = ("第二十条第（一）项规章000行政规范性文件6016第二十条第（五）项行政许可18468"
                "第二十条第（六）项行政处罚696行政强制2第二十条第（八）项行政事业性收费1077.892534")


def _section(lines: list[str], heading: str, next_heading: str) -> tuple[int, int]:
    start = next(i for i, line in enumerate(lines) if heading in line)
    end = next(i for i, line in enumerate(lines) if i > start and next_heading in line)
    return start, end


def test_an_unread_table_is_ours_a_missing_one_the_publishers(tmp_path):
    lines = HANYIN.read_text(encoding="utf-8").split("\n")
    glued = list(lines)
    start, end = _section(glued, "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况")
    glued[start + 1:end] = [GLUED_TABLE2]
    without_t4 = [line.replace("汉阴县", "宁陕县") for line in lines]
    start, end = _section(without_t4, "四、政府信息公开行政复议", "五、存在的主要问题")
    del without_t4[start:end]

    data = tmp_path / "data"
    p = make_paths(data)
    archive_add(p, "\n".join(glued).encode("utf-8"), "https://www.hanyin.gov.cn/2023.html",
                issuer="汉阴县人民政府", source_id="hanyin", content_type="text/plain; charset=utf-8")
    archive_add(p, "\n".join(without_t4).encode("utf-8"), "https://www.ningshan.gov.cn/2023.html",
                issuer="宁陕县人民政府", source_id="ningshan", content_type="text/plain; charset=utf-8")
    ingest("build", data_dir=data)
    ingest("validate", "--no-docs", data_dir=data, check=False)

    con = duckdb.connect(str(p.warehouse_db), read_only=True)
    try:
        reports = {r[0]: r[1:] for r in con.execute(
            "select issuer, tables_unread, unread_reason, report_id from dim_report").fetchall()}
        unread, reason, hanyin = reports["汉阴县人民政府"]
        assert list(unread) == ["table2"] and "glued" in reason
        assert list(reports["宁陕县人民政府"][0]) == []
        printed = con.execute("select report_id, table_key from validation_findings "
                              "where rule_id = 'tables_printed' order by all").fetchall()
        # the table 4 the Ningshan copy does not print is the publisher's; the Hanyin table 2 is not
        assert printed == [(reports["宁陕县人民政府"][2], "table4")]
        status = con.execute("select status, reason from mart_coverage_county_year "
                             "where region_code = '610921' and year = 2023").fetchall()
        assert status[0][0] == "tables_unread" and hanyin[:12] in status[0][1] and "table2" in status[0][1]
    finally:
        con.close()
