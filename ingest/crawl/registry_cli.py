"""`python -m ingest registry …`: grow the registry from portals, check its entries.

    python -m ingest registry discover https://www.ankang.gov.cn/         # propose entries
    python -m ingest registry discover URL > proposed.yaml                 # … to a file
    python -m ingest registry add --from proposed.yaml                    # append them, checked
    python -m ingest registry add --name 石泉县 --url https://www.shiquan.gov.cn/
    python -m ingest registry check [--source shiquan]                    # try each entry page

`discover` reads a prefecture's or province's portal: its own page and the link-block pages it
names (网站群, 县区政府, 政府网站 …, at most a few), and proposes an entry for every link whose
words name a county-level unit of that prefecture or province in the region dataset
(ingest/data/regions.py), with its code and the evidence (the anchor text and the page it was
on). Links naming a department, another region's unit, or two units at once are listed as not
proposed, with why. Nothing is written.

`add` appends entries to the registry file (default the shipped one) after the same checks as
loading it (schema, code ↔ name in the dataset) plus no duplicate id, code or site; comments
and the rest of the file are kept byte for byte. Added entries are `confirmed: false`.

`check` fetches each entry page (politely, robots.txt obeyed) and records in the file
`confirmed` (true when the page answered and names the county or its government),
`checked_at` and `evidence` (what it saw, and the report columns a crawl remembered there).
An entry that does not answer stays or becomes `confirmed: false`, with the reason.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

from ingest.crawl import discovery as d
from ingest.crawl import registry as reg
from ingest.crawl.adapters.base import anchors, parse_html
from ingest.crawl.domains import absolute, is_ip, site_of
from ingest.crawl.fetcher import DEFAULT_USER_AGENT, Fetcher, FetchConfig, Request
from ingest.decode import decode_bytes
from ingest.errors import UserError

MAX_BLOCK_PAGES = 4  # link-block pages (网站群, 县区政府 …) read beside the given page
_BLOCK_WORDS = re.compile(r"网站群|县区政府|区县政府|县市区|县\(市、区\)|县（市、区）|政府网站|县区网站|区县网站|站群|"
                          r"市县政府|县级政府|地方政府|市州政府|各县区")
_SUFFIXES = re.compile(r"(?:人民政府|政府门户网站|政府网站|门户网站|政府网|政府|官网|网站|网)$")


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="registry_command", metavar="ACTION")
    disc = sub.add_parser("discover", help="propose entries for the county sites a prefecture's or province's portal links")
    disc.add_argument("url", help="the prefecture's or province's portal (its home page or 网站群 page)")
    disc.add_argument("--registry", metavar="FILE", help="skip units already in this registry (default: the shipped one)")
    disc.add_argument("--json", action="store_true", help="print proposals and rejections as JSON")
    _fetch_options(disc)
    add = sub.add_parser("add", help="append checked entries to a registry file")
    add.add_argument("--registry", metavar="FILE", help="the registry to append to (default: the shipped one)")
    add.add_argument("--from", dest="from_file", metavar="FILE", help="entries as `registry discover` printed them")
    add.add_argument("--name", help="county-level unit, as the region dataset names it (石泉县)")
    add.add_argument("--url", help="the portal's home page")
    add.add_argument("--code", help="6-digit division code (default: looked up by --name)")
    add.add_argument("--id", dest="sid", help="slug (default: from the host name)")
    add.add_argument("--entry", default="/", help="where the crawl starts (default: the home page)")
    add.add_argument("--adapter", default="generic", help="platform family (default generic)")
    check = sub.add_parser("check", help="try each entry page and record confirmed / checked_at / evidence")
    check.add_argument("--registry", metavar="FILE", help="the registry to check (default: the shipped one)")
    check.add_argument("--source", metavar="ID", action="append", default=[], help="only this source (repeatable)")
    check.add_argument("--dry-run", action="store_true", help="print what would be recorded, change nothing")
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    _fetch_options(check)


def _fetch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--delay", type=float, default=1.0, metavar="S", help="seconds between requests to one host")
    p.add_argument("--timeout", type=float, default=15.0, metavar="S", help="read timeout per request")
    p.add_argument("--retries", type=int, default=1, metavar="N", help="retries after timeouts and 5xx")


def run(args) -> int:
    action = getattr(args, "registry_command", None)
    if action == "discover":
        return discover_cmd(args)
    if action == "add":
        return add_cmd(args)
    if action == "check":
        return check_cmd(args)
    raise UserError("registry: choose an action: discover URL | add | check")


# ---- fetching (the crawler's polite fetcher, nothing archived) -------------------------------
def _config(args) -> FetchConfig:
    if args.delay < 0 or args.timeout <= 0 or args.retries < 0:
        raise UserError("--delay must be ≥ 0, --timeout > 0, --retries ≥ 0")
    return FetchConfig(user_agent=DEFAULT_USER_AGENT, delay=args.delay, read_timeout=args.timeout,
                       connect_timeout=min(5.0, args.timeout), total_timeout=args.timeout * 4,
                       retries=args.retries, backoff=0.5, max_bytes=5 * 1024 * 1024)


async def _fetch_pages(fetcher: Fetcher, urls: list[str]) -> dict[str, tuple[str | None, str | None, str]]:
    """url → (decoded text or None, error or None, final URL)."""
    out = {}

    async def one(url):
        result = await fetcher.fetch(Request(url=url, purpose="list"))
        final = result.final.final_url or url
        if not result.ok or result.body is None:
            out[url] = (None, result.final.error or f"HTTP {result.final.status}", final)
        else:
            out[url] = (decode_bytes(result.body, result.final.content_type).text, None, final)
    await asyncio.gather(*(one(u) for u in urls))
    return out


def _fetch(config: FetchConfig, urls: list[str]):
    async def main():
        async with Fetcher(config) as fetcher:
            return await _fetch_pages(fetcher, urls)
    return asyncio.run(main())


def _portal_pages(config: FetchConfig, url: str):
    """The portal page, then the link-block pages it names (网站群, 县区政府 …) on its own site."""
    async def main():
        async with Fetcher(config) as fetcher:
            text, error, final = (await _fetch_pages(fetcher, [url]))[url]
            if text is None:
                raise UserError(f"cannot read {url}: {error}")
            blocks: list[str] = []
            for href, atext, title in anchors(parse_html(text)):
                target = absolute(final, href)
                if target and site_of(target) == site_of(final) and _BLOCK_WORDS.search(atext or title or "") \
                        and target not in blocks and target != final:
                    blocks.append(target)
            blocks = blocks[:MAX_BLOCK_PAGES]
            more = await _fetch_pages(fetcher, blocks) if blocks else {}
            return [(final, text)] + [(f, t) for t, _, f in more.values() if t], [final] + blocks
    return asyncio.run(main())


# ---- discover --------------------------------------------------------------------------------
@dataclass
class Proposal:
    id: str
    name: str
    code: str
    province: str
    prefecture: str
    base_url: str
    entry: str
    adapter: str
    confirmed: bool
    evidence: str


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"not an http(s) URL: {url!r}")
    return url


def discover_cmd(args) -> int:
    url = _check_url(args.url)
    pages, read = _portal_pages(_config(args), url)
    blocks = read[1:]
    known = _known(args.registry)
    proposals, rejected = propose(pages, known)
    if args.json:
        print(json.dumps({"portal": url, "block_pages": blocks,
                          "proposals": [asdict(p) for p in proposals], "not_proposed": rejected},
                         ensure_ascii=False, indent=2))
        return 0
    print(f"# proposed by `python -m ingest registry discover {url}` on "
          f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}")
    print(f"# pages read: {', '.join(read)}")
    print("# review, then: python -m ingest registry add --from THIS_FILE")
    for r in rejected:
        print(f"# not proposed: 「{r['text']}」 {r['url']}: {r['why']}")
    if proposals:
        print(entries_yaml(proposals), end="")
    else:
        print("# no county-level site found")
    return 0


def _known(registry_path: str | None) -> dict[str, set[str]]:
    try:
        registry = reg.load(registry_path)
    except UserError:
        if registry_path:
            raise
        return {"ids": set(), "codes": set(), "sites": set()}
    return {"ids": {s.id for s in registry.sources}, "codes": {s.code for s in registry.sources},
            "sites": {site_of(s.base_url) for s in registry.sources}}


def _units():
    from ingest.data.regions import county_level_units

    return county_level_units()


def _region_scope(texts: list[str]):
    """The prefecture (or province) whose portal this is, from its pages' titles."""
    units = _units()
    prefectures = {u.prefecture_name for u in units if u.prefecture_name != "省直辖县级行政区划"}
    provinces = {u.province_name for u in units}
    for text in texts:
        found = [p for p in prefectures if p in text]
        if found:
            name = max(found, key=len)
            return [u for u in units if u.prefecture_name == name], name
    for text in texts:
        short = {p: re.sub(r"(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$", "", p) for p in provinces}
        found = [p for p, s in short.items() if p in text or (len(s) >= 2 and f"{s}省" in text)]
        if found:
            name = max(found, key=len)
            return [u for u in units if u.province_name == name], name
    return list(units), None


def _unit_for(words: str, scope) -> tuple[object | None, str]:
    """The county-level unit an anchor names, or why none."""
    w = re.sub(r"\s+", "", d.clean(words))
    w = re.sub(r"^(?:中共)?", "", w)
    base = _SUFFIXES.sub("", w)
    if not base or len(base) > 12:
        return None, "not a government's name"
    exact = [u for u in scope if u.name == base]
    if len(exact) == 1:
        return exact[0], ""
    if len(exact) > 1:
        return None, f"ambiguous: {len(exact)} units named {base}"
    short = [u for u in scope if re.sub(r"(?:自治县|自治旗|县|区|市|旗)$", "", u.name) == base and len(base) >= 2]
    if len(short) == 1:
        return short[0], ""
    if len(short) > 1:
        return None, f"ambiguous: {', '.join(u.name for u in short)}"
    return None, "names no county-level unit of this region"


def _slug(url: str, code: str, taken: set[str]) -> str:
    host = (urlsplit(url).hostname or "").lower()
    labels = [x for x in host.split(".") if x not in ("www", "gov", "cn", "com", "net", "org")]
    sid = re.sub(r"[^a-z0-9_-]", "", labels[0]) if labels and not is_ip(host) else ""
    if not sid or not re.match(r"^[a-z0-9]", sid):
        sid = f"c{code}"
    out, n = sid, 2
    while out in taken:
        out, n = f"{sid}-{n}", n + 1
    return out


def propose(pages: list[tuple[str, str]], known: dict[str, set[str]]) -> tuple[list[Proposal], list[dict]]:
    """Entries for the county-level sites these pages link (pure: pages in, proposals out)."""
    titles = []
    for _, text in pages:
        node = parse_html(text).css_first("title")
        titles.append(d.clean(node.text()) if node is not None else "")
    scope, region = _region_scope(titles)
    portal_sites = {site_of(url) for url, _ in pages}
    proposals: list[Proposal] = []
    rejected: list[dict] = []
    seen_sites, seen_codes = set(), set()
    taken = set(known["ids"])
    for url, text in pages:
        for href, atext, title in anchors(parse_html(text)):
            target = absolute(url, href)
            words = atext or title
            if target is None or not words or site_of(target) in portal_sites:
                continue  # the portal's own pages are not county sites
            if not re.search(r"县|区|市|旗", words):
                continue  # 中国政府网, 12345 … are not candidates at all
            unit, why = _unit_for(words, scope)
            if unit is None:
                rejected.append({"text": words, "url": target, "why": why})
                continue
            site = site_of(target)
            if site in seen_sites or unit.code in seen_codes:
                continue
            seen_sites.add(site)
            seen_codes.add(unit.code)
            if unit.code in known["codes"] or site in known["sites"]:
                rejected.append({"text": words, "url": target, "why": f"already in the registry ({unit.code})"})
                continue
            parts = urlsplit(target)
            base = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
            sid = _slug(base, unit.code, taken)
            taken.add(sid)
            proposals.append(Proposal(
                id=sid, name=unit.name, code=unit.code, province=unit.province_name,
                prefecture=unit.prefecture_name, base_url=base, entry="/", adapter="generic", confirmed=False,
                evidence=f"linked as 「{words}」 from {url}" + (f" (portal of {region})" if region else "")))
    return proposals, rejected


def entries_yaml(entries: list[Proposal]) -> str:
    lines = []
    for p in entries:
        lines += [f"  - id: {p.id}", f"    name: {p.name}", f'    code: "{p.code}"', f"    province: {p.province}",
                  f"    prefecture: {p.prefecture}", f"    base_url: {p.base_url}", f"    entry: {_q(p.entry)}",
                  f"    adapter: {p.adapter}", f"    confirmed: {'true' if p.confirmed else 'false'}",
                  f"    evidence: {_q(p.evidence)}"]
    return "\n".join(lines) + "\n"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


# ---- add -------------------------------------------------------------------------------------
def add_cmd(args) -> int:
    path = Path(args.registry) if args.registry else reg.DEFAULT_REGISTRY
    registry = reg.load(path)
    if args.from_file:
        try:
            doc = yaml.safe_load(Path(args.from_file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise UserError(f"cannot read entries from {args.from_file}: {str(exc).splitlines()[0]}") from None
        items = doc.get("sources") if isinstance(doc, dict) else doc
        if not isinstance(items, list) or not items:
            raise UserError(f"{args.from_file}: no entries (a YAML list of registry entries, as discover prints)")
    else:
        if not args.name or not args.url:
            raise UserError("registry add: give --from FILE, or --name and --url")
        _check_url(args.url)
        code = args.code or _code_of(args.name)
        unit = {u.code: u for u in _units()}.get(code)
        if unit is None:
            raise UserError(f"code {code} is not a county-level unit of the region dataset")
        parts = urlsplit(args.url)
        base = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
        items = [{"id": args.sid or _slug(base, code, {s.id for s in registry.sources}), "name": args.name,
                  "code": code, "province": unit.province_name, "prefecture": unit.prefecture_name,
                  "base_url": base, "entry": args.entry, "adapter": args.adapter, "confirmed": False,
                  "evidence": "added by hand with `registry add`"}]
    entries = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise UserError(f"entry {i + 1} is not a mapping of fields")
        item = {**item, "confirmed": False}  # only `registry check` confirms
        source = reg.parse({"version": 1, "sources": [item]}, Path(args.from_file or "command line")).sources[0]
        clash = [s.id for s in registry.sources
                 if s.id == source.id or s.code == source.code or site_of(s.base_url) == site_of(source.base_url)]
        if clash:
            raise UserError(f"{source.id} ({source.name} {source.code}) is already in {path} as {clash[0]}")
        entries.append(item)
    text = path.read_text(encoding="utf-8")
    added = "".join(_entry_yaml(e) for e in entries)
    new = text + ("" if text.endswith("\n") else "\n") + added
    _replace_checked(path, text, new)
    for e in entries:
        print(f"added {e['id']} ({e['name']} {e['code']}, {e['base_url']}) to {path}, confirmed: false")
    print("next: python -m ingest registry check --source ID, then a crawl")
    return 0


def _code_of(name: str) -> str:
    found = [u for u in _units() if u.name == name]
    if len(found) != 1:
        raise UserError(f"{name}: {'no' if not found else len(found)} county-level unit(s) of that name in the "
                        "region dataset; give --code")
    return found[0].code


def _entry_yaml(e: dict) -> str:
    lines = [f"  - id: {e['id']}"]
    for key in ("name", "code", "province", "prefecture", "base_url", "entry", "adapter", "confirmed",
                "government", "tls_verify", "extra_domains", "options", "notes", "checked_at", "evidence"):
        if key not in e or key == "id":
            continue
        value = e[key]
        if key == "code":
            value = _q(str(value))
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, str):
            value = _q(value) if re.search(r"[:#\[\]{},&*!|>'\"%@`]|^\s|\s$", value) or not value else value
        else:
            value = json.dumps(value, ensure_ascii=False)
        lines.append(f"    {key}: {value}")
    return "\n".join(lines) + "\n"


def _replace_checked(path: Path, old: str, new: str) -> None:
    """Write `new` over `path` only if it still loads as a registry; else keep `old` untouched."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(new, encoding="utf-8")
    try:
        reg.load(tmp)
    except UserError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"not written, the result would not load: {exc}") from None
    os.replace(tmp, path)


# ---- check -----------------------------------------------------------------------------------
def check_cmd(args) -> int:
    path = Path(args.registry) if args.registry else reg.DEFAULT_REGISTRY
    registry = reg.load(path)
    sources = registry.select([v.strip() for x in args.source for v in x.split(",") if v.strip()])
    config = _config(args)
    urls = [s.entry[0] for s in sources]
    pages = _fetch(config, urls)
    from ingest.config import paths
    from ingest.crawl.memory import ColumnMemory

    memory = ColumnMemory.of(paths())
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results = []
    for s in sources:
        text, error, final = pages[s.entry[0]]
        columns = memory.columns(s.id, s.entry, max_age_days=10_000)
        if text is None:
            ok, evidence = False, f"entry page failed: {error} ({s.entry[0]})"
        else:
            names = [s.name, s.government, re.sub(r"(?:自治县|自治旗|县|区|市|旗)$", "", s.name)]
            plain = d.clean(parse_html(text).text(separator=" ")) if text else ""
            named = next((n for n in names if len(n) >= 2 and n in plain), None)
            ok = named is not None
            evidence = (f"entry page answered ({final}) and names {named}" if ok
                        else f"entry page answered ({final}) but does not name {s.name}: another site?")
        if columns:
            evidence += f"; report columns found by a crawl: {', '.join(columns)}"
        results.append({"source": s.id, "confirmed": ok, "checked_at": now, "evidence": evidence})
    if not args.dry_run:
        text = path.read_text(encoding="utf-8")
        new = text
        for r in results:
            new = set_fields(new, r["source"], {"confirmed": "true" if r["confirmed"] else "false",
                                               "checked_at": _q(r["checked_at"]), "evidence": _q(r["evidence"])})
        _replace_checked(path, text, new)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for r in results:
            print(f"{r['source']}: {'confirmed' if r['confirmed'] else 'NOT confirmed'}: {r['evidence']}")
        if not args.dry_run:
            print(f"recorded in {path}")
    return 0


def set_fields(text: str, source_id: str, values: dict[str, str]) -> str:
    """Set fields of one entry in a registry's text, keeping every other line as it is."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines)
                  if re.match(rf"^(\s*)-\s+id:\s*[\"']?{re.escape(source_id)}[\"']?\s*(?:#.*)?$", line)), None)
    if start is None:
        raise UserError(f"entry {source_id} not found as a `- id: {source_id}` line")
    indent = len(re.match(r"^(\s*)-", lines[start]).group(1)) + 2
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if line.strip() and not line.lstrip().startswith("#") and len(line) - len(line.lstrip()) < indent:
            break
        if re.match(r"^\s*-\s+id:", line):
            break
        end += 1
    block = lines[start:end]
    for key, value in values.items():
        pattern = re.compile(rf"^\s{{{indent}}}{key}:")
        at = next((i for i, line in enumerate(block) if pattern.match(line)), None)
        new_line = " " * indent + f"{key}: {value}\n"
        if at is not None:
            block[at] = new_line
        else:
            last = max(i for i, line in enumerate(block) if line.strip() and not line.lstrip().startswith("#"))
            if not block[last].endswith("\n"):
                block[last] += "\n"
            block.insert(last + 1, new_line)
    return "".join(lines[:start] + block + lines[end:])


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - `python -m ingest registry` is the door
    p = argparse.ArgumentParser(prog="python -m ingest registry")
    add_arguments(p)
    args = p.parse_args(argv)
    try:
        return run(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
