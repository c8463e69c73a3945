"""Narrative figures as extra evidence for the glued-digit search.

The report's own sentences restate some cells: 本年新收政府信息公开申请8件 (table 3 一、 总计),
本年度制发规范性文件34件 (table 2), 作出行政处罚决定640起. Each becomes a weak rule of the search
(search.Rule, weight 1): it can only choose between readings that break equally many template
rules, never overrule the template's arithmetic, and a figure no reading agrees with changes
nothing (narratives and tables disagree now and then; that is a finding for validation, not
something to repair here).
"""

from __future__ import annotations

import re

from ingest.parse.glued.search import Rule
from ingest.parse.vocab.narrative import facts as narrative_facts
from ingest.parse.vocab.narrative import squash

_N = r"(\d+)\s*(?:件|个|条|份|项|起|宗|次)"
# (pattern, template or None for both, [(row, column index)…] whose sum the number states)
_TABLE2 = [
    (re.compile(rf"(?:制发|印发|出台|制定)[^。；;，,\d]{{0,10}}?(?:行政)?规范性文件(?:共)?{_N}"), None,
     [("normative_documents", 0)]),
    (re.compile(rf"规章(?:和|及|与|、)(?:行政)?规范性文件(?:共)?{_N}"), "2019",
     [("regulations", 1), ("normative_documents", 1)]),
    (re.compile(rf"(?:作出|办理|办结|受理)?行政许可(?:决定|事项|申请)?(?:共)?{_N}"), "2021",
     [("permits", 0)]),
    (re.compile(rf"(?:作出|办理|办结|受理)?行政许可(?:决定|事项|申请)?(?:共)?{_N}"), "2019",
     [("permits", 2)]),
    (re.compile(rf"(?:作出)?行政处罚(?:决定|案件)?(?:共)?{_N}"), "2021", [("penalties", 0)]),
    (re.compile(rf"(?:作出)?行政处罚(?:决定|案件)?(?:共)?{_N}"), "2019", [("penalties", 2)]),
]
_SENTENCE = re.compile(r"[^。；;！!\n]+")


def table2_rules(narrative: str, template: str) -> list[Rule]:
    out: list[Rule] = []
    seen: set[tuple] = set()
    for sentence in _SENTENCE.findall(narrative or ""):
        flat = squash(sentence)
        for pattern, tid, cells in _TABLE2:
            if tid not in (None, template):
                continue
            m = pattern.search(flat)
            if m:
                key = (tuple(cells), int(m.group(1)))
                if key in seen:
                    continue
                seen.add(key)
                out.append(Rule(f"narrative:{m.group(0)}", "table2", list(cells), [],
                                int(m.group(1)), weight=1))
    return out


def table3_rules(narrative: str, total_col: int) -> list[Rule]:
    facts = narrative_facts(narrative or "")
    out = []
    # 新收 N 件 is the 一、 row's total; 受理/收到 N 件 may also count 二、 (carried over), so it
    # is not used: evidence must never favour a reading by a figure that means something else
    for fact, row in (("applications_new", "new"), ("applications_handled", "total")):
        f = facts.get(fact)
        if f and isinstance(f.get("value"), int):
            out.append(Rule(f"narrative:{f.get('raw_text') or fact}", row, [(row, total_col)], [],
                            f["value"], weight=1))
    return out


def table4_rules(narrative: str, has_total: bool) -> list[Rule]:
    if not has_total:
        return []
    facts = narrative_facts(narrative or "")
    out = []
    f = facts.get("review_cases")
    if f and isinstance(f.get("value"), int):
        out.append(Rule(f"narrative:{f.get('raw_text') or 'review_cases'}", "review",
                        [("table4", 4)], [], f["value"], weight=1))
    f = facts.get("litigation_cases")
    if f and isinstance(f.get("value"), int):
        out.append(Rule(f"narrative:{f.get('raw_text') or 'litigation_cases'}", "litigation",
                        [("table4", 9), ("table4", 14)], [], f["value"], weight=1))
    return out
