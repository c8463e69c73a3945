"""Issuer name → (county-level region, issuer level, stable issuer id).

Reports name their issuer in many ways: 汉阴县人民政府, 淮安市洪泽区人民政府, 汉阴县人民政府办公室,
汉阴县教育体育和科技局, 汉阴县涧池镇人民政府. We find the county-level unit by the longest
division name printed in the issuer (from the maintained dataset, ingest/data/regions.py),
settle duplicated names (朝阳区, 鼓楼区 …) by the province or prefecture printed beside them or
by a hint (the archive's issuer), and classify what follows the name. The issuer id is built
from the region code and the classified remainder, so 洪泽区人民政府 and 淮安市洪泽区人民政府
are one issuer across years.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from ingest.data import regions

ISSUER_LEVELS = ("county_government", "general_office", "department", "township", "other")

_SPACE = re.compile(r"[\s\u3000\u00a0]+")
_GOVERNMENT = re.compile(r"^(人民)?政府$")
_OFFICE = re.compile(r"^(人民)?政府办(公室)?$|^(人民)?政府办公厅$")
_TOWNSHIP = re.compile(r"^(.{1,12}?(镇|乡|街道|苏木|民族乡|地区办事处))(人民政府|政府|办事处|街道办事处)?$")
_IMPLIED_UNIT = re.compile(r"^(本|我)?(县|区|市|旗)?")
_STRIP_SUFFIXES = ("市", "地区", "自治州", "盟", "省", "自治区", "特别行政区")


@dataclass(frozen=True)
class IssuerMatch:
    issuer: str
    issuer_id: str
    issuer_level: str
    region_code: str | None
    match_method: str  # name | name+context | hint | ambiguous | unmatched


def normalise_issuer(name: str | None) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", name or ""))


@functools.cache
def _name_index() -> dict[str, tuple[regions.Region, ...]]:
    index: dict[str, list[regions.Region]] = {}
    for r in regions.county_level_units():
        index.setdefault(r.name, []).append(r)
    return {k: tuple(v) for k, v in index.items()}


@functools.cache
def _max_name_len() -> int:
    return max(len(k) for k in _name_index())


def _occurrences(text: str) -> list[tuple[int, int, tuple[regions.Region, ...]]]:
    """Every (start, end, candidates) where a county-level name occurs, longest first per start,
    dropping occurrences nested inside a longer one (城区 inside 新城区)."""
    index, longest = _name_index(), _max_name_len()
    found = []
    for i in range(len(text)):
        for j in range(min(len(text), i + longest), i + 1, -1):
            cands = index.get(text[i:j])
            if cands:
                found.append((i, j, cands))
                break
    return [f for f in found if not any(g[0] <= f[0] and f[1] <= g[1] and g != f for g in found)]


def _context_names(r: regions.Region) -> list[str]:
    names = {r.province_name, r.prefecture_name}
    for n in list(names):
        for suffix in _STRIP_SUFFIXES:
            if n.endswith(suffix) and len(n) - len(suffix) >= 2:
                names.add(n[: -len(suffix)])
    names.discard(regions.DIRECT_GROUP_NAME)
    return [n for n in names if n]


def _pick(text: str, start: int, cands: tuple[regions.Region, ...]) -> tuple[regions.Region | None, str]:
    if len(cands) == 1:
        return cands[0], "name"
    prefix = text[:start]
    hits = [r for r in cands if any(n in prefix for n in _context_names(r))]
    if len(hits) == 1:
        return hits[0], "name+context"
    return None, "ambiguous"


def classify_issuer(issuer: str | None, hint: str | None = None) -> IssuerMatch:
    """Map one issuer name to its region and level. `hint` is another name for the same body
    (the archive's issuer), used when the issuer alone does not settle the region."""
    name = normalise_issuer(issuer)
    region, method, end = None, "unmatched", None
    occ = _occurrences(name)
    if occ:
        # The first county-level name printed is the issuer's unit: what follows may contain
        # names of its own sub-areas (城区, 东区 …) that are county names elsewhere.
        start, end, cands = occ[0]
        region, method = _pick(name, start, cands)
    if region is None and hint:
        hint_match = classify_issuer(hint)
        if hint_match.region_code:
            region = regions.by_code()[hint_match.region_code]
            method = "hint"
            if region.name in name:
                end = name.find(region.name) + len(region.name)
            else:  # "县政府办": the unit is only implied; read the level from what follows it
                end = len(_IMPLIED_UNIT.match(name).group(0))
    if region is None:
        return IssuerMatch(name, f"unmatched:{name or '?'}", "other", None, method)

    rest = name[end:]
    level, tail = _level(rest)
    issuer_id = f"{region.code}:{level}" + (f":{tail}" if tail else "")
    return IssuerMatch(name, issuer_id, level, region.code, method)


def _level(rest: str) -> tuple[str, str]:
    if rest == "" or _GOVERNMENT.match(rest):
        return "county_government", ""
    if _OFFICE.match(rest):
        return "general_office", ""
    m = _TOWNSHIP.match(rest)
    if m:
        return "township", m.group(1)
    return "department", rest
