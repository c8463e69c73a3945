"""Who published a report, and which county-level unit it belongs to.

Reports name their issuer in many ways: 汉阴县人民政府, 淮安市洪泽区人民政府, 汉阴县人民政府办公室,
汉阴县教育体育和科技局, 汉阴县涧池镇人民政府, 城关镇, 平潭综合实验区管委会. Two questions are
answered separately and each answer keeps its evidence:

- the **type** of issuer (`ISSUER_LEVELS`): the county-level government itself, its general
  office, a department, a township or street office, an area office / development zone, a
  prefecture or province body, or other — read from what follows the place name;
- the **county-level unit** (`region_code`), by evidence in this order:
  1. the registry source that fetched the report (its code and government name: the
     government's own report and those of the departments listed under it), unless the
     issuer names a *different* county-level unit (then: conflict, unknown);
  2. the issuer name against the division dataset (ingest/data/regions.py), duplicated names
     (朝阳区, 鼓楼区 …) settled by the province or prefecture printed beside them or by the
     source's;
  3. the reviewed alias table `ingest/data/issuer_aliases.csv` (bodies that stand for a
     county: 平潭综合实验区 → 350128), each row with its reason and evidence;
  4. the 索引号 prefix (a division code or a unified social credit code) or the URL's host
     (a registry source's site).
  A report none of these settles keeps `region_code` null with the reason in `evidence`
  (`match_method` unmatched | ambiguous | conflict | prefecture_body | province_body).

The issuer id is built from the region code and the classified remainder, so 洪泽区人民政府 and
淮安市洪泽区人民政府 are one issuer across years.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ingest.data import regions

ISSUER_LEVELS = ("county_government", "general_office", "department", "township", "area_office",
                 "prefecture_body", "province_body", "other")
# match_method values: how region_code was decided, or why it stays null
MATCH_METHODS = ("source", "name", "name+context", "alias", "hint", "index_no", "url_host",
                 "ambiguous", "conflict", "prefecture_body", "province_body", "unmatched")
ALIASES_FILE = Path(__file__).resolve().parents[1] / "data" / "issuer_aliases.csv"
# Bump when the rules below change: the loader re-identifies every report on a new fingerprint.
IDENTITY_RULES_VERSION = "5"

_SPACE = re.compile(r"[\s\u3000\u00a0]+")
_GOVERNMENT = re.compile(r"^(人民)?政府$")
# What an alias body calls its own government (平潭综合实验区管委会 is 平潭县's government).
_ZONE_GOVERNMENT = re.compile(r"^(党工委[、]?)?(管委会|管理委员会)$|^(人民)?政府$|^$")
_OFFICE = re.compile(r"^(人民)?政府办(公室)?$|^(人民)?政府办公厅$|^(党工委[、]?)?(管委会|管理委员会)办(公室)?$")
_TOWNSHIP = re.compile(r"^(.{1,12}?(镇|乡|街道|苏木|民族乡|地区办事处))(人民政府|政府|办事处|街道办事处)?$")
_AREA = re.compile(r"片区|开发区|园区|新区|高新区|工业区|试验区|实验区|示范区|保税区|度假区|管委会|管理委员会")
_IMPLIED_UNIT = re.compile(r"^(本|我)?(县|区|市|旗)?")
_OTHER_GOVERNMENT = re.compile(r"^(.{1,8}?(?:自治县|自治旗|县|区|市|旗))(?=(?:人民)?政府)")
_STRIP_SUFFIXES = ("市", "地区", "自治州", "盟", "省", "自治区", "特别行政区")
# A unified social credit code (18 chars; characters 3–8 are the registering division) or a
# division code at the start of a 索引号, followed by a separator.
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}(\d{6})[0-9A-HJ-NPQRTUWXY]{10}(?:[-/_.]|$)")
_CODE_PREFIX = re.compile(r"^(\d{6})[-/_.]")


@dataclass(frozen=True)
class IssuerMatch:
    issuer: str
    issuer_id: str
    issuer_level: str
    region_code: str | None
    match_method: str
    evidence: str = ""


@dataclass(frozen=True)
class SourceEntry:
    """A registry entry as the loader sees it (archive table registry_sources or the registry)."""

    source_id: str
    name: str
    code: str
    province: str | None = None
    prefecture: str | None = None
    government: str | None = None
    hosts: tuple[str, ...] = ()

    @classmethod
    def from_source(cls, s) -> SourceEntry:  # ingest.crawl.registry.Source
        return cls(s.id, s.name, s.code, s.province, s.prefecture, s.government,
                   hosts(s.base_url, s.extra_domains))


@dataclass(frozen=True)
class Alias:
    alias: str
    region_code: str
    stands_for: str
    reason: str


def normalise_issuer(name: str | None) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", name or ""))


def hosts(base_url: str | None, extra: tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    hosts = [urlsplit(base_url).hostname or ""] if base_url else []
    hosts += [d.strip().lower() for d in extra or []]
    return tuple(h.lower().removeprefix("www.") for h in hosts if h)


# ---- reference data -------------------------------------------------------------------------

@functools.cache
def aliases() -> tuple[Alias, ...]:
    out = []
    with ALIASES_FILE.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            alias = normalise_issuer(row["alias"])
            code = row["region_code"].strip()
            if code not in regions.by_code():
                raise ValueError(f"{ALIASES_FILE.name}: {alias} → {code} is not a county-level code")
            if not row.get("reason", "").strip() or not row.get("evidence", "").strip():
                raise ValueError(f"{ALIASES_FILE.name}: {alias} needs a reason and evidence")
            out.append(Alias(alias, code, row["stands_for"].strip(), row["reason"].strip()))
    return tuple(out)


def rules_fingerprint(sources: dict[str, SourceEntry] | None = None) -> str:
    """Changes when anything identity depends on changes (rules, dataset, aliases, sources)."""
    h = hashlib.sha256()
    h.update(IDENTITY_RULES_VERSION.encode())
    h.update(regions.dataset_version().encode())
    h.update(ALIASES_FILE.read_bytes())
    for sid in sorted(sources or {}):
        h.update(repr(sources[sid]).encode("utf-8"))
    return h.hexdigest()[:16]


@functools.cache
def _name_index() -> dict[str, tuple[tuple[regions.Region, ...], Alias | None]]:
    index: dict[str, list[regions.Region]] = {}
    for r in regions.all_units():
        index.setdefault(r.name, []).append(r)
    out = {k: (tuple(v), None) for k, v in index.items()}
    for a in aliases():
        out[a.alias] = ((regions.by_code()[a.region_code],), a)
    return out


@functools.cache
def _max_name_len() -> int:
    return max(len(k) for k in _name_index())


@functools.cache
def _upper_names() -> tuple[dict[str, str], dict[str, str]]:
    """Prefecture and province names (with their short forms) → code."""
    pref, prov = {}, {}
    for r in regions.all_units():
        if r.prefecture_name != regions.DIRECT_GROUP_NAME and r.prefecture_type_zh != "直辖市":
            for n in _short_forms(r.prefecture_name):
                pref.setdefault(n, r.prefecture_code)
        for n in _short_forms(r.province_name):
            prov.setdefault(n, r.province_code)
    return pref, prov


@functools.cache
def _upper_sorted() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Prefecture names, province names, and both, longest first (prefix matching)."""
    pref, prov = _upper_names()
    by_len = lambda names: tuple(sorted(names, key=len, reverse=True))  # noqa: E731
    return by_len(pref), by_len(prov), by_len({*pref, *prov})


def _short_forms(name: str) -> set[str]:
    names = {name}
    for suffix in _STRIP_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            names.add(name[: -len(suffix)])
    return names


def _occurrences(text: str):
    """Every (start, end, candidates, alias) where a county-level name or an alias occurs,
    longest first per start, dropping occurrences nested inside a longer one (城区 in 新城区)."""
    index, longest = _name_index(), _max_name_len()
    found = []
    for i in range(len(text)):
        for j in range(min(len(text), i + longest), i + 1, -1):
            hit = index.get(text[i:j])
            if hit:
                found.append((i, j, *hit))
                break
    found = [f for f in found if not any(g[0] <= f[0] and f[1] <= g[1] and g != f for g in found)]
    # 示范县 is not 范县: a name preceded by one or two characters that are no place name is the
    # tail of a longer name the dataset lacks (a fictional, retired or misspelt unit), never a match
    return [f for f in found if _free_prefix(text[:f[0]])]


_ORG_PREFIXES = ("中共", "中国", "国家")


def _free_prefix(prefix: str) -> bool:
    return (not prefix or len(prefix) >= 3 or prefix in _ORG_PREFIXES or _only_context(prefix))


def _context_names(r: regions.Region) -> list[str]:
    names = _short_forms(r.province_name) | _short_forms(r.prefecture_name)
    names.discard(regions.DIRECT_GROUP_NAME)
    return [n for n in names if n]


def _pick(text: str, start: int, cands: tuple[regions.Region, ...],
          source: SourceEntry | None = None) -> tuple[regions.Region | None, str]:
    if len(cands) == 1:
        return cands[0], "name"
    prefix = text[:start]
    hits = [r for r in cands if any(n in prefix for n in _context_names(r))]
    if len(hits) == 1:
        return hits[0], "name+context"
    if source is not None:  # the source's province and prefecture as context
        ctx = " ".join(filter(None, (source.province, source.prefecture)))
        hits = [r for r in (hits or cands) if r.code == source.code
                or (r.prefecture_name in ctx and r.province_name in ctx)]
        if len(hits) == 1:
            return hits[0], "name+context"
    return None, "ambiguous"


# ---- the type of issuer -----------------------------------------------------------------------

def _only_context(prefix: str) -> bool:
    """The text before a county name is only province/prefecture names (陕西省安康市)."""
    names = _upper_sorted()[2]
    while prefix:
        n = next((n for n in names if prefix.startswith(n)), None)
        if n is None:
            return False
        prefix = prefix[len(n):]
    return True


def _level(rest: str, alias: Alias | None = None) -> tuple[str, str]:
    if alias is not None and alias.stands_for == "county_government" and _ZONE_GOVERNMENT.match(rest):
        return "county_government", ""
    if rest == "" or _GOVERNMENT.match(rest):
        return "county_government", ""
    if _OFFICE.match(rest):
        return "general_office", ""
    m = _TOWNSHIP.match(rest)
    if m:
        return "township", m.group(1)
    if _AREA.search(rest):
        return "area_office", rest
    return "department", rest


@functools.cache
def _full_upper_names() -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(full name, code) of prefectures and provinces, longest first. Only full names decide
    that an issuer is an upper body: 江苏路街道 (上海) or 安康路社区 are not 江苏 or 安康 bodies."""
    pref, prov = {}, {}
    for r in regions.all_units():
        if r.prefecture_name != regions.DIRECT_GROUP_NAME and r.prefecture_type_zh != "直辖市":
            pref.setdefault(r.prefecture_name, r.prefecture_code)
        prov.setdefault(r.province_name, r.province_code)
    by_len = lambda d: tuple(sorted(d.items(), key=lambda kv: len(kv[0]), reverse=True))  # noqa: E731
    return by_len(pref), by_len(prov)


def _upper_body(name: str) -> tuple[str, str] | None:
    """A prefecture or province body (安康市人民政府, 陕西省统计局): its level and id part."""
    pref, prov = _full_upper_names()
    rest = name
    prov_code = None
    for n, code in prov:
        if rest.startswith(n):
            prov_code, rest = code, rest[len(n):]
            break
    for n, code in pref:
        if rest.startswith(n):
            return "prefecture_body", f"{code}:{rest[len(n):] or 'government'}"
    if prov_code:
        return "province_body", f"{prov_code}:{rest or 'government'}"
    return None


def _build(name: str, region: regions.Region, end: int, method: str, evidence: str,
           alias: Alias | None = None) -> IssuerMatch:
    level, tail = _level(name[end:], alias)
    issuer_id = f"{region.code}:{level}" + (f":{tail}" if tail else "")
    return IssuerMatch(name, issuer_id, level, region.code, method, evidence)


def _unknown(name: str, method: str, evidence: str, level: str = "other", uid: str | None = None) -> IssuerMatch:
    return IssuerMatch(name, uid or f"unmatched:{name or '?'}", level, None, method, evidence)


# ---- name only (kept for callers without a source) ------------------------------------------

def classify_issuer(issuer: str | None, hint: str | None = None) -> IssuerMatch:
    """Map one issuer name to its region and level by name evidence only (dataset, aliases);
    `hint` is another name for the same body (the archive's issuer)."""
    return identify(issuer, hint)


# ---- every piece of evidence ------------------------------------------------------------------

def identify(issuer: str | None, archive_issuer: str | None = None, *, source: SourceEntry | None = None,
             index_no: str | None = None, url: str | None = None,
             sources: dict[str, SourceEntry] | None = None) -> IssuerMatch:
    """Classify one report's issuer and assign its county-level unit (see the module doc)."""
    name = normalise_issuer(issuer or archive_issuer)
    hint = normalise_issuer(archive_issuer) if archive_issuer and issuer else ""
    occ = _occurrences(name)
    # 1. the registry source that fetched it
    if source is not None:
        region = regions.by_code().get(source.code)
        src = f"source {source.source_id} ({source.code} {source.name}, {source.government or ''})"
        if region is None:
            pass  # a code the dataset does not know (retired): fall through to the name
        elif name and name in {normalise_issuer(source.government), normalise_issuer(source.name)}:
            return IssuerMatch(name, f"{region.code}:county_government", "county_government", region.code,
                               "source", f"{src}: the issuer is the source's government")
        elif occ and (occ[0][0] == 0 or _only_context(name[:occ[0][0]])):
            start, end, cands, alias = occ[0]
            picked, how = _pick(name, start, cands, source)
            if picked is not None and picked.code != source.code:
                # a unit the issuer names outright beats where the file was found (a mirror, a
                # neighbour's report reposted): never file it under either without a reviewer
                return _unknown(name, "conflict",
                                f"{src}, but the issuer names {picked.name} ({picked.code})")
            if picked is None:
                # 城区, 鼓楼区 …: a name of several units, none the source's; the source decides
                return _build(name, region, 0, "source",
                              f"{src}; the issuer's {name[start:end]} is not a unit of its own here")
            via = f"alias {alias.alias}" if alias else f"name {name[start:end]}"
            return _build(name, region, end, "source", f"{src}; the issuer's {via} agrees", alias)
        else:
            upper = _upper_body(name)
            short = re.sub(r"(自治县|自治旗|县|区|市|旗)$", "", source.name)
            if upper is not None and len(short) >= 2 and short in name[2:]:
                # 安康市生态环境局汉阴分局: a prefecture body's branch in this county is one of its bodies
                return _build(name, region, 0, "source",
                              f"{src}; the issuer is a branch in {short} of a prefecture or province body")
            if upper is not None:
                level, part = upper
                return _unknown(name, level, f"{src}, but the issuer is a {level.replace('_', ' ')}",
                                level, f"{level.split('_')[0]}:{part}")
            renamed = _OTHER_GOVERNMENT.match(name)
            if renamed:  # 洪泽县人民政府 after it became 洪泽区: a government the dataset has no name for
                return _build(name, region, len(renamed.group(1)), "source",
                              f"{src}; the issuer {renamed.group(1)} is a name the dataset lacks")
            end = len(_IMPLIED_UNIT.match(name).group(0)) if name else 0
            return _build(name, region, end, "source", f"{src}; the issuer names no other place")
    # 2./3. the issuer name against the dataset and the aliases
    if occ:
        start, end, cands, alias = occ[0]
        picked, how = _pick(name, start, cands)
        if picked is not None:
            how = "alias" if alias else how
            why = (f"alias {alias.alias} → {picked.code} ({alias.reason})" if alias
                   else f"name {name[start:end]} → {picked.code} {picked.province_name}{picked.prefecture_name}")
            return _build(name, picked, end, how, why, alias)
        if hint:
            m = identify(hint)
            if m.region_code in {c.code for c in cands}:
                return _build(name, regions.by_code()[m.region_code], end, "hint",
                              f"{name[start:end]} is ambiguous; the archive's issuer {hint} settles it")
        ambiguous = _unknown(name, "ambiguous", f"{name[start:end]} names {len(cands)} county-level units "
                                               f"({', '.join(c.code for c in cands)}) and nothing settles which")
    else:
        ambiguous = None
    if hint:
        m = identify(hint)
        if m.region_code:
            region = regions.by_code()[m.region_code]
            end = (name.find(region.name) + len(region.name)) if region.name in name \
                else len(_IMPLIED_UNIT.match(name).group(0))
            return _build(name, region, end, "hint", f"the archive's issuer {hint}: {m.evidence}")
    # 4. the 索引号 prefix, the URL host
    code = _code_from_index(index_no)
    if code:
        end = len(_IMPLIED_UNIT.match(name).group(0)) if not occ else occ[0][1]
        return _build(name, regions.by_code()[code], end, "index_no",
                      f"索引号 {index_no} begins with division code {code}")
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.") if url else ""
    if host and sources:
        owners = [s for s in sources.values() if host in s.hosts and s.code in regions.by_code()]
        if len({s.code for s in owners}) == 1:
            s = owners[0]
            end = len(_IMPLIED_UNIT.match(name).group(0)) if not occ else occ[0][1]
            return _build(name, regions.by_code()[s.code], end, "url_host",
                          f"URL host {host} is the site of source {s.source_id} ({s.code} {s.name})")
    if ambiguous is not None:
        return ambiguous
    upper = _upper_body(name)
    if upper is not None:
        level, part = upper
        return _unknown(name, level, f"{name} is a {level.replace('_', ' ')}, not of a county-level unit",
                        level, f"{level.split('_')[0]}:{part}")
    return _unknown(name, "unmatched", "no source, county-level name, alias, 索引号 code or known host"
                    if name else "the report names no issuer and has no source")


def _code_from_index(index_no: str | None) -> str | None:
    text = normalise_issuer(index_no).upper()
    for rx in (_USCC, _CODE_PREFIX):
        m = rx.match(text)
        if m and m.group(1) in regions.by_code():
            return m.group(1)
    return None
