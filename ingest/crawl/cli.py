"""`python -m ingest crawl`: fetch the registry's annual reports into the raw archive.

    python -m ingest crawl                                # every source of the shipped registry
    python -m ingest crawl --source hanyin --source shiquan --delay 2
    python -m ingest crawl --registry my_counties.yaml --concurrency 4 --max-pages 200
    python -m ingest crawl --offline                      # fetch nothing: what the archive holds
    python -m ingest crawl --rediscover --search-budget 100   # search from the entry again
    python -m ingest crawl --budget 30m                   # stop cleanly after 30 minutes …
    python -m ingest crawl --budget 5000                  # … or 5,000 requests; rerun to continue

A crawl interrupted (killed, Ctrl-C, --budget spent) is continued by the next run: hosts done
are not crawled again in it, a half-done host continues from its frontier, robots.txt already
read is not asked again (DATA_DIR/crawl/resume.jsonl, resume.py); `--restart` starts afresh.

A source whose entry is a home page is searched best-first for its report columns (at most
--search-budget pages); the columns found are remembered in DATA_DIR/crawl/columns.json and
the next run starts there (searching again only when they stop answering).

Ends with a summary per source (pages fetched, new documents, unchanged, not reports,
failures with reasons and the first URL of each, robots.txt exclusions apart, and for a
source that yielded nothing the reason why). Unreachable portals are failures of their source, not of the run:
the exit status is 0 unless the input was bad (registry missing or invalid, unknown source).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sys
from dataclasses import replace

import duckdb

from ingest.config import paths
from ingest.crawl import registry as reg
from ingest.crawl.archive import Archive, new_run_id
from ingest.crawl.crawler import DEFAULT_MAX_PAGES, SEARCH_BUDGET, Budget, Crawl, Progress
from ingest.crawl.fetcher import DEFAULT_USER_AGENT, FetchConfig
from ingest.crawl.netguard import PrivateGuard
from ingest.crawl.memory import ColumnMemory
from ingest.crawl.resume import ResumeLog
from ingest.crawl.report import offline_rows, print_offline, print_summary, summary_json
from ingest.errors import PipelineError, UserError


def add_arguments(p: argparse.ArgumentParser) -> None:
    d = FetchConfig()
    p.add_argument("--registry", metavar="PATH", help="registry YAML file or directory (default: the shipped "
                   "ingest/sources/registry/ plus DATA_DIR/registry/discovered.yaml)")
    p.add_argument("--source", metavar="ID", action="append", default=[],
                   help="crawl only this source id (repeatable, or comma-separated)")
    p.add_argument("--offline", action="store_true", help="fetch nothing; report what the archive holds per source")
    p.add_argument("--delay", type=float, default=d.delay, metavar="S",
                   help=f"seconds between two requests to one host (default {d.delay:g})")
    p.add_argument("--concurrency", type=int, default=d.concurrency, metavar="N",
                   help=f"requests in flight across all hosts (default {d.concurrency})")
    p.add_argument("--max-pages", type=int, default=DEFAULT_MAX_PAGES, metavar="N",
                   help=f"at most N URLs fetched per source (default {DEFAULT_MAX_PAGES})")
    p.add_argument("--search-budget", type=int, default=SEARCH_BUDGET, metavar="N",
                   help=f"at most N pages per source spent searching for report columns (default {SEARCH_BUDGET})")
    p.add_argument("--rediscover", action="store_true",
                   help="ignore the remembered report columns and search from each entry again")
    p.add_argument("--connect-timeout", type=float, default=d.connect_timeout, metavar="S",
                   help=f"connect timeout; an unreachable host fails after this (default {d.connect_timeout:g})")
    p.add_argument("--timeout", type=float, default=d.read_timeout, metavar="S",
                   help=f"read timeout per request (default {d.read_timeout:g})")
    p.add_argument("--retries", type=int, default=d.retries, metavar="N",
                   help=f"retries after timeouts, 5xx and 429 (default {d.retries})")
    p.add_argument("--backoff", type=float, default=d.backoff, metavar="S",
                   help=f"first retry waits about S seconds, doubling (jittered) after (default {d.backoff:g})")
    p.add_argument("--max-retry-after", type=float, default=d.max_retry_after, metavar="S",
                   help=f"give up instead of honouring a longer Retry-After (default {d.max_retry_after:g})")
    p.add_argument("--max-bytes", type=int, default=d.max_bytes, metavar="N",
                   help=f"largest body accepted (default {d.max_bytes})")
    p.add_argument("--user-agent", default=DEFAULT_USER_AGENT, metavar="UA", help="User-Agent header")
    p.add_argument("--budget", metavar="N|Tm", help="stop cleanly after N requests, or after T minutes "
                   "(30m, 2h, 90s); the next run continues where this one stopped")
    p.add_argument("--restart", action="store_true",
                   help="do not continue an interrupted crawl: start every source from its entry")
    p.add_argument("--progress", action="store_true",
                   help="print the progress line every 30 s even when stderr is not a terminal")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")


def _source_ids(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def parse_budget(value: str | None) -> Budget:
    """--budget: a number of requests (5000) or a time (30m, 2h, 90s, 1.5h)."""
    if value is None:
        return Budget()
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hours?)?\s*", value)
    if not m or float(m.group(1)) <= 0:
        raise UserError(f"--budget must be a number of requests (5000) or a time (30m, 2h, 90s), got {value!r}")
    number, unit = float(m.group(1)), m.group(2)
    if unit is None:
        if not number.is_integer():
            raise UserError(f"--budget in requests must be a whole number, got {value!r}")
        return Budget(requests=int(number))
    return Budget(seconds=number * {"s": 1, "sec": 1, "m": 60, "min": 60}.get(unit, 3600))


def config_from(args) -> FetchConfig:
    checks = [("--delay", args.delay, 0), ("--concurrency", args.concurrency, 1), ("--max-pages", args.max_pages, 1),
              ("--search-budget", args.search_budget, 1),
              ("--connect-timeout", args.connect_timeout, 0.001), ("--timeout", args.timeout, 0.001),
              ("--retries", args.retries, 0), ("--backoff", args.backoff, 0),
              ("--max-retry-after", args.max_retry_after, 0), ("--max-bytes", args.max_bytes, 1)]
    for flag, value, low in checks:
        if value < low:
            raise UserError(f"{flag} must be at least {low:g}, got {value:g}")
    if not args.user_agent.isascii() or not args.user_agent.isprintable() or not args.user_agent.strip():
        raise UserError("--user-agent must be printable ASCII (HTTP headers cannot carry other text)")
    return FetchConfig(
        user_agent=args.user_agent, delay=args.delay, concurrency=args.concurrency,
        connect_timeout=args.connect_timeout, read_timeout=args.timeout,
        total_timeout=max(args.timeout * 4, args.timeout + args.connect_timeout),
        retries=args.retries, backoff=args.backoff, max_retry_after=args.max_retry_after,
        max_bytes=args.max_bytes)


def run(args) -> int:
    registry = reg.load(args.registry)
    sources = registry.select(_source_ids(args.source))
    # private / loopback targets only where the registry names them (netguard.py)
    config = replace(config_from(args), guard=PrivateGuard.for_urls(
        [s.base_url for s in sources] + [d for s in sources for d in s.extra_domains]))
    p = paths()

    if args.offline:
        # The registry is known without a network: record its entries, so coverage can say "in the
        # registry, not crawled yet" rather than "not in the registry" for a snapshot-only county.
        try:
            with Archive(p) as archive:
                archive.record_sources(sources, registry.path)
        except (OSError, UserError, PipelineError, duckdb.Error):
            pass  # an unwritable archive is reported by the stages that must write; this is metadata
        with Archive(p, read_only=True) as archive:
            rows = offline_rows(archive, sources)
        if args.json:
            print(json.dumps({"offline": True, "archive": str(p.archive_dir), "sources": rows},
                             ensure_ascii=False, indent=2))
        else:
            print_offline(rows, p.archive_dir)
        return 0

    budget = parse_budget(args.budget)
    run_id = new_run_id()
    options = {"registry": str(registry.path), "delay": config.delay, "concurrency": config.concurrency,
               "max_pages": args.max_pages, "user_agent": config.user_agent,
               "search_budget": args.search_budget, "rediscover": bool(args.rediscover)}
    show_bar = not args.quiet and (sys.stderr.isatty() or args.progress)
    with Archive(p) as archive:
        archive.record_sources(sources, registry.path)
        stale = archive.mark_interrupted_runs()
        if stale and not args.json:
            print(f"note: {stale} source run(s) of an earlier crawl were interrupted; resuming", file=sys.stderr)
        progress = Progress(show_bar)
        memory = ColumnMemory.of(p)
        if args.rediscover:
            for s in sources:
                memory.sources.pop(s.id, None)
        resume = ResumeLog.of(p)
        if resume.start(resume=not args.restart and not args.rediscover):
            done = sum(1 for s in sources if s.id in resume.done)
            half = sum(1 for s in sources if s.id in resume.walks)
            print(f"note: continuing an interrupted crawl: {done} of {len(sources)} source(s) done, "
                  f"{half} continue from their frontier", file=sys.stderr)
        crawl = Crawl(archive, sources, config, max_pages=args.max_pages, run_id=run_id,
                      options=options, progress=progress, search_budget=args.search_budget, memory=memory,
                      resume=resume, budget=budget)
        try:
            summaries = asyncio.run(_main(crawl))
        except asyncio.CancelledError:
            progress.close()
            print("interrupted: what was fetched so far is stored; run the crawl again to resume",
                  file=sys.stderr)
            return 143
        finally:
            progress.close()
    if args.json:
        print(json.dumps(summary_json(run_id, summaries, p.archive_dir), ensure_ascii=False, indent=2))
    else:
        print_summary(run_id, sources, summaries, p.archive_dir)
    return 0


async def _main(crawl: Crawl):
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    except (NotImplementedError, RuntimeError):  # not the main thread / platform without signals
        pass
    return await crawl.run()
