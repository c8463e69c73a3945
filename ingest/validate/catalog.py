"""Every rule the validation stage checks, with who is to blame when it breaks.

The balancing rules come from ingest/templates.yaml (`rules`); the value, narrative, identity
and completeness rules are generic and live here. `severity` decides what a break means:
- publisher: the published report itself does not add up or contradicts itself. It becomes a
  row of `validation_findings` and the report stays in every mart.
- pipeline: our own loading is broken (a cell missing, a report loaded twice, a report without
  its template). It is recorded too, but the run fails and the build is not published.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ingest import templates

PUBLISHER = "publisher"
PIPELINE = "pipeline"


ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class RuleInfo:
    id: str
    severity: str
    suite: str
    en: str
    zh: str
    # How sure a publisher finding is: error = the printed numbers contradict each other
    # (arithmetic, carry-over, impossible values); warning = a reading could still differ
    # (narrative wording, a table we could not read, a re-publication). Narrative findings take
    # their fact's level from templates.yaml (an unambiguous sentence is an error).
    level: str = ERROR


_GENERIC = [
    RuleInfo("count_non_negative", PUBLISHER, "cell_values",
             "every count cell is >= 0 (signed 本年增/减 excepted)", "数量不为负数"),
    RuleInfo("count_integer", PUBLISHER, "cell_values",
             "every count cell is a whole number", "数量为整数"),
    RuleInfo("money_non_negative", PUBLISHER, "cell_values",
             "every money cell (fees, procurement amount) is >= 0", "金额不为负数"),
    RuleInfo("narrative_matches_tables", PUBLISHER, "narrative",
             "a number stated in the narrative equals the table cell it restates", "正文数字与表格一致",
             WARNING),
    RuleInfo("tables_printed", PUBLISHER, "tables_printed",
             "tables 2, 3 and 4 each print at least one cell (not missing, not only an image)",
             "三张统计表均以文字公布", WARNING),
    RuleInfo("unique_issuer_year", PUBLISHER, "report_identity",
             "one report per issuer and year (two different documents were published)",
             "同一机关同一年度只有一份年报", WARNING),
    RuleInfo("report_loaded_once", PIPELINE, "report_identity",
             "no report id or document content is loaded twice", "同一文档只入库一次"),
    RuleInfo("report_has_template", PIPELINE, "report_identity",
             "every report in the marts has a known table-2 template and table-3 shape",
             "每份年报都有模板"),
    RuleInfo("complete_cells", PIPELINE, "completeness",
             "every cell of the report's template is present, as a value or an explicit null",
             "模板的每个单元格都已入库"),
    RuleInfo("known_cells", PIPELINE, "completeness",
             "every stored cell belongs to the report's template", "入库单元格都属于模板"),
    RuleInfo("unique_cells", PIPELINE, "completeness",
             "no cell is stored twice for one report", "单元格不重复"),
]


def balancing_rules() -> list[templates.Rule]:
    return templates.load().rules


def all_rules() -> list[RuleInfo]:
    out = [RuleInfo(r.id, PUBLISHER, r.id, r.en, r.zh) for r in balancing_rules()]
    return out + list(_GENERIC)


def rule(rule_id: str) -> RuleInfo:
    return _by_id()[rule_id]


def severities() -> dict[str, str]:
    return {k: r.severity for k, r in _by_id().items()}


def levels() -> dict[str, str]:
    return {k: r.level for k, r in _by_id().items()}


@functools.cache
def _by_id() -> dict[str, RuleInfo]:
    return {r.id: r for r in all_rules()}
