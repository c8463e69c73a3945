"""`python -m ingest registry …`: grow the registry from portals, check its entries (docs/registry.md).

    python -m ingest registry discover https://www.fujian.gov.cn/ --recursive > fujian.yaml
    python -m ingest registry discover https://www.ankang.gov.cn/          # one prefecture
    python -m ingest registry add --from fujian.yaml                      # reviewed proposals
    python -m ingest registry add --from $DATA_DIR/registry/discovered.yaml   # promote strong ones
    python -m ingest registry add --name 石泉县 --url https://www.shiquan.gov.cn/
    python -m ingest registry check --all [--max-requests N] [--skip-checked-within 24]

`discover` walks a provincial or prefecture portal (portals.py): every link it sees is proposed
as a county-level unit's portal or listed with its reason; each proposal's identity is judged
from the portal's own SiteIDCode / SiteName / footer 网站标识码 / ICP line. Strong proposals are
saved to DATA_DIR/registry/discovered.yaml (the next crawl uses them); all are printed as YAML
for review. Polite (robots.txt, per-host delay), resumable (a state file of the pages read),
with progress on stderr and an optional request budget; private and loopback targets are
refused unless allowed (netguard.py).

`add` writes entries into the registry (the unit's province file of the shipped directory, or the
given file) after the same checks as loading it, replacing the unit's `portal: unknown` line;
comments and the rest of the file are kept byte for byte. Added entries are `confirmed: false`.

`check` fetches each entry page (politely, robots.txt obeyed) and records in the entry's file
`confirmed` (true when the page answered, names the county or its government and its SiteIDCode /
SiteName do not point elsewhere), `checked_at` and `evidence` (what it saw, and the report
columns a crawl remembered there), a batch of 20 at a time, with progress and a request budget.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

from ingest.crawl import portals
from ingest.crawl import registry as reg
from ingest.crawl.domains import is_ip, politeness_key, site_of
from ingest.crawl.fetcher import DEFAULT_USER_AGENT, Fetcher, FetchConfig, Request
from ingest.crawl.netguard import PrivateGuard
from ingest.decode import decode_bytes
from ingest.errors import UserError



def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="registry_command", metavar="ACTION")
    disc = sub.add_parser("discover", help="propose entries for the county sites a prefecture's or province's portal links")
    disc.add_argument("url", help="the prefecture's or province's portal (its home page or 网站群 page)")
    disc.add_argument("--registry", metavar="FILE", help="skip units already in this registry (default: the shipped one)")
    disc.add_argument("--json", action="store_true", help="print proposals and rejections as JSON")
    disc.add_argument("--recursive", action="store_true",
                      help="from a province's portal, walk each prefecture's portal to its county-level portals")
    disc.add_argument("--state", metavar="FILE", help="pages read so far, to resume a stopped walk "
                      "(default DATA_DIR/registry/discover-HOST.jsonl)")
    disc.add_argument("--fresh", action="store_true", help="forget the pages of an earlier walk; read everything again")
    disc.add_argument("--max-requests", type=int, metavar="N", help="stop after N HTTP requests (resume by running again)")
    disc.add_argument("--no-save", dest="save", action="store_false",
                      help="do not save strong discoveries to DATA_DIR/registry/discovered.yaml")
    disc.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
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
    check.add_argument("--all", action="store_true", help="every entry (the default when no --source is given)")
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    check.add_argument("--max-requests", type=int, metavar="N", help="stop after about N HTTP requests; "
                       "what was checked is recorded, the rest waits for the next run")
    check.add_argument("--skip-checked-within", type=float, default=0, metavar="HOURS",
                       help="skip entries checked in the last HOURS (resume a stopped --all run with 24)")
    check.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    _fetch_options(check)


def _fetch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--delay", type=float, default=1.0, metavar="S", help="seconds between requests to one host")
    p.add_argument("--timeout", type=float, default=15.0, metavar="S", help="read timeout per request")
    p.add_argument("--retries", type=int, default=1, metavar="N", help="retries after timeouts and 5xx")
    p.add_argument("--concurrency", type=int, default=8, metavar="N", help="requests in flight across hosts")
    p.add_argument("--allow-private", action="append", default=[], metavar="NET",
                   help="allow this private/loopback network or host (e.g. 127.0.0.0/8); repeatable")


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
    if args.delay < 0 or args.timeout <= 0 or args.retries < 0 or args.concurrency < 1:
        raise UserError("--delay must be ≥ 0, --timeout > 0, --retries ≥ 0, --concurrency ≥ 1")
    return FetchConfig(user_agent=DEFAULT_USER_AGENT, delay=args.delay, read_timeout=args.timeout,
                       concurrency=args.concurrency,
                       connect_timeout=min(5.0, args.timeout), total_timeout=args.timeout * 4,
                       retries=args.retries, backoff=0.5, max_bytes=5 * 1024 * 1024)


# ---- discover --------------------------------------------------------------------------------
def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"not an http(s) URL: {url!r}")
    return url


def _guard(args, start: str | None, registry_path: str | None) -> PrivateGuard:
    """Private targets: only the start URL's host, the registry's own hosts and --allow-private."""
    urls = [start] if start else []
    try:
        registry = reg.load(registry_path)
        urls += [s.base_url for s in registry.sources]
    except UserError:
        pass
    try:
        if start:
            host = urlsplit(start).hostname or ""
            extra = [host] + list(args.allow_private or [])
        else:
            extra = list(args.allow_private or [])
        return PrivateGuard.for_urls(urls, extra)
    except ValueError as exc:
        raise UserError(f"--allow-private: {exc}") from None


def _state_path(args, url: str) -> Path | None:
    if args.state:
        return Path(args.state)
    from ingest.config import paths

    host = re.sub(r"[^A-Za-z0-9.-]", "_", urlsplit(url).netloc)
    return paths().data_dir / "registry" / f"discover-{host}{'-r' if args.recursive else ''}.jsonl"


def discover_cmd(args) -> int:
    url = _check_url(args.url)
    if args.max_requests is not None and args.max_requests < 1:
        raise UserError("--max-requests must be at least 1")
    config = replace(_config(args), guard=_guard(args, url, args.registry))
    known = _known(args.registry)
    taken = set(known["ids"])

    def slug(base, code):
        sid = _slug(base, code, taken)
        taken.add(sid)
        return sid
    state = _state_path(args, url)
    if args.fresh and state is not None:
        state.unlink(missing_ok=True)
    walk = portals.Walk(config, recursive=args.recursive, known=known, state=state, max_requests=args.max_requests,
                        progress=not args.quiet and not args.json, slug=slug)
    try:
        result = asyncio.run(walk.run(url))
    except portals.PortalUnreadable as exc:
        raise UserError(str(exc)) from None
    saved = _save_discovered([p for p in result.proposals if p.strength == "strong"]) if args.save else None
    if args.json:
        out = result.as_json()
        out["saved_to"] = str(saved) if saved else None
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"# proposed by `python -m ingest registry discover {url}{' --recursive' if args.recursive else ''}` on "
          f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}; region: {result.scope or 'not recognised'}")
    print(f"# {len(result.pages_read)} portal pages read, {result.requests} requests"
          f"{f' ({result.pages_from_state} pages from {state})' if result.pages_from_state else ''}, "
          f"{result.seconds:.1f} s")
    for pref in result.prefectures:
        print(f"# prefecture {pref['name']} {pref['url']}: {'walked' if pref.get('walked') else pref.get('why')}")
    if result.budget_spent:
        print("# the request budget (--max-requests) was spent: run the same command again to resume")
    if saved:
        print(f"# {sum(p.strength == 'strong' for p in result.proposals)} portal(s) with strong evidence saved to "
              f"{saved}: the next crawl uses them; `registry add --from {saved}` promotes them")
    print("# review the weak ones, then: python -m ingest registry add --from THIS_FILE")
    own = [r for r in result.not_proposed if r["why"] == "a page of the portal itself"]
    if own:  # navigation, news, services: one line (each is in --json)
        print(f"# not proposed: {len(own)} links to pages of the portals themselves (navigation, news, services)")
    for r in result.not_proposed:
        if r not in own:
            print(f"# not proposed: 「{r['text']}」 {r['url']}: {r['why']}")
    if result.proposals:
        print("sources:")
        print(entries_yaml(result.proposals), end="")
    else:
        print("# no county-level site found")
    return 0


def _save_discovered(found: list) -> Path | None:
    """Append strong proposals to DATA_DIR/registry/discovered.yaml (one per unit)."""
    if not found:
        return None
    path = reg.discovered_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.is_file() else (
        "# Portals `registry discover` found with strong evidence (SiteIDCode prefix and SiteName agree).\n"
        "# The crawl uses them beside the reviewed registry; `registry add --from` this file promotes them.\n"
        "version: 1\nsources:\n")
    have = reg.load(path, discovered=False) if path.is_file() else None
    codes = {s.code for s in have.sources} if have else set()
    ids = {s.id for s in have.sources} if have else set()
    fresh = [p for p in found if p.code not in codes and p.id not in ids]
    if not fresh:
        return path
    new = text + ("" if text.endswith("\n") else "\n") + entries_yaml(fresh)
    if path.is_file():
        _replace_checked(path, text, new)
    else:
        path.write_text(new, encoding="utf-8")
    return path


def _known(registry_path: str | None) -> dict[str, set[str]]:
    try:
        registry = reg.load(registry_path)
    except UserError:
        if registry_path:
            raise
        return {"ids": set(), "codes": set(), "hosts": set()}
    return {"ids": {s.id for s in registry.sources}, "codes": {s.code for s in registry.sources},
            "hosts": {politeness_key(s.base_url) for s in registry.sources}}


def _units():
    from ingest.data.regions import county_level_units

    return county_level_units()


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


def entries_yaml(entries: list) -> str:
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
    registry = reg.load(path, discovered=False)  # what is reviewed; discoveries are what add promotes
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
    if path.is_dir():
        targets = _add_to_directory(path, entries)
    else:
        text = path.read_text(encoding="utf-8")
        added = "".join(_entry_yaml(e) for e in entries)
        new = text + ("" if text.endswith("\n") else "\n") + added
        _replace_checked(path, text, new)
        targets = {e["id"]: path for e in entries}
    for e in entries:
        print(f"added {e['id']} ({e['name']} {e['code']}, {e['base_url']}) to {targets[e['id']]}, confirmed: false")
    if args.from_file and Path(args.from_file).resolve() == reg.discovered_path().resolve():
        _drop_from_file(Path(args.from_file), {e["code"] for e in entries})
        print(f"promoted: removed them from {args.from_file}")
    print("next: python -m ingest registry check --source ID, then a crawl")
    return 0


def _add_to_directory(path: Path, entries: list[dict]) -> dict[str, Path]:
    """Each entry into its province's file, replacing the unit's `portal: unknown` line."""
    targets = {}
    for e in entries:
        code = str(e["code"])
        files = sorted(path.glob(f"{code[:2]}-*.yaml"))
        if not files:
            raise UserError(f"no province file {code[:2]}-*.yaml in {path} for {e['name']} {code}")
        f = files[0]
        text = f.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        lines = [ln for ln in lines if not re.match(rf'^\s*-\s*\{{code:\s*"?{code}"?,', ln)]
        block = _entry_yaml(e)
        at = next((i for i, ln in enumerate(lines) if ln.startswith("unknown:")), len(lines))
        lines.insert(at, block)
        new = "".join(lines).replace("sources: []\n", "sources:\n", 1)
        _replace_checked(f, text, new)
        targets[e["id"]] = f
    return targets


def _drop_from_file(path: Path, codes: set[str]) -> None:
    """Remove the entries of these codes from a registry file (a promoted discovery)."""
    text = path.read_text(encoding="utf-8")
    parts = re.split(r"(?m)^(?=  - id: )", text)
    keep = [parts[0]] + [b for b in parts[1:] if not re.search(rf'(?m)^\s+code:\s*"?({"|".join(codes)})"?\s*$', b)]
    new = "".join(keep)
    if "  - id: " not in new:
        path.unlink()
        return
    _replace_checked(path, text, new)


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
    path = Path(args.registry) if args.registry else None
    registry = reg.load(path)
    sources = registry.select([v.strip() for x in args.source for v in x.split(",") if v.strip()])
    if args.skip_checked_within:
        cut = datetime.now(timezone.utc).timestamp() - args.skip_checked_within * 3600
        when = _checked_at(sources)
        sources = [s for s in sources if when.get(s.id, 0) < cut]
    if args.max_requests is not None and args.max_requests < 1:
        raise UserError("--max-requests must be at least 1")
    config = replace(_config(args), guard=_guard(args, None, args.registry))
    from ingest.config import paths
    from ingest.crawl.memory import ColumnMemory

    memory = ColumnMemory.of(paths())
    regions = portals.Regions()
    results, total, left = [], len(sources), list(sources)
    requests = 0
    while left:
        if args.max_requests is not None and requests >= args.max_requests:
            break
        size = 20 if args.max_requests is None else max(1, min(20, (args.max_requests - requests) // 2))
        batch, left = left[:size], left[size:]  # about two requests an entry: robots.txt and the page
        pages, used = _fetch_pages(config, [s.entry[0] for s in batch])
        requests += used
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        done = [_check_one(s, pages[s.entry[0]], memory, regions, now) for s in batch]
        results += done
        if not args.dry_run:
            _record(done, sources)
        if not args.quiet and not args.json:
            print(f"check: {len(results)} of {total} entries, {requests} requests", file=sys.stderr, flush=True)
    if not args.source and registry.portals and not left and (args.max_requests is None or requests < args.max_requests):
        results += _check_portals(config, registry.portals, regions, dry_run=args.dry_run)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for r in results:
            print(f"{r['source']}: {'confirmed' if r['confirmed'] else 'NOT confirmed'}: {r['evidence']}")
        if len(results) < total:
            print(f"the request budget was spent after {len(results)} of {total} entries; run again with "
                  "--skip-checked-within 24 to go on")
        if not args.dry_run and results:
            print(f"recorded in {', '.join(sorted({Path(s.file).name for s in sources if s.file}))}")
    return 0


def _check_portals(config: FetchConfig, found: tuple, regions, *, dry_run: bool) -> list[dict]:
    """The provincial portals: confirmed when the page answers and its SiteName or title names
    the government (福建省人民政府) or its province; recorded on the portal's own line."""
    pages, _ = _fetch_pages(config, [p.url for p in found])
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    out = []
    for p in found:
        got = pages[p.url]
        if isinstance(got, portals.Page):
            ok, evidence = False, f"portal failed: {got.error}"
        else:
            page, _ = got
            said = f"{page.site_name or ''} {page.title}"
            short = re.sub(r"人民政府$", "", p.name)
            ok = p.name in said or (len(short) >= 2 and short in said)
            evidence = (f"portal answered ({page.final}): " + (f"SiteName {page.site_name}" if page.site_name else
                                                                 f"title 「{page.title[:40]}」")
                        + ("" if ok else f", which does not name {p.name}"))
        out.append({"source": f"portal:{p.name}", "confirmed": ok, "checked_at": now, "evidence": evidence})
        if not dry_run and p.file:
            f = Path(p.file)
            text = f.read_text(encoding="utf-8")
            pattern = re.compile(rf'^(\s*-\s*\{{name:\s*{re.escape(p.name)},\s*url:\s*"?{re.escape(p.url)}"?,\s*confirmed:\s*)'
                                 r"(?:true|false)", re.M)
            new = pattern.sub(lambda m: m.group(1) + ("true" if ok else "false"), text, count=1)
            if new != text:
                _replace_checked(f, text, new)
    return out


def _checked_at(sources) -> dict[str, float]:
    """source id → when `registry check` last tried it (from the entries' files), as a timestamp."""
    out = {}
    for f in sorted({s.file for s in sources if s.file}):
        doc = yaml.load(Path(f).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        for e in (doc or {}).get("sources") or []:
            try:
                out[str(e["id"])] = datetime.fromisoformat(str(e["checked_at"])).timestamp()
            except (KeyError, TypeError, ValueError):
                continue
    return out


def _fetch_pages(config: FetchConfig, urls: list[str]) -> tuple[dict, int]:
    """url → Page (portals.read_page), and the requests it took."""
    count = [0]

    async def main():
        async with Fetcher(config, on_try=lambda t, body: count.__setitem__(0, count[0] + 1)) as fetcher:
            async def one(url):
                result = await fetcher.fetch(Request(url=url, purpose="list"))
                final = result.final.final_url or url
                if not result.ok or result.body is None:
                    return url, portals.Page(url, final, error=result.final.error or f"HTTP {result.final.status}")
                text = decode_bytes(result.body, result.final.content_type).text
                page = portals.read_page(url, final, text)
                page.title = page.title or ""
                page.links = []
                return url, (page, text)
            return dict(await asyncio.gather(*(one(u) for u in urls)))
    pages = asyncio.run(main())
    return pages, count[0]


def _check_one(s, got, memory, regions, now: str) -> dict:
    columns = memory.columns(s.id, s.entry, max_age_days=10_000)
    if isinstance(got, portals.Page):
        ok, evidence = False, f"entry page failed: {got.error} ({s.entry[0]})"
    else:
        page, text = got
        names = [s.name, s.government, re.sub(r"(?:自治县|自治旗|县|区|市|旗)$", "", s.name)]
        plain = portals.d.clean(portals.parse_html(text).text(separator=" "))
        named = next((n for n in names if len(n) >= 2 and n in plain), None)
        unit = regions.by_code.get(s.code)
        ident = portals.identity(regions, page, unit=unit) if unit else None
        ok = named is not None and (ident is None or ident.strength != "conflict")
        evidence = (f"entry page answered ({page.final}) and names {named}" if named
                    else f"entry page answered ({page.final}) but does not name {s.name}: another site?")
        if ident and ident.strength == "conflict":
            evidence += f"; conflicting evidence: {ident.conflict}"
        elif ident and ident.evidence:
            evidence += "; " + "; ".join(ident.evidence)
    if columns:
        evidence += f"; report columns found by a crawl: {', '.join(columns)}"
    return {"source": s.id, "confirmed": ok, "checked_at": now, "evidence": evidence}


def _record(results: list[dict], sources) -> None:
    """Write confirmed / checked_at / evidence into each entry's own file, keeping the rest."""
    files = {s.id: Path(s.file) for s in sources if s.file}
    for f in sorted(set(files.values())):
        text = f.read_text(encoding="utf-8")
        new = text
        for r in results:
            if files.get(r["source"]) == f:
                new = set_fields(new, r["source"], {"confirmed": "true" if r["confirmed"] else "false",
                                                   "checked_at": _q(r["checked_at"]), "evidence": _q(r["evidence"])})
        if new != text:
            _replace_checked(f, text, new)


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
