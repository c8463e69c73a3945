"""Small reports with one seeded violation each, made from the Hanyin seed text.

The Hanyin text prints one cell per line: a row label, then its numbers on the lines below. A
seed renames the issuer and year in the title and changes a few numbers, chosen so that exactly
one rule breaks (e.g. a row-total break moves one application from 部分公开 to 予以公开 in the
natural-person column, so the column still adds up).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HANYIN_TITLE = "汉阴县人民政府2023年度"

# Printed labels (as in the Hanyin text) → the line after which a row's numbers follow.
ROW_LABELS = {
    "new": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "(一)予以公开",
    "partial": "(二)部分公开(区分处理的,只计这一情形,不计其他情形)",
    "total": "(七)总计",
    "carry_forward": "四、结转下年度继续办理",
    "permits": "行政许可",
    "fees": "行政事业性收费",
    "table4": "复议后起诉",  # the 15 numbers of table 4 follow its last header line
}
COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org",
           "total"]
T4 = [(g, c) for g in ("review", "litigation_direct", "litigation_after_review")
      for c in ("upheld", "corrected", "other", "pending", "total")]
_NUMBER = re.compile(r"^\s*[-+]?\d[\d.]*\s*$")


@dataclass
class Seed:
    name: str
    issuer: str
    year: int
    edits: list[tuple[str, int, str]] = field(default_factory=list)  # (label key, index, new text)
    replace: list[tuple[str, str]] = field(default_factory=list)  # plain text replacements
    image_tables: bool = False  # the tables published as images: headings kept, no cells

    @property
    def filename(self) -> str:
        return f"{self.name}_{self.year}.txt"


def cell(row: str, column: str) -> tuple[str, int]:
    return row, COLUMNS.index(column)


def t4(group: str, column: str) -> tuple[str, int]:
    return "table4", T4.index((group, column))


def render(base: str, seed: Seed) -> str:
    text = base.replace(HANYIN_TITLE, f"{seed.issuer}{seed.year}年度")
    for old, new in seed.replace:
        assert old in text, old
        text = text.replace(old, new)
    lines = text.split("\n")
    if seed.image_tables:
        headings = ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况")
        start = next(i for i, line in enumerate(lines) if line.strip() == headings[0])
        end = next(i for i, line in enumerate(lines) if line.strip().startswith("五、"))
        kept = []
        for heading in headings:
            kept += [f"      {heading}", "", "      (表格为图片)", ""]
        lines = lines[:start] + kept + lines[end:]
    for label_key, index, value in seed.edits:
        label = ROW_LABELS[label_key]
        at = [i for i, line in enumerate(lines) if line.strip() == label]
        assert at, label
        numbers = [i for i in range(at[-1] + 1, len(lines)) if _NUMBER.match(lines[i])]
        line = numbers[index]
        lines[line] = re.sub(r"[-+]?\d[\d.]*", value, lines[line], count=1)
    return "\n".join(lines)


# Every seed below breaks exactly the rule named first in its name (see test_end_to_end.py).
SEEDS = [
    Seed("hanyin", "汉阴县人民政府", 2023),
    # the year before, unchanged: Hanyin's carry-over is evaluated, and holds (0 = 0)
    Seed("hanyin", "汉阴县人民政府", 2022),
    Seed("column_balance", "石泉县人民政府", 2023,
         [(*cell("carry_forward", "natural_person"), "4"), (*cell("carry_forward", "total"), "4")]),
    Seed("row_total", "宁陕县人民政府", 2023,
         [(*cell("granted", "natural_person"), "15"), (*cell("partial", "natural_person"), "4")]),
    Seed("outcome_total", "紫阳县人民政府", 2023,
         [(*cell("granted", "natural_person"), "16"), (*cell("granted", "total"), "16")]),
    Seed("t4_total", "岚皋县人民政府", 2023, [(*t4("review", "upheld"), "2")]),
    Seed("values", "平利县人民政府", 2023, [("permits", 0, "-5"), ("fees", 0, "-1.5")]),
    Seed("narrative", "镇坪县人民政府", 2023,
         replace=[("全年受理依申请公开申请30件", "全年受理依申请公开申请35件")]),
    Seed("carry_over", "白河县人民政府", 2022),
    Seed("carry_over", "白河县人民政府", 2023,
         [(*cell("carried_over", "natural_person"), "3"), (*cell("carried_over", "total"), "3"),
          (*cell("carry_forward", "natural_person"), "3"), (*cell("carry_forward", "total"), "3")]),
    Seed("image_tables", "宁强县人民政府", 2023, image_tables=True),
    Seed("duplicate_a", "汉滨区人民政府", 2023),
    Seed("duplicate_b", "汉滨区人民政府", 2023,
         replace=[("内容概述:", "内容概述(更正版):")]),
]
