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
import os
import re
import time
from dataclasses import dataclass, field

from ingest.crawl import discovery as d
from ingest.crawl.adapters import API, ATTACHMENT, DETAIL, LIST, Adapter, Link, for_source
from ingest.crawl.archive import Archive, Attempt, GroupCommitter, NewDocument, sha256_hex
from ingest.crawl.fetcher import Fetcher, FetchConfig, Request, Result, Try
from ingest.crawl.registry import Source
from ingest.decode import decode_bytes

WORKERS_PER_SOURCE = 3  # requests per host stay serial: these only overlap storing with fetching
MAX_COLUMN_DEPTH = 3  # column → sub-column → year folder: deeper is wandering off
DEFAULT_MAX_PAGES = 1000

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
    off_site_links: int = 0
    capped: bool = False            # stopped at max_pages
    status: str = "running"
    recorded: bool = False          # its crawl_runs row is final
    new_urls: list[str] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        self.failures += 1
        self.reasons[reason_key(reason)] += 1


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
                 progress=None):
        self.archive = archive
        self.sources = sources
        self.config = config
        self.max_pages = max_pages
        self.run_id = run_id
        self.options = options or {}
        self.progress = progress
        self.validators = archive.validators()
        self.summaries: dict[str, SourceSummary] = {s.id: SourceSummary(s.id) for s in sources}
        self._current: dict[str, SourceSummary] = {}

    # ---- recording -----------------------------------------------------------------------
    async def _on_try(self, t: Try, body: bytes | None) -> None:
        sha = None
        if body is not None:  # blob first (fsync'd, renamed), then the row that names it
            sha = await asyncio.to_thread(self.archive.put_blob, body)
            t.sha256 = sha
        elif t.not_modified:
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
        await self.writer.record(Attempt(
            run_id=self.run_id, source_id=t.source_id, url=t.url, method=t.method, purpose=t.purpose,
            try_no=t.try_no, outcome=outcome, started_at=t.started_at, final_url=t.final_url,
            status=t.status, error=t.error, bytes=t.bytes, sha256=sha, content_type=t.content_type,
            elapsed_ms=t.elapsed_ms, etag=t.etag, last_modified=t.last_modified,
            not_modified=t.not_modified, conditional=t.conditional, tls_verify=t.tls_verify))
        if body is not None and t.status == 200 and t.method == "GET":
            self.validators[t.url] = (t.etag, t.last_modified, sha)

    def _stored_body(self, sha256: str) -> bytes | None:
        return self.archive.read_blob(sha256) if self.archive.has_blob(sha256) else None

    # ---- the run -------------------------------------------------------------------------
    async def run(self) -> dict[str, SourceSummary]:
        self.archive.start_runs(self.run_id, {s.id: {**self.options, "adapter": s.adapter, "entry": list(s.entry)}
                                              for s in self.sources})
        self.writer = GroupCommitter(self.archive)
        try:
            async with Fetcher(self.config, self._on_try, validators=self.validators,
                               stored_body=self._stored_body) as fetcher:
                self.fetcher = fetcher
                tasks = [asyncio.create_task(self._source(s)) for s in self.sources]
                try:
                    await asyncio.gather(*tasks)
                except BaseException:
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
                    raise
        finally:
            self.writer.close()  # drains what is queued: every answered row is committed
            for s in self.sources:
                summary = self.summaries[s.id]
                if not summary.recorded:
                    if summary.status == "running":
                        summary.status = "interrupted"
                    self._finish(s, summary)
        return self.summaries

    def _finish(self, source: Source, summary: SourceSummary) -> None:
        self.archive.finish_run(
            self.run_id, source.id, status=summary.status, requests=summary.requests,
            pages_fetched=summary.pages_fetched, new_documents=summary.new_documents,
            unchanged=summary.unchanged, not_reports=summary.not_reports, failures=summary.failures,
            failure_reasons=dict(summary.reasons))
        summary.recorded = True

    async def _source(self, source: Source) -> None:
        summary = self.summaries[source.id]
        try:
            await SourceWalk(self, source, summary).run()
            summary.status = "complete" if summary.pages_fetched or not summary.failures else "failed"
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one broken source must not stop the others
            if os.environ.get("INGEST_DEBUG"):
                raise
            summary.status = "failed"
            summary.fail(f"crawler error: {type(exc).__name__}: {exc}")
        await self.writer.call(self._finish, source, summary)


class SourceWalk:
    """The frontier of one source, walked in discovery order."""

    def __init__(self, crawl: Crawl, source: Source, summary: SourceSummary):
        self.crawl = crawl
        self.source = source
        self.summary = summary
        self.adapter: Adapter = for_source(source)
        self.scope = source.scope
        self.queue: collections.deque[tuple[Link, dict]] = collections.deque()
        self.seen: set[tuple] = set()
        self.archive = crawl.archive
        self.changed = asyncio.Event()  # set when the frontier grows or a worker finishes
        self.fetched = 0
        self.busy = 0

    def push(self, link: Link, context: dict | None = None) -> None:
        if link.key in self.seen:
            return
        if not self.scope.allows(link.url):
            self.summary.off_site_links += 1
            self.seen.add(link.key)
            return
        if link.role == LIST and link.depth > MAX_COLUMN_DEPTH:
            return
        self.seen.add(link.key)
        self.queue.append((link, context or {}))
        self.changed.set()
        if self.crawl.progress is not None:
            self.crawl.progress.grow(1)

    async def run(self) -> None:
        for link in self.adapter.seeds(self.source):
            self.push(link)
        # A few workers share the frontier: while one stores and parses a page, another can
        # already send the next request. Politeness is the fetcher's host gate, not this.
        self.fetched = 0
        self.busy = 0
        workers = [asyncio.create_task(self._worker()) for _ in range(WORKERS_PER_SOURCE)]
        try:
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()

    async def _worker(self) -> None:
        while self.queue or self.busy:
            if not self.queue:  # another worker may still discover links: wait for news
                self.changed.clear()
                await self.changed.wait()
                continue
            link, context = self.queue.popleft()
            if self.fetched >= self.crawl.max_pages:
                self.summary.capped = True
                if self.crawl.progress is not None:
                    self.crawl.progress.advance(len(self.queue) + 1)
                self.queue.clear()
                return
            self.fetched += 1
            self.busy += 1
            try:
                await self._visit(link, context)
            finally:
                self.busy -= 1
                self.changed.set()
                if self.crawl.progress is not None:
                    self.crawl.progress.advance(1)

    async def _visit(self, link: Link, context: dict) -> None:
        purpose = link.role
        request = Request(
            url=link.url, purpose=purpose, method=link.method, data=link.data, source_id=self.source.id,
            scope=self.scope, tls=self.source.tls_verify,
            validators=self.crawl.validators.get(link.url) if link.method == "GET" else None)
        result = await self.crawl.fetcher.fetch(request)
        if not result.ok:
            self.summary.fail(result.final.error or f"HTTP {result.final.status}")
            return
        self.summary.pages_fetched += 1
        body = await self._body(result)
        if body is None:
            self.summary.fail("stored body missing for a 304 answer")
            return
        # documents are keyed by the URL we asked for; relative links resolve against where
        # a redirect took us
        here = result.final.final_url or result.final.url
        content_type = result.final.content_type
        sniffed = d.sniff_content_type(body)
        if purpose == ATTACHMENT or (purpose == DETAIL and sniffed and not d.is_text_type(sniffed)):
            # a detail link may serve the file itself (download.jsp?id=…)
            ctx = context if purpose == ATTACHMENT else {
                "parent_url": context.get("parent_url"), "title": link.text, "year": link.year, "issuer": link.issuer}
            await self._attachment(link, ctx, body, content_type, result)
            return
        decoded = decode_bytes(body, content_type)
        if purpose == LIST:
            found = self.adapter.discover_list(here, decoded.text, link.depth)
            self._push_found(found.links, parent=link.url)
        elif purpose == API:
            found = self.adapter.discover_api(link, decoded.text)
            self._push_found(found.links, parent=link.url)
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

    def _push_found(self, links: list[Link], parent: str) -> None:
        for link in links:
            ctx = {"parent_url": parent}
            if link.role == ATTACHMENT:
                ctx.update(title=link.text, year=link.year, issuer=link.issuer)
            self.push(link, ctx)

    def _issuer(self, title: str | None, hint: str | None = None) -> str:
        if hint:
            return hint
        return d.issuer_of(title, default=self.source.government, county_name=self.source.name)

    async def _detail(self, link: Link, context: dict, here: str, body: bytes, decoded, content_type: str | None,
                      result: Result) -> None:
        found, inline = self.adapter.inspect_detail(here, decoded.text)
        # the page's own heading is authoritative; the anchor text is the fallback
        title = found.title or link.text or None
        issuer = self._issuer(title, link.issuer)
        year = d.year_of(title) or link.year
        if inline:
            doc = NewDocument(
                sha256=self._sha(body, result), url=link.url, source_id=self.source.id, issuer=issuer, title=title,
                content_type=_content_type(content_type, body), encoding=decoded.encoding,
                encoding_source=decoded.source, bytes=len(body), year_hint=year,
                parent_url=context.get("parent_url"), kind="page")
            await self._store(doc, result)
        attachments = found.of(ATTACHMENT)
        if inline:
            # beside an inline report only files named as the report (全真版 PDF) are candidates
            attachments = [a for a in attachments if d.is_report_title(a.text) or re.search(
                r"全真版|原文|PDF版|pdf版|下载", a.text or "")]
        if not inline and not attachments:
            self.summary.not_reports += 1
            return
        for a in attachments:
            a_title = a.text if d.is_report_title(a.text) else title
            self.push(Link(a.url, ATTACHMENT, a.text, a.year or year, issuer=link.issuer),
                      {"parent_url": link.url, "title": a_title, "year": a.year or year, "issuer": issuer})

    async def _attachment(self, link: Link, context: dict, body: bytes, content_type: str | None,
                    result: Result) -> None:
        ctype = _content_type(content_type, body)
        sniffed = d.sniff_content_type(body)
        if (sniffed or "").startswith("text/") or ctype.split(";")[0].strip() in ("text/html", "application/json"):
            self.summary.not_reports += 1  # an error or login page where a file was promised
            return
        title = _strip_extension(context.get("title") or link.text or None)
        issuer = self._issuer(title, context.get("issuer") or link.issuer)
        doc = NewDocument(
            sha256=self._sha(body, result), url=link.url, source_id=self.source.id, issuer=issuer, title=title,
            content_type=ctype, encoding=None, encoding_source=None, bytes=len(body),
            year_hint=context.get("year") or d.year_of(title) or link.year,
            parent_url=context.get("parent_url"), kind="attachment")
        await self._store(doc, result)

    @staticmethod
    def _sha(body: bytes, result: Result) -> str:
        # the blob was stored (and hashed, off the event loop) when its try was recorded
        return result.final.sha256 or (result.request.validators or (None, None, None))[2] or sha256_hex(body)

    async def _store(self, doc: NewDocument, result: Result) -> None:
        state = await self.crawl.writer.record(None, doc, run_id=self.crawl.run_id)
        if state == "new":
            self.summary.new_documents += 1
            self.summary.new_urls.append(doc.url)
        else:
            self.summary.unchanged += 1


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
    """A tqdm bar whose total grows as the frontier does (to stderr; off when not a TTY)."""

    def __init__(self, enabled: bool):
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=0, unit="req", desc="crawl", leave=True)
        self.started = time.monotonic()

    def grow(self, n: int) -> None:
        if self.bar is not None:
            self.bar.total += n  # shown at the next update (tqdm rate-limits redraws)

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
