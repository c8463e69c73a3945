"""Crawl registry sources into the raw archive.

One task per source walks its frontier (entry lists → pagination / sub-columns / list APIs →
report detail pages → their attachments); the fetcher interleaves the sources politely. Every
HTTP try is recorded as it ends, with its body stored as a blob first, so a killed crawl
loses at most the request in flight and a rerun resumes: what was stored answers 304 (or the
same sha256) and is counted as unchanged, what was not is fetched again.

Which fetched things become document versions:
- a detail page whose title names a year's report *and* whose text carries the report
  inline (kind `page`);
- an attachment (PDF/DOC/DOCX/WPS/OFD) that a report page or list links under a report title,
  or any attachment of a page that only wraps a file (kind `attachment`, `parent_url` set).
A candidate that turns out to be something else (an error page served with 200, an empty
per-year module page) is counted as "not a report" and stays only in fetch_attempts + blobs.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import heapq
import itertools
import os
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ingest.crawl import discovery as d
from ingest.crawl.adapters import API, ATTACHMENT, DETAIL, LIST, Adapter, Link, for_source
from ingest.crawl.archive import Archive, Attempt, GroupCommitter, NewDocument, sha256_hex
from ingest.crawl.fetcher import Fetcher, FetchConfig, Request, Result, Try
from ingest.crawl.memory import ColumnMemory, now
from ingest.crawl.registry import Source
from ingest.crawl.resume import ResumeLog
from ingest.decode import decode_bytes

WORKERS_PER_SOURCE = 2  # requests per host stay serial: these only overlap storing with fetching
MAX_COLUMN_DEPTH = 3  # column → sub-column → year folder: deeper is wandering off
DEFAULT_MAX_PAGES = 1000
SEARCH_BUDGET = 60    # pages a source may spend looking for its report columns
MAX_SEARCH_DEPTH = 6  # hops from the entry while searching (首页 → 政务公开 → … → 年报 is 3–5)
DOC, COLUMN, SEARCH = 0, 1, 2  # request classes, served in this order (see SourceWalk)
SNAPSHOT_SECONDS = 1.0  # how often the frontiers that changed are written to resume.jsonl
MEMORY_SECONDS = 10     # … and columns.json
INLINE_SNIFF_BYTES = 1 << 20  # a text report page up to this size is sniffed on the event loop


@dataclass
class Budget:
    """`crawl --budget`: stop cleanly after this many requests or seconds (None: no limit)."""

    requests: int | None = None
    seconds: float | None = None

    def spent(self, requests: int, elapsed: float) -> str | None:
        if self.requests is not None and requests >= self.requests:
            return f"request budget of {self.requests} spent"
        if self.seconds is not None and elapsed >= self.seconds:
            return f"time budget of {self.seconds / 60:g} min spent"
        return None

# fetch_attempts.outcome
OUTCOMES = ("ok", "not_modified", "redirect", "retry", "failed", "skipped")


@dataclass
class SourceSummary:
    source_id: str
    requests: int = 0
    pages_fetched: int = 0          # URLs answered 200 or 304
    new_documents: int = 0
    unchanged: int = 0
    not_reports: int = 0
    failures: int = 0
    reasons: collections.Counter = field(default_factory=collections.Counter)
    formats: collections.Counter = field(default_factory=collections.Counter)  # ingest/parse/formats.py
    off_site_links: int = 0
    capped: bool = False            # stopped at max_pages
    status: str = "running"
    recorded: bool = False          # its crawl_runs row is final
    new_urls: list[str] = field(default_factory=list)
    robots_excluded: int = 0        # URLs robots.txt asked us not to fetch (not failures)
    robots_urls: list[str] = field(default_factory=list)
    reason_urls: dict[str, str] = field(default_factory=dict)  # reason → the first URL it hit
    search_pages: int = 0           # pages spent searching for the report columns
    search_exhausted: bool = False  # stopped searching at the budget
    columns: list[dict] = field(default_factory=list)  # where report links were found
    why: str | None = None          # why the source yielded no report
    notes: list[str] = field(default_factory=list)

    def fail(self, reason: str, url: str | None = None) -> None:
        self.failures += 1
        key = reason_key(reason)
        self.reasons[key] += 1
        if url:
            self.reason_urls.setdefault(key, url)


def reason_key(error: str) -> str:
    """Group failure messages into reasons (URLs and numbers vary, the reason does not)."""
    e = error or "unknown"
    while e.startswith("host unreachable: "):  # the reason is why the host is unreachable
        e = e[len("host unreachable: "):]
    if e.startswith("HTTP "):
        return e.split(":")[0]
    for prefix in ("redirect off site", "redirect loop", "too many redirects", "body too large",
                   "host unreachable", "DNS failure", "connection refused", "connect timeout",
                   "read timeout", "timeout", "TLS error", "connection broken", "disallowed by robots.txt",
                   "robots.txt unavailable", "network unreachable"):
        if e.startswith(prefix):
            return prefix
    return re.sub(r"\s+", " ", e)[:60]


class Crawl:
    """One crawl run over some sources into one archive."""

    def __init__(self, archive: Archive, sources: list[Source], config: FetchConfig, *,
                 max_pages: int = DEFAULT_MAX_PAGES, run_id: str, options: dict | None = None,
                 progress=None, search_budget: int = SEARCH_BUDGET, memory: ColumnMemory | None = None,
                 resume: ResumeLog | None = None, budget: Budget | None = None):
        self.archive = archive
        self.resume = resume    # where an interrupted crawl stands (None: no resuming)
        self.budget = budget or Budget()
        self.stopping: str | None = None  # why the run stops early (the budget)
        self.walks: dict[str, SourceWalk] = {}
        self.dirty: set[str] = set()       # walks changed since their last snapshot
        self.finished_sources = 0
        # at most one request's progress per host is lost to a kill: a frontier is written at
        # once when its last snapshot is older than the politeness delay (capped at a second)
        self.snapshot_every = min(SNAPSHOT_SECONDS, max(config.delay, 0.01))
        self._finishing: list[tuple] = []  # sources ended, waiting for their crawl_runs update
        self.sources = sources
        self.config = config
        self.max_pages = max_pages
        self.search_budget = search_budget
        self.memory = memory  # remembered columns; None: always search from the entry
        self.run_id = run_id
        self.options = options or {}
        self.progress = progress
        self.validators = archive.validators()
        # a 304 carries no Content-Type: the one its stored 200 answer had stands for it, so a
        # document first recorded from a 304 (a killed run's blob, recorded on the rerun) is
        # described exactly as an uninterrupted run would describe it
        self.content_types: dict[tuple[str, str], str] = _stored_content_types(archive)
        self.summaries: dict[str, SourceSummary] = {s.id: SourceSummary(s.id) for s in sources}
        self._current: dict[str, SourceSummary] = {}

    # ---- recording -----------------------------------------------------------------------
    async def _on_try(self, t: Try, body: bytes | None) -> None:
        sha = None
        if t.not_modified:
            v = self.validators.get(t.url)
            sha = v[2] if v else None
        if t.retry:
            outcome = "retry"
        elif t.error and t.status is None and (t.error.startswith(("disallowed", "robots.txt", "host unreachable"))):
            outcome = "skipped"
        elif t.error:
            outcome = "failed"
        elif t.not_modified:
            outcome = "not_modified"
        elif t.status is not None and 300 <= t.status < 400:
            outcome = "redirect"
        else:
            outcome = "ok"
        summary = self.summaries.get(t.source_id or "")
        if summary is not None and t.elapsed_ms:
            summary.requests += 1
        attempt = Attempt(
            run_id=self.run_id, source_id=t.source_id, url=t.url, method=t.method, purpose=t.purpose,
            try_no=t.try_no, outcome=outcome, started_at=t.started_at, final_url=t.final_url,
            status=t.status, error=t.error, bytes=t.bytes, sha256=sha, content_type=t.content_type,
            elapsed_ms=t.elapsed_ms, etag=t.etag, last_modified=t.last_modified,
            not_modified=t.not_modified, conditional=t.conditional, tls_verify=t.tls_verify)
        if body is not None:  # blob first (fsync'd, renamed), then the row that names it: one hop
            sha = t.sha256 = await self.writer.record_blob(attempt, body)
        else:
            await self.writer.record(attempt)
        if body is not None and t.status == 200 and t.method == "GET":
            self.validators[t.url] = (t.etag, t.last_modified, sha)
            if t.content_type:
                self.content_types[(t.url, sha)] = t.content_type

    def _stored_body(self, sha256: str) -> bytes | None:
        return self.archive.read_blob(sha256) if self.archive.has_blob(sha256) else None

    # ---- the run -------------------------------------------------------------------------
    async def run(self) -> dict[str, SourceSummary]:
        done = self.resume.done if self.resume is not None else {}
        todo = [s for s in self.sources if s.id not in done]
        for s in self.sources:
            if s.id in done:  # finished earlier in this crawl: not redone until the next crawl
                summary = self.summaries[s.id]
                summary.status, summary.recorded = "done", True
                summary.notes.append(f"done earlier in this crawl (run {done[s.id].get('run_id')})")
        if self.memory is not None:
            self.memory.autosave = False  # saved every few seconds, not rewritten per source
        # what exists before the crawl (imports, the registry, caches) is never garbage: the
        # collector need not walk it again and again as the frontiers of thousands of hosts churn
        gc.freeze()
        thresholds = gc.get_threshold()
        gc.set_threshold(100_000, 50, 1000)
        self.archive.start_runs(self.run_id, {s.id: {**self.options, "adapter": s.adapter, "entry": list(s.entry)}
                                              for s in todo})
        # rows wait at most a quarter of the politeness delay for their commit (none without one)
        self.writer = GroupCommitter(self.archive, interval=min(1.0, self.config.delay / 4))
        self.started = time.monotonic()
        self.todo = len(todo)
        tasks: list[asyncio.Task] = []
        ticker = None
        try:
            async with Fetcher(self.config, self._on_try, validators=self.validators,
                               stored_body=self._stored_body,
                               robots=self.resume.robots if self.resume is not None else None,
                               on_robots=self.resume.learned_robots if self.resume is not None else None) as fetcher:
                self.fetcher = fetcher
                tasks = [asyncio.create_task(self._source(s)) for s in todo]
                ticker = asyncio.create_task(self._tick(tasks))
                try:
                    if tasks:
                        await asyncio.wait(tasks)  # a budget stop cancels them: not an error
                    for task in tasks:
                        if not task.cancelled() and task.exception() is not None:
                            raise task.exception()
                except BaseException:
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
                    raise
        finally:
            if ticker is not None:
                ticker.cancel()
            self.writer.close()  # drains what is queued: every answered row is committed
            for s in todo:
                summary = self.summaries[s.id]
                if not summary.recorded:
                    if summary.status == "running":
                        summary.status = "interrupted"
                        if self.stopping:
                            summary.notes.append(f"{self.stopping}: the next run continues from its frontier")
                    self._finish(s, summary)
            self._snapshot()
            if self.memory is not None and self.memory.dirty:
                self.memory.save()
            if self.resume is not None:
                self.resume.close(finished=all(self.summaries[s.id].status in ("complete", "failed") for s in todo))
            if self.progress is not None:
                self.progress.draw(self, final=True)
            gc.set_threshold(*thresholds)
            gc.unfreeze()
        return self.summaries

    async def _tick(self, tasks: list[asyncio.Task]) -> None:
        """Every second: the budget, the progress line; every few seconds: frontiers, memory."""
        last = time.monotonic()
        while True:
            await asyncio.sleep(1.0)
            if not self.stopping:
                self.stopping = self.budget.spent(self.fetcher.requests_sent, time.monotonic() - self.started)
                if self.stopping:
                    for task in tasks:
                        task.cancel()  # what is in flight is re-queued in the snapshot
            if self.progress is not None:
                self.progress.draw(self)
            if time.monotonic() - last >= SNAPSHOT_SECONDS:
                last = time.monotonic()
                self._snapshot(memory=(int(last) % MEMORY_SECONDS) < SNAPSHOT_SECONDS)

    def changed(self, walk: SourceWalk) -> None:
        """A walk's frontier moved: written at once when its last snapshot is older than
        SNAPSHOT_SECONDS (so its first page is never lost), else by the next tick."""
        now_ = time.monotonic()
        if self.resume is not None and now_ - walk.saved_at >= self.snapshot_every:
            walk.saved_at = now_
            self.dirty.discard(walk.source.id)
            self.resume.save_walks({walk.source.id: walk.snapshot()})
        else:
            self.dirty.add(walk.source.id)

    def _snapshot(self, memory: bool = True) -> None:
        """Write the frontiers that changed (resume.jsonl) and, every MEMORY_SECONDS, the
        remembered columns (one file of every source: a source's finish is in resume.jsonl)."""
        if self.resume is not None and self.dirty:
            dirty, self.dirty = self.dirty, set()
            states = {sid: self.walks[sid].snapshot() for sid in dirty if sid in self.walks}
            for sid in states:
                self.walks[sid].saved_at = time.monotonic()
            self.resume.save_walks(states)
        if memory and self.memory is not None and self.memory.dirty:
            self.memory.save()

    def _finish(self, source: Source, summary: SourceSummary) -> None:
        self._finish_many([(source, summary)])

    def _finish_many(self, items: list[tuple[Source, SourceSummary]]) -> None:
        self.archive.finish_runs(self.run_id, [dict(
            source_id=source.id, status=summary.status, requests=summary.requests,
            pages_fetched=summary.pages_fetched, new_documents=summary.new_documents,
            unchanged=summary.unchanged, not_reports=summary.not_reports, failures=summary.failures,
            failure_reasons=dict(summary.reasons), formats=dict(summary.formats), summary=host_summary(summary))
            for source, summary in items])
        for _, summary in items:
            summary.recorded = True

    async def _finish_soon(self, source: Source, summary: SourceSummary) -> None:
        """Record a source's end with the others ending about now (one update for all)."""
        future = asyncio.get_running_loop().create_future()
        self._finishing.append((source, summary, future))
        if len(self._finishing) == 1:
            asyncio.get_running_loop().call_later(0.5, lambda: asyncio.ensure_future(self._flush_finishing()))
        await future

    async def _flush_finishing(self) -> None:
        batch, self._finishing = self._finishing, []
        try:
            await self.writer.call(self._finish_many, [(s, m) for s, m, _ in batch])
        except BaseException as exc:
            for _, _, f in batch:
                if not f.done():
                    f.set_exception(exc)
            return
        for _, _, f in batch:
            if not f.done():
                f.set_result(None)

    def _remember(self, source: Source, summary: SourceSummary, walk: SourceWalk) -> None:
        if self.memory is None:
            return
        found = summary.columns
        if walk.mode == "remembered" or summary.status != "complete":
            columns = None  # nothing new learnt: keep what was remembered (and when it was found)
        elif found:
            columns = [{**c, "found_at": now(), "run_id": self.run_id} for c in found]
        else:
            columns = []    # searched (again) and found nothing: forget dead columns
        self.memory.remember(source.id, source.entry, columns, {
            "run_id": self.run_id, "finished_at": now(), "mode": walk.mode, "status": summary.status,
            "search_pages": summary.search_pages, "pages_fetched": summary.pages_fetched,
            "documents": summary.new_documents + summary.unchanged, "why": summary.why,
            "notes": summary.notes, "robots_excluded": summary.robots_excluded,
            "failure_urls": summary.reason_urls, "columns": [c["url"] for c in found]})

    async def _source(self, source: Source) -> None:
        summary = self.summaries[source.id]
        try:
            walk = SourceWalk(self, source, summary)
            self.walks[source.id] = walk
            await walk.run()
            summary.status = "complete" if summary.pages_fetched or not summary.failures else "failed"
            self._remember(source, summary, walk)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one broken source must not stop the others
            if os.environ.get("INGEST_DEBUG"):
                raise
            summary.status = "failed"
            summary.fail(f"crawler error: {type(exc).__name__}: {exc}")
        await self._finish_soon(source, summary)
        self.finished_sources += 1
        await self.fetcher.release(source.base_url)
        self.walks.pop(source.id, None)
        self.dirty.discard(source.id)
        if self.resume is not None:
            self.resume.finished(source.id, self.run_id, summary.status)


class SourceWalk:
    """The frontier of one source, walked best-first.

    Three kinds of request share one priority queue, served in this order:
    1. report candidates (detail pages, attachments) — what the crawl is for;
    2. column pages: pagination, list APIs, sub-columns (部门年报 / 乡镇年报 / year folders)
       of a page known to be a report column — bounded by MAX_COLUMN_DEPTH and max_pages;
    3. search pages: any same-site link, ranked by how strongly its words, the block around
       it and its URL point at the report column (discovery.column_score) — at most
       `search_budget` of them per source, at most MAX_SEARCH_DEPTH hops from the entry.
    A page is a column when it lists report links, when its <title> or breadcrumb names the
    column, or when the anchor that led to it did. Where reports were found is remembered
    (memory.py), and the next run starts from there instead of searching.
    """

    def __init__(self, crawl: Crawl, source: Source, summary: SourceSummary):
        self.crawl = crawl
        self.source = source
        self.summary = summary
        self.adapter: Adapter = for_source(source)
        self.scope = source.scope
        self.heap: list[tuple] = []
        self.order = itertools.count()
        self.queued: dict[tuple, tuple] = {}   # key → best (class, -priority) queued
        self.done: set[tuple] = set()
        self.archive = crawl.archive
        self.changed = asyncio.Event()  # set when the frontier grows or a worker finishes
        self.fetched = 0
        self.busy = 0
        self.budget = crawl.search_budget
        self.search_pages = 0
        self.parent: dict[str, str] = {}        # column page → the column page that linked it
        self.credit: collections.Counter = collections.Counter()  # page → report links found below it
        self.columns: dict[str, str] = {}       # pages with column evidence → their name
        self.candidates: dict[str, tuple[int, str, bool]] = {}  # search URL → (score, text, fetched)
        self.doc_links = 0                      # report links found on list pages
        self.doc_ok = 0
        self.doc_failed: collections.Counter = collections.Counter()
        self.doc_failed_url: dict[str, str] = {}
        self.entries_failed: list[tuple[str, str]] = []
        self.remembered_failed: list[tuple[str, str]] = []
        self.mode = "search"
        self.inflight: dict[tuple, tuple] = {}  # key → (class, -priority, link, context) being visited
        self.resumed = False
        self.saved_at = 0.0                     # monotonic time of its last snapshot

    # ---- resuming (resume.py) --------------------------------------------------------------
    _STATE = ("fetched", "search_pages", "mode", "parent", "columns", "doc_links", "doc_ok", "doc_failed_url",
              "entries_failed", "remembered_failed")
    _SUMMARY = ("pages_fetched", "new_documents", "unchanged", "not_reports", "failures", "off_site_links",
                "robots_excluded", "robots_urls", "reason_urls", "search_exhausted", "notes", "new_urls")

    def snapshot(self) -> dict:
        """The frontier (links queued and in flight) and what the walk learned, as JSON values."""
        queue = [[cls, neg, _link_json(link), ctx] for cls, neg, _, link, ctx in self.heap
                 if link.key not in self.done and self.queued.get(link.key) == (cls, neg)]
        queue += [[cls, neg, _link_json(link), ctx] for cls, neg, link, ctx in self.inflight.values()]
        state = {k: getattr(self, k) for k in self._STATE}
        s = self.summary
        state.update(
            queue=queue, done=[list(k[:2]) + [k[2]] for k in self.done if k not in self.inflight],
            credit=dict(self.credit), doc_failed=dict(self.doc_failed),
            candidates={u: list(v) for u, v in self.candidates.items()},
            summary={**{k: getattr(s, k) for k in self._SUMMARY}, "reasons": dict(s.reasons),
                     "formats": dict(s.formats)})
        return state

    def restore(self, state: dict) -> None:
        for k in self._STATE:
            setattr(self, k, state[k])
        self.entries_failed = [tuple(x) for x in self.entries_failed]
        self.remembered_failed = [tuple(x) for x in self.remembered_failed]
        self.credit = collections.Counter(state["credit"])
        self.doc_failed = collections.Counter(state["doc_failed"])
        self.candidates = {u: tuple(v) for u, v in state["candidates"].items()}
        self.done = {(m, u, _data(d)) for m, u, d in state["done"]}
        s = self.summary
        for k, v in state["summary"].items():
            if k in ("reasons", "formats"):
                getattr(s, k).update(v)
            elif k in self._SUMMARY:
                setattr(s, k, v)
        for cls, neg, link, ctx in state["queue"]:
            self.push(_link_of(link), ctx, cls, -neg)
        self.resumed = True

    def push(self, link: Link, context: dict | None = None, cls: int = COLUMN, priority: float = 0) -> None:
        if not self.scope.allows(link.url):
            if link.key not in self.done:
                self.summary.off_site_links += 1
                self.done.add(link.key)
            return
        if link.key in self.done:
            return
        context = context or {}
        if cls == COLUMN and link.role == LIST and link.depth > MAX_COLUMN_DEPTH:
            return
        if cls == SEARCH and context.get("sdepth", 0) > MAX_SEARCH_DEPTH:
            return
        rank = (cls, -priority)
        before = self.queued.get(link.key)
        if before is not None and before <= rank:
            return
        self.queued[link.key] = rank
        heapq.heappush(self.heap, (cls, -priority, next(self.order), link, context))
        self.changed.set()

    def _pop(self):
        while self.heap:
            cls, neg, _, link, context = heapq.heappop(self.heap)
            if link.key in self.done or self.queued.get(link.key) != (cls, neg):
                continue  # fetched already, or queued again with a better rank
            self.done.add(link.key)
            self.inflight[link.key] = (cls, neg, link, context)
            return cls, link, context
        return None

    def seeds(self, remembered: list[str]) -> None:
        entries = set(self.source.entry)
        for link in self.adapter.seeds(self.source):
            if link.role == LIST and link.url in entries:
                if not remembered:
                    self._push_entry(link)
            elif link.role in (DETAIL, ATTACHMENT):
                self.push(link, {}, DOC)
            else:
                self.push(link, {"column": True}, COLUMN)
        for url in remembered:
            self.push(Link(url, LIST, "remembered column", depth=0), {"column": True, "remembered": True}, COLUMN)

    def _push_entry(self, link: Link) -> None:
        path = urlsplit(link.url).path
        home = path in ("", "/") or bool(re.fullmatch(r"/(?:index|default|main|home)\.\w+", path))
        # an entry deeper than the home page is the registry's word that it is the column
        self.push(link, {"entry": True, "sdepth": 0, "column": not home}, SEARCH, 10_000)

    async def run(self) -> None:
        state = self.crawl.resume.walk_state(self.source.id) if self.crawl.resume is not None else None
        if state is not None:  # half done by an interrupted run: continue from its frontier
            self.restore(state)
            self.summary.notes.append("resumed from the frontier of an interrupted run")
        else:
            remembered = self.crawl.memory.columns(self.source.id, self.source.entry) if self.crawl.memory else []
            self.mode = "remembered" if remembered else "search"
            self.seeds(remembered)
        # no snapshot of the seeds (the next run makes them again): the first is written as
        # soon as the first page is done (Crawl.changed)
        await self._walk()
        if self.mode == "remembered" and (self.remembered_failed or not self.doc_links):
            # the column moved (or emptied): search again from the entry
            why = (f"remembered column {self.remembered_failed[0][0]} failed ({self.remembered_failed[0][1]})"
                   if self.remembered_failed else "remembered columns list no report")
            self.summary.notes.append(why + "; searched again from the entry")
            self.mode = "re-search"  # remembered columns that did answer keep their credit
            for link in self.adapter.seeds(self.source):
                if link.role == LIST and link.url in set(self.source.entry):
                    self.done.discard(link.key)
                    self.queued.pop(link.key, None)
                    self._push_entry(link)
            await self._walk()
        self.summary.search_pages = self.search_pages
        self.summary.columns = self.found_columns()
        self.summary.why = self.diagnose()

    async def _walk(self) -> None:
        # A few workers share the frontier: while one stores and parses a page, another can
        # already send the next request. Politeness is the fetcher's host gate, not this.
        self.busy = 0
        workers = [asyncio.create_task(self._worker()) for _ in range(WORKERS_PER_SOURCE)]
        try:
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()

    async def _worker(self) -> None:
        while True:
            item = self._pop()
            if item is None:
                if not self.busy:
                    return
                self.changed.clear()  # another worker may still discover links: wait for news
                await self.changed.wait()
                continue
            cls, link, context = item
            if self.fetched >= self.crawl.max_pages:
                self.summary.capped = True
                self.inflight.pop(link.key, None)
                self.heap.clear()
                return
            if cls == SEARCH:
                if self.search_pages >= self.budget:
                    self.summary.search_exhausted = True
                    self.inflight.pop(link.key, None)
                    continue
                self.search_pages += 1
            self.fetched += 1
            self.busy += 1
            visited = False
            try:
                await self._visit(link, context, cls)
                visited = True
            finally:
                self.busy -= 1
                self.changed.set()
                if visited:  # cancelled (--budget) or failed: it stays in flight, re-queued by a snapshot
                    self.inflight.pop(link.key, None)
                    self.crawl.changed(self)

    async def _visit(self, link: Link, context: dict, cls: int = COLUMN) -> None:
        purpose = link.role
        request = Request(
            url=link.url, purpose=purpose, method=link.method, data=link.data, source_id=self.source.id,
            scope=self.scope, tls=self.source.tls_verify,
            validators=self.crawl.validators.get(link.url) if link.method == "GET" else None)
        result = await self.crawl.fetcher.fetch(request)
        if link.url in self.candidates:
            score, text, _ = self.candidates[link.url]
            self.candidates[link.url] = (score, text, True)
        if not result.ok:
            error = result.final.error or f"HTTP {result.final.status}"
            if error.startswith("disallowed by robots.txt"):
                self.summary.robots_excluded += 1  # the site's wish, not a failure
                self.summary.robots_urls.append(link.url)
            else:
                self.summary.fail(error, link.url)
            if context.get("entry"):
                self.entries_failed.append((link.url, error))
            if context.get("remembered"):
                self.remembered_failed.append((link.url, error))
            if cls == DOC:
                self.doc_failed[reason_key(error)] += 1
                self.doc_failed_url.setdefault(reason_key(error), link.url)
            return
        self.summary.pages_fetched += 1
        body = await self._body(result)
        if body is None:
            self.summary.fail("stored body missing for a 304 answer", link.url)
            return
        if cls == DOC:
            self.doc_ok += 1
        # documents are keyed by the URL we asked for; relative links resolve against where
        # a redirect took us
        here = result.final.final_url or result.final.url
        content_type = result.final.content_type
        if content_type is None and result.not_modified and result.request.validators:
            content_type = self.crawl.content_types.get((link.url, result.request.validators[2]))
        sniffed = d.sniff_content_type(body)
        if purpose == ATTACHMENT or (purpose == DETAIL and sniffed and not d.is_text_type(sniffed)):
            # a detail link may serve the file itself (download.jsp?id=…)
            ctx = context if purpose == ATTACHMENT else {
                "parent_url": context.get("parent_url"), "title": link.text, "year": link.year, "issuer": link.issuer,
                "issuer_default": context.get("issuer_default")}
            await self._attachment(link, ctx, body, content_type, result)
            return
        decoded = decode_bytes(body, content_type)
        if purpose == LIST:
            found = self.adapter.discover_list(here, decoded.text, link.depth if cls == COLUMN else 0)
            if cls == COLUMN and link.year and not any(x.role in (DETAIL, ATTACHMENT) for x in found.links):
                # a year link (「2023年度」) that leads straight to that year's report, not a list
                as_detail = Link(link.url, DETAIL, context.get("column_name") or link.text, link.year,
                                 issuer=link.issuer)
                await self._detail(as_detail, {**context, "as_list": found}, here, body, decoded,
                                   content_type, result)
                return
            self._list_page(link, context, cls, found)
        elif purpose == API:
            found = self.adapter.discover_api(link, decoded.text)
            self._list_page(link, context, COLUMN, found)
        elif purpose == DETAIL:
            await self._detail(link, context, here, body, decoded, content_type, result)

    async def _body(self, result: Result) -> bytes | None:
        if result.body is not None:
            return result.body
        if result.not_modified and result.request.validators:
            sha = result.request.validators[2]
            if self.archive.has_blob(sha):
                return await asyncio.to_thread(self.archive.read_blob, sha)
        return None

    def _list_page(self, link: Link, context: dict, cls: int, found) -> None:
        """Queue what a list, API or search page links to, by what the page turned out to be."""
        reports = [x for x in found.links if x.role in (DETAIL, ATTACHMENT)]
        column = (cls == COLUMN or bool(reports) or found.page_score >= d.COLUMN_SCORE
                  or context.get("column") or context.get("anchor_score", 0) >= d.COLUMN_SCORE)
        issuer_default = context.get("issuer_default")
        if column:
            self.columns.setdefault(link.url, found.page_name or link.text or "")
            if reports:
                self.doc_links += len(reports)
                node: str | None = link.url
                while node is not None:  # a sub-column's reports make its parents columns too
                    self.credit[node] += len(reports)
                    node = self.parent.get(node)
            for x in found.links:
                if x.role in (DETAIL, ATTACHMENT):
                    ctx = {"parent_url": link.url, "issuer_default": issuer_default}
                    if x.role == ATTACHMENT:
                        ctx.update(title=x.text, year=x.year, issuer=x.issuer)
                    self.push(x, ctx, DOC)
                elif x.key not in self.done:
                    if x.role == LIST and link.role == LIST:
                        self.parent.setdefault(x.url, link.url)
                    elif x.role == API:
                        self.parent.setdefault(x.url, link.url if link.role == LIST else self.parent.get(link.url, ""))
                    self.push(x, {"parent_url": link.url, "column": True, "issuer_default": issuer_default,
                                  "sdepth": context.get("sdepth", 0)}, COLUMN)
        if link.role != LIST or self.mode == "remembered":
            return  # starting from remembered columns: no search unless they stop answering
        sdepth = context.get("sdepth", 0) + 1
        for c in found.candidates:
            if c.score < d.MIN_FOLLOW:
                continue
            if c.url not in self.candidates or self.candidates[c.url][0] < c.score:
                fetched = self.candidates.get(c.url, (0, "", False))[2]
                self.candidates[c.url] = (c.score, c.text, fetched)
            ctx = {"sdepth": sdepth, "anchor_score": c.score,
                   "issuer_default": c.issuer or issuer_default}
            # best-first: the link's own evidence, a little of the page it was found on, and
            # a small cost per hop so that equal evidence nearer the entry goes first
            priority = c.score + 0.2 * min(found.page_score, d.COLUMN_SCORE) - 2 * sdepth
            self.push(Link(c.url, LIST, c.text, depth=0), ctx, SEARCH, priority)

    def found_columns(self) -> list[dict]:
        """The top-most pages where report links were found (their sub-pages follow from them)."""
        out = []
        for url, n in self.credit.items():
            up = self.parent.get(url)
            if n and not (up and self.credit.get(up)):
                out.append({"url": url, "name": self.columns.get(url, ""), "report_links": n})
        return sorted(out, key=lambda c: c["url"])

    def diagnose(self) -> str | None:
        """Why a source yielded no report (None when it yielded some)."""
        s = self.summary
        if s.new_documents or s.unchanged:
            return None
        entry = ", ".join(self.source.entry)
        robots_entries = [u for u in s.robots_urls if u in self.source.entry]
        if robots_entries:
            return f"robots.txt disallows the entry page {robots_entries[0]}"
        if self.entries_failed and len(self.entries_failed) == len(self.source.entry) and not s.pages_fetched:
            url, error = self.entries_failed[0]
            return f"entry page failed: {reason_key(error)} ({url})"
        if not self.columns and not self.doc_links:
            best = sorted(((sc, t, u, f) for u, (sc, t, f) in self.candidates.items()), key=lambda c: -c[0])[:3]
            listed = "; ".join(f"「{t[:20]}」 {u} ({sc}{'' if f else ', not fetched'})" for sc, t, u, f in best)
            cut = f"budget of {self.budget} spent" if s.search_exhausted else "no more links to follow"
            return (f"no report column found after {self.search_pages} page(s) from {entry} ({cut}); "
                    + (f"best candidates: {listed}" if listed else "no link pointed at 信息公开 / 年报"))
        if not self.doc_links:
            url, name = next(iter(self.columns.items()))
            return f"column found ({name or 'unnamed'} {url}) but it lists no report"
        if not self.doc_ok and sum(self.doc_failed.values()):
            reasons = "; ".join(f"{k} ×{v} (first: {self.doc_failed_url[k]})" for k, v in self.doc_failed.most_common())
            return f"every report link failed ({sum(self.doc_failed.values())}): {reasons}"
        if not self.doc_ok and s.robots_excluded:
            return f"robots.txt disallows the report links ({s.robots_excluded}, e.g. {s.robots_urls[0]})"
        return (f"{self.doc_links} report link(s) found, {s.not_reports} fetched page(s) were not reports "
                f"(no report text, or an error page)")

    def _issuer(self, title: str | None, hint: str | None = None, default: str | None = None) -> str:
        if hint:
            return hint
        return d.issuer_of(title, default=default or self.source.government, county_name=self.source.name)

    async def _detail(self, link: Link, context: dict, here: str, body: bytes, decoded, content_type: str | None,
                      result: Result) -> None:
        found, inline = self.adapter.inspect_detail(here, decoded.text)
        # the page's own heading is authoritative; the anchor text is the fallback
        title = found.title or link.text or None
        issuer = self._issuer(title, link.issuer, context.get("issuer_default"))
        year = d.year_of(title) or link.year
        if inline:
            doc = NewDocument(
                sha256=self._sha(body, result), url=link.url, source_id=self.source.id, issuer=issuer, title=title,
                content_type=_content_type(content_type, body), encoding=decoded.encoding,
                encoding_source=decoded.source, bytes=len(body), year_hint=year,
                parent_url=context.get("parent_url"), kind="page")
            await self._store(doc, result, body)
        attachments = found.of(ATTACHMENT)
        if inline:
            # beside an inline report only files named as the report (全真版 PDF) are candidates
            attachments = [a for a in attachments if d.is_report_title(a.text) or re.search(
                r"全真版|原文|PDF版|pdf版|下载", a.text or "")]
        if not inline and not attachments:
            from ingest.crawl.images import store_picture_report  # a report page made of <img>s

            if await store_picture_report(self, link, context, here, decoded.text, title, issuer, year):
                return
            # a page whose links are reports (or year / department columns), not a report: a
            # hub the link's title made look like one (「2023年政府信息公开工作年度报告」 → the year's list)
            listed = context.get("as_list") or self.adapter.discover_list(here, decoded.text, link.depth)
            if any(x.key != link.key for x in listed.links):
                hub = Link(link.url, LIST, link.text, link.year, issuer=link.issuer, depth=link.depth)
                self._list_page(hub, {**context, "column": True}, COLUMN, listed)
                return
            self.summary.not_reports += 1
            return
        for a in attachments:
            a_title = a.text if d.is_report_title(a.text) else title
            self.push(Link(a.url, ATTACHMENT, a.text, a.year or year, issuer=link.issuer),
                      {"parent_url": link.url, "title": a_title, "year": a.year or year, "issuer": issuer}, DOC)

    async def _attachment(self, link: Link, context: dict, body: bytes, content_type: str | None,
                    result: Result) -> None:
        ctype = _content_type(content_type, body)
        sniffed = d.sniff_content_type(body)
        if (sniffed or "").startswith("text/") or ctype.split(";")[0].strip() in ("text/html", "application/json"):
            self.summary.not_reports += 1  # an error or login page where a file was promised
            return
        title = _strip_extension(context.get("title") or link.text or None)
        issuer = self._issuer(title, context.get("issuer") or link.issuer, context.get("issuer_default"))
        doc = NewDocument(
            sha256=self._sha(body, result), url=link.url, source_id=self.source.id, issuer=issuer, title=title,
            content_type=ctype, encoding=None, encoding_source=None, bytes=len(body),
            year_hint=context.get("year") or d.year_of(title) or link.year,
            parent_url=context.get("parent_url"), kind="attachment")
        await self._store(doc, result, body)

    @staticmethod
    def _sha(body: bytes, result: Result) -> str:
        # the blob was stored (and hashed, off the event loop) when its try was recorded
        return result.final.sha256 or (result.request.validators or (None, None, None))[2] or sha256_hex(body)

    async def _store(self, doc: NewDocument, result: Result, body: bytes | None = None) -> None:
        state = await self.crawl.writer.record(None, doc, run_id=self.crawl.run_id)
        if body is not None:  # what portals publish, by the stored bytes (crawl_runs.formats)
            from ingest.parse.formats import document_format

            name = doc.url.rstrip("/").rsplit("/", 1)[-1]
            if doc.encoding is not None and len(body) <= INLINE_SNIFF_BYTES:
                # a report page carried as text is sniffed in microseconds: a thread's hand-off
                # would cost ten times the work. Files (a PDF's text layer is read by pdfium) and
                # picture bundles are sniffed off the event loop.
                fmt = document_format(body, name, doc.content_type)
            else:
                fmt = await asyncio.to_thread(document_format, body, name, doc.content_type)
            self.summary.formats[fmt] += 1
        if state == "new":
            self.summary.new_documents += 1
            self.summary.new_urls.append(doc.url)
        else:
            self.summary.unchanged += 1


def _link_json(link: Link) -> list:
    return [link.url, link.role, link.text, link.year, link.method,
            [list(p) for p in link.data] if link.data is not None else None, link.issuer, link.depth]


def _data(data) -> tuple | None:
    return tuple(tuple(p) for p in data) if data is not None else None


def _link_of(v: list) -> Link:
    url, role, text, year, method, data, issuer, depth = v
    return Link(url, role, text, year, method, _data(data), issuer, depth)


def host_summary(s: SourceSummary) -> dict:
    """The per-host summary kept in crawl_runs.summary: what was found, what failed and why."""
    return {"reports": s.new_documents + s.unchanged, "new": s.new_documents, "failures": s.failures,
            "reasons": dict(s.reasons), "first_url_per_reason": s.reason_urls, "why": s.why,
            "columns": [c.get("url") for c in s.columns], "search_pages": s.search_pages,
            "robots_excluded": s.robots_excluded, "capped": s.capped, "notes": s.notes}


def _stored_content_types(archive: Archive) -> dict[tuple[str, str], str]:
    """(url, sha256) → the Content-Type its 200 answer carried (read once, before the crawl)."""
    if not archive.exists:
        return {}
    rows = archive.query(
        "SELECT url, sha256, content_type FROM fetch_attempts WHERE status = 200 AND sha256 IS NOT NULL"
        " AND content_type IS NOT NULL"
        " QUALIFY row_number() OVER (PARTITION BY url, sha256 ORDER BY attempt_id DESC) = 1")
    return {(u, s): c for u, s, c in rows}


def _strip_extension(title: str | None) -> str | None:
    """Anchor texts of files often end in the file name's extension: 报告.pdf → 报告."""
    if not title:
        return title
    return re.sub(r"\.(?:pdf|docx?|wps|ofd)$", "", title.strip(), flags=re.IGNORECASE) or title


def _content_type(header: str | None, body: bytes) -> str:
    ct = (header or "").strip()
    base = ct.split(";")[0].strip().lower()
    if not base or base in ("application/octet-stream", "application/x-download", "application/force-download",
                            "binary/octet-stream", "application/download"):
        return d.sniff_content_type(body) or ct or "application/octet-stream"
    return ct


class Progress:
    """A live line on stderr: hosts done / total, requests, reports, rate and an ETA.

    On a terminal the line is redrawn in place every second; in a log (`--progress`) a line is
    printed every 30 s. The ETA is the larger of two lower bounds: the busiest unfinished host's
    queue at its politeness delay, and the requests queued at the rate seen so far.
    """

    def __init__(self, enabled: bool, stream=None, interval: float | None = None):
        import sys

        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if interval is not None else (1.0 if self.tty else 30.0)
        self.last = 0.0
        self.started = time.monotonic()

    def line(self, crawl: Crawl) -> str:
        elapsed = max(1e-6, time.monotonic() - crawl.started)
        sent = crawl.fetcher.requests_sent
        rate = sent / elapsed
        reports = sum(s.new_documents + s.unchanged for s in crawl.summaries.values())
        queued = 0
        longest = 0.0
        for walk in list(crawl.walks.values()):
            n = len(walk.queued) - len(walk.done & walk.queued.keys()) + len(walk.inflight)
            queued += max(0, n)
            longest = max(longest, max(0, n) * max(crawl.config.delay, 0.001))
        eta = max(longest, queued / rate if rate else 0.0)
        return (f"crawl: hosts {crawl.finished_sources}/{crawl.todo} done · {sent:,} requests ({rate:.0f}/s) · "
                f"{reports:,} reports · {queued:,} queued · ETA {_duration(eta)}")

    def draw(self, crawl: Crawl, final: bool = False) -> None:
        if not self.enabled or not hasattr(crawl, "fetcher"):
            return
        now_ = time.monotonic()
        if not final and now_ - self.last < self.interval:
            return
        self.last = now_
        text = self.line(crawl)
        if self.tty:
            self.stream.write("\r\x1b[K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        pass


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"
