"""A polite async HTTP fetcher (httpx).

Politeness: per host one request in flight, and at least `delay` seconds between the moments
two requests are sent (robots.txt Crawl-delay raises it, capped); across hosts at most `concurrency`
requests in flight. robots.txt is fetched once per host and obeyed
(RFC 9309: 4xx → allow all, 5xx → disallow all). An honest User-Agent names the project.

Failures: timeouts, 5xx and 429 are retried with exponential backoff and jitter (429/503
honour Retry-After, which also holds back the whole host); other 4xx are final. DNS failures,
refused connections, connect timeouts and TLS errors are final at once and mark the host
unreachable for the rest of the run, so a dead portal costs one connect timeout, not minutes.
Redirects are followed by hand, only on the source's own site, with loop detection. Bodies
over `max_bytes` are cut off and reported, never stored. Re-runs send If-None-Match /
If-Modified-Since from the validators of the last stored 200.

Every HTTP try is handed to `on_try(try, body)` as it ends and awaited (the crawler stores it
before going on), so a kill loses at most the requests in flight.
"""

from __future__ import annotations

import asyncio
import email.utils
import inspect
import os
import random
import socket
import ssl
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin, urlsplit

import httpx

from ingest.crawl.archive import utcnow
from ingest.crawl.domains import SiteScope, hostport, politeness_key
from ingest.crawl.netio import asyncio_transport

PROJECT = "gov-disclosure-warehouse"
VERSION = "0.1"
DEFAULT_USER_AGENT = (f"{PROJECT}/{VERSION} (open-data research crawler of government information "
                      "disclosure annual reports; obeys robots.txt; one request per host at a time)")
ROBOTS_AGENT = PROJECT
# an idle connection is kept across the politeness delay only up to this long: servers close idle
# keep-alive connections after 5–75 s (Apache 5 s, nginx 75 s), so a longer wait would only hold
# a socket the server has given up
KEEPALIVE_MAX_IDLE = 30.0
KEEPALIVE_MARGIN = 2.0   # the delay is counted from the last request's start, not its end
FILES_RESERVED = 256     # descriptors left for the archive, DuckDB, logs and probes


@dataclass(frozen=True)
class FetchConfig:
    user_agent: str = DEFAULT_USER_AGENT
    delay: float = 1.0              # seconds between requests to one host
    concurrency: int = 8            # requests in flight across all hosts
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    total_timeout: float = 120.0    # one request, headers to last byte (slow-drip servers)
    retries: int = 3                # further tries after a retryable failure
    backoff: float = 1.0            # first retry waits about this long, doubling after
    max_retry_after: float = 120.0  # a longer Retry-After gives up instead of waiting
    max_bytes: int = 50 * 1024 * 1024
    max_redirects: int = 5
    obey_robots: bool = True
    max_crawl_delay: float = 30.0
    # refuses private / loopback / link-local targets, redirect hops included (netguard.py);
    # None: no guard (the registry's own entries are the user's choice)
    guard: object | None = None


@dataclass
class Request:
    url: str
    purpose: str                    # robots | list | api | detail | attachment
    method: str = "GET"
    data: tuple[tuple[str, str], ...] | None = None
    source_id: str | None = None
    scope: SiteScope | None = None
    tls: bool | str = True
    validators: tuple[str | None, str | None, str] | None = None  # etag, last_modified, sha256


@dataclass
class Try:
    """One HTTP request (or the failure to make one), as recorded in fetch_attempts."""

    url: str
    method: str
    purpose: str
    try_no: int
    started_at: object
    source_id: str | None = None
    final_url: str | None = None
    status: int | None = None
    error: str | None = None
    bytes: int | None = None
    content_type: str | None = None
    elapsed_ms: float | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    conditional: bool = False
    tls_verify: str | None = None
    retry: bool = False             # will be tried again
    retry_after: str | None = None  # the header, read when deciding the wait (not stored)
    sha256: str | None = None       # set by the recorder once the body is stored
    sent_at: float | None = None    # monotonic time the request headers went out (not stored)


@dataclass
class Result:
    """The outcome of fetching one URL, after retries and redirects."""

    request: Request
    final: Try
    body: bytes | None = None
    tries: int = 1

    @property
    def ok(self) -> bool:
        return self.final.error is None and (self.final.status == 200 or self.final.not_modified)

    @property
    def not_modified(self) -> bool:
        return self.final.not_modified


@dataclass
class _Host:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0            # monotonic time the next request may start
    delay: float = 0.0
    dead: str | None = None         # why the host is unreachable this run
    robots: urllib.robotparser.RobotFileParser | None = None
    robots_state: str = "unknown"   # unknown | allow_all | parsed | disallow_all | unreachable
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    robots_reason: str | None = None
    robots_text: str | None = None
    probed: bool = False            # reachable by TCP (checked once, before the first request)


OnTry = Callable[[Try, bytes | None], object]  # may return an awaitable


class Fetcher:
    """Use `async with Fetcher(config, on_try) as f: result = await f.fetch(request)`."""

    def __init__(self, config: FetchConfig, on_try: OnTry | None = None, *,
                 validators: dict | None = None, stored_body: Callable[[str], bytes | None] | None = None,
                 robots: dict[str, dict] | None = None, on_robots: Callable[[str, dict], None] | None = None):
        self.config = config
        # robots.txt already read by an interrupted run of this crawl (resume.py): host key →
        # {state, text, reason}; on_robots(key, rules) is told each one read now
        self.known_robots = robots or {}
        self._proxied = any(os.environ.get(k) for k in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy",
                                                         "https_proxy", "all_proxy"))
        self.on_robots = on_robots
        self.on_try = on_try or (lambda t, b: None)
        # robots.txt is fetched conditionally too: url → (etag, last_modified, sha256), and
        # stored_body(sha256) gives back the stored bytes a 304 stands for
        self.validators = validators if validators is not None else {}
        self.stored_body = stored_body or (lambda sha: None)
        self._hosts: dict[str, _Host] = {}
        self._global = asyncio.Semaphore(max(1, config.concurrency))
        # probes (one TCP connect per host) have slots of their own: thousands of hosts starting
        # at once must not flood the resolver or the network, nor take the request slots
        self._probes = asyncio.Semaphore(max(1, config.concurrency))
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._ssl: dict[str, ssl.SSLContext] = {}
        self.requests_sent = 0

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    async def release(self, url: str) -> None:
        """Close the connections of a host whose crawl is over (open sockets stay bounded)."""
        suffix = " " + hostport(url)
        for key in [k for k in self._clients if k.endswith(suffix)]:
            await self._clients.pop(key).aclose()

    # ---- clients per TLS choice --------------------------------------------------------
    def _client(self, tls: bool | str, url: str) -> httpx.AsyncClient:
        # one small pool per host: httpcore scans its whole pool on every request, and a
        # shared pool smaller than the number of hosts would close keep-alive connections
        key = f"{tls_label(tls)} {hostport(url)}"
        client = self._clients.get(key)
        if client is None:
            c = self.config
            context, limits = self._ssl_context(tls), self._limits()
            client = httpx.AsyncClient(
                # behind a proxy (HTTP(S)_PROXY) httpx's own transports, which it mounts only
                # when it is given no transport
                transport=None if self._proxied else asyncio_transport(context, limits),
                verify=context, limits=limits, follow_redirects=False, http2=False,
                headers={"User-Agent": c.user_agent, "Accept-Language": "zh-CN,zh;q=0.9",
                         "Accept-Encoding": "gzip, deflate"},
                timeout=httpx.Timeout(connect=c.connect_timeout, read=c.read_timeout,
                                      write=c.read_timeout, pool=None))
            _cookies_only_when_set(client)
            self._clients[key] = client
        return client

    def _limits(self) -> httpx.Limits:
        """A host's connection is kept open across the politeness delay while sockets allow.

        A new TCP connection for every request cost the crawler about a fifth of its CPU per
        request at a 12 s delay (connect, close; a TLS handshake more) and the server a
        handshake too. So the idle connection is kept for the delay (plus a margin) — one socket
        per host being crawled — when that fits under the open-files limit beside the requests in
        flight, and when the delay is short enough that a server still keeps it
        (KEEPALIVE_MAX_IDLE). Otherwise, as before, no idle socket is held: the sockets open are
        the requests in flight. A server that closed the idle connection meanwhile is noticed
        before reuse (httpcore asks the stream, netio.py) and costs only a new connection."""
        c = self.config
        idle = c.delay + KEEPALIVE_MARGIN
        room = _open_files_limit() - 2 * c.concurrency - FILES_RESERVED
        if idle > KEEPALIVE_MAX_IDLE or len(self._clients) >= room:
            return httpx.Limits(max_connections=2, max_keepalive_connections=0)
        return httpx.Limits(max_connections=2, max_keepalive_connections=1, keepalive_expiry=max(5.0, idle))

    def _ssl_context(self, tls: bool | str) -> ssl.SSLContext:
        """One context per TLS choice, shared by the per-host clients (loading CAs is slow)."""
        key = tls_label(tls)
        ctx = self._ssl.get(key)
        if ctx is None:
            if tls is False:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            elif tls is True:
                import certifi

                ctx = ssl.create_default_context(cafile=certifi.where())
            else:
                ctx = ssl.create_default_context(cafile=str(tls))
            self._ssl[key] = ctx
        return ctx

    def _host(self, url: str) -> _Host:
        key = politeness_key(url)
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(delay=self.config.delay)
        return host

    def host_dead(self, url: str) -> str | None:
        return self._host(url).dead

    # ---- the public call ---------------------------------------------------------------
    async def fetch(self, request: Request) -> Result:
        url = request.url
        visited = {url}
        hops = 0
        try_no = 0
        while True:
            host = self._host(url)
            if host.dead:
                return Result(request, await self._emit(self._skip(request, url, try_no + 1,
                                                                f"host unreachable: {host.dead}")))
            refused = self.config.guard and await self.config.guard.refusal(url)
            if refused:
                return Result(request, await self._emit(self._skip(request, url, try_no + 1, refused)))
            if self.config.obey_robots and request.purpose != "robots":
                allowed, why = await self._robots_allow(request, url)
                if not allowed:
                    return Result(request, await self._emit(self._skip(request, url, try_no + 1, why)))
            try_no += 1
            result, location = await self._try_with_retries(request, url, try_no)
            try_no = result.tries
            if location is None:
                return result
            # a redirect: follow it only on site, never in circles
            hops += 1
            nxt = urljoin(url, location)
            final = result.final
            if request.scope is not None and not request.scope.allows(nxt):
                final.error = f"redirect off site to {nxt}"
            elif nxt in visited:
                final.error = f"redirect loop at {nxt}"
            elif hops > self.config.max_redirects:
                final.error = f"too many redirects (> {self.config.max_redirects})"
            final.final_url = nxt
            await self._emit(final)
            if final.error:
                return result
            visited.add(nxt)
            url = nxt
            if request.method == "POST" and final.status in (301, 302, 303):
                request = replace(request, method="GET", data=None)

    # ---- one URL: tries, backoff --------------------------------------------------------
    async def _try_with_retries(self, request: Request, url: str, try_no: int) -> tuple[Result, str | None]:
        c = self.config
        host = self._host(url)
        for attempt in range(c.retries + 1):
            t, body, location, wait = await self._one(request, url, try_no)
            retryable = t.error is not None and wait is not None
            if retryable and attempt < c.retries and not host.dead:
                t.retry = True
                await self._emit(t, body=None)
                await asyncio.sleep(wait)
                try_no += 1
                continue
            if location is not None:
                # the hop is emitted by fetch() once it has judged the target
                return Result(request, t, None, tries=try_no), location
            await self._emit(t, body)
            return Result(request, t, body, tries=try_no), None
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        base = self.config.backoff * (2 ** max(0, attempt - 1))
        return base * random.uniform(0.5, 1.5)

    async def _one(self, request: Request, url: str, try_no: int) -> tuple[Try, bytes | None, str | None, float | None]:
        """One HTTP request through the host gate. Returns (try, body, redirect, retry_wait)."""
        c = self.config
        host = self._host(url)
        conditional = request.validators is not None and request.method == "GET" and url == request.url
        headers = {}
        if conditional:
            etag, last_modified, _ = request.validators
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            conditional = bool(headers)
        t = Try(url=url, method=request.method, purpose=request.purpose, try_no=try_no,
                started_at=utcnow(), source_id=request.source_id, conditional=conditional,
                tls_verify=tls_label(request.tls))
        body: bytes | None = None
        location: str | None = None
        wait: float | None = None
        async with host.lock:
            pause = host.next_at - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            if not host.probed and not host.dead:
                # a dead host (DNS failure, refused, black-holed) fails here, before it takes
                # one of the `concurrency` slots for a whole connect timeout
                host.probed = True
                started = time.monotonic()
                why = await self._probe(url)
                if why:
                    host.dead = t.error = why
                    t.elapsed_ms = round((time.monotonic() - started) * 1000, 1)
                    return t, None, None, None
            if host.dead:
                t.error = f"host unreachable: {host.dead}"
                return t, None, None, None
            async with self._global:
                t.started_at = utcnow()
                started = time.monotonic()
                self.requests_sent += 1
                try:
                    async with asyncio.timeout(c.total_timeout):  # no extra task, unlike wait_for
                        body, location = await self._send(request, url, headers, t)
                except TimeoutError:
                    t.error = f"timeout: no complete response within {c.total_timeout:g}s"
                    wait = self._backoff(try_no)
                except httpx.ConnectTimeout:
                    t.error = f"connect timeout after {c.connect_timeout:g}s"
                    host.dead = t.error
                except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout):
                    t.error = f"read timeout after {c.read_timeout:g}s"
                    wait = self._backoff(try_no)
                except httpx.ConnectError as exc:
                    t.error = connect_error(exc)
                    host.dead = t.error
                except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                    t.error = f"connection broken: {type(exc).__name__}: {first_line(exc)}"
                    wait = self._backoff(try_no)
                except _TooLarge as exc:
                    t.error = str(exc)
                except httpx.HTTPError as exc:
                    t.error = f"{type(exc).__name__}: {first_line(exc)}"
                finally:
                    t.elapsed_ms = round((time.monotonic() - started) * 1000, 1)
                    # `delay` between the moments two requests reach the server (their headers
                    # are sent; a new connection's setup does not count); the host lock already
                    # keeps a second one from starting before this one ended
                    host.next_at = (t.sent_at or started) + host.delay
            if t.error is None and t.status is not None:
                if t.status == 429 or 500 <= t.status < 600:
                    retry_after = parse_retry_after(t.retry_after)
                    if retry_after is not None and retry_after > c.max_retry_after:
                        t.error = (f"HTTP {t.status}: Retry-After {retry_after:g}s exceeds the "
                                   f"{c.max_retry_after:g}s cap")
                    else:
                        t.error = f"HTTP {t.status}"
                        wait = retry_after if retry_after is not None else self._backoff(try_no)
                        if retry_after is not None:  # the server asked the whole host to wait
                            host.next_at = max(host.next_at, time.monotonic() + retry_after)
                            wait = 0.0
                    body = None
                elif t.status == 304 and not conditional:
                    t.error = "HTTP 304 to an unconditional request"
                    body = None
                elif t.status not in (200, 304) and location is None:
                    body = None
                    # no robots.txt (4xx) is an answer, not a failure: it means no rules
                    if not (request.purpose == "robots" and 400 <= t.status < 500):
                        t.error = f"HTTP {t.status}"
        return t, body, location, wait

    async def _probe(self, url: str) -> str | None:
        """Why a host cannot be reached (DNS, TCP connect), or None. Skipped behind a proxy."""
        if self._proxied:
            return None
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            async with self._probes, asyncio.timeout(self.config.connect_timeout):
                _, writer = await asyncio.open_connection(parts.hostname, port)
        except TimeoutError:
            return f"connect timeout after {self.config.connect_timeout:g}s"
        except OSError as exc:
            return connect_error(exc)
        writer.close()
        return None

    async def _send(self, request: Request, url: str, headers: dict, t: Try) -> tuple[bytes | None, str | None]:
        client = self._client(request.tls, url)
        data = dict(request.data) if request.data else None
        req = client.build_request(request.method, url, headers=headers, data=data)

        async def trace(event: str, info: dict) -> None:
            if event == "http11.send_request_headers.started":
                t.sent_at = time.monotonic()

        req.extensions["trace"] = trace
        response = await client.send(req, stream=True)
        try:
            t.status = response.status_code
            t.final_url = str(response.url)
            t.content_type = response.headers.get("content-type")
            t.etag = response.headers.get("etag")
            t.last_modified = response.headers.get("last-modified")
            t.retry_after = response.headers.get("retry-after")
            if response.status_code == 304:
                t.not_modified = True
                t.bytes = 0
                return None, None
            if response.is_redirect and response.headers.get("location"):
                t.bytes = 0
                return None, response.headers["location"]
            declared = response.headers.get("content-length")
            limit = self.config.max_bytes
            if declared and declared.isdigit() and int(declared) > limit:
                t.bytes = 0
                raise _TooLarge(f"body too large: Content-Length {int(declared)} > {limit} bytes")
            chunks, total = [], 0
            async for chunk in response.aiter_raw():
                total += len(chunk)
                if total > limit:
                    t.bytes = total
                    raise _TooLarge(f"body too large: more than {limit} bytes, cut off")
                chunks.append(chunk)
            raw = b"".join(chunks)
            body = _decompress(raw, response.headers.get("content-encoding"), limit)
            t.bytes = len(body)
            return body, None
        finally:
            await response.aclose()
            # httpx binds the response and its stream to each other: a cycle that keeps the
            # request, headers, pool objects and this try alive until the garbage collector
            # runs (tens of objects a request, most of the collector's work in a crawl). Closed,
            # the response needs its stream no more.
            response.stream = _CLOSED

    # ---- robots.txt ----------------------------------------------------------------------
    async def _robots_allow(self, request: Request, url: str) -> tuple[bool, str | None]:
        host = self._host(url)
        if host.robots_state == "unknown":
            async with host.robots_lock:
                if host.robots_state == "unknown":
                    known = self.known_robots.get(politeness_key(url))
                    if known and known.get("state") in ("parsed", "allow_all", "disallow_all"):
                        self._install_robots(url, host, known)
                    else:
                        await self._load_robots(request, url, host)
                        if self.on_robots is not None and host.robots_state != "unreachable":
                            self.on_robots(politeness_key(url), {"state": host.robots_state, "text": host.robots_text,
                                                                 "reason": host.robots_reason})
        if host.dead:
            return False, f"host unreachable: {host.dead}"
        if host.robots_state == "disallow_all":
            return False, f"robots.txt unavailable ({host.robots_reason}): crawling disallowed"
        if host.robots_state == "parsed" and host.robots is not None:
            if not host.robots.can_fetch(ROBOTS_AGENT, url):
                return False, "disallowed by robots.txt"
        return True, None

    async def _load_robots(self, request: Request, url: str, host: _Host) -> None:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        r = Request(robots_url, "robots", source_id=request.source_id, scope=request.scope, tls=request.tls,
                    validators=self.validators.get(robots_url))
        result = await self.fetch(r)
        status = result.final.status
        if host.dead:
            host.robots_state = "unreachable"
            return
        body = result.body
        if result.not_modified and r.validators:
            body, status = self.stored_body(r.validators[2]), 200
        if result.final.error is None and status == 200 and body is not None:
            self._install_robots(url, host, {"state": "parsed", "text": body.decode("utf-8", errors="replace")})
        elif (status is not None and 500 <= status < 600) or (status is None and result.final.error):
            # RFC 9309: a robots.txt that cannot be read (server error, timeout) forbids all
            host.robots_state = "disallow_all"
            host.robots_reason = result.final.error or f"HTTP {status}"
        else:  # 4xx, an off-site redirect, or no robots.txt at all: no rules
            host.robots_state = "allow_all"

    def _install_robots(self, url: str, host: _Host, rules: dict) -> None:
        host.robots_state, host.robots_reason = rules["state"], rules.get("reason")
        if rules["state"] == "parsed":
            parts = urlsplit(url)
            parser = urllib.robotparser.RobotFileParser(f"{parts.scheme}://{parts.netloc}/robots.txt")
            host.robots_text = rules.get("text") or ""
            parser.parse(host.robots_text.splitlines())
            host.robots = parser
            delay = parser.crawl_delay(ROBOTS_AGENT)
            if delay:
                host.delay = max(host.delay, min(float(delay), self.config.max_crawl_delay))

    # ---- helpers -------------------------------------------------------------------------
    def _skip(self, request: Request, url: str, try_no: int, why: str) -> Try:
        return Try(url=url, method=request.method, purpose=request.purpose, try_no=try_no,
                   started_at=utcnow(), source_id=request.source_id, error=why,
                   tls_verify=tls_label(request.tls), elapsed_ms=0.0)

    async def _emit(self, t: Try, body: bytes | None = None) -> Try:
        done = self.on_try(t, body)
        if inspect.isawaitable(done):  # the crawler stores off the event loop
            await done
        return t


def _cookies_only_when_set(client: httpx.AsyncClient) -> None:
    """httpx runs every response through http.cookiejar (a tenth of a request's CPU); only a
    response that sets a cookie needs it. Cookies still work as before."""
    jar = client.cookies
    extract = jar.extract_cookies

    def extract_cookies(response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            extract(response)

    jar.extract_cookies = extract_cookies


class _TooLarge(Exception):
    pass


_CLOSED = httpx.ByteStream(b"")
_NOFILE: list[int] = []


def _open_files_limit() -> int:
    """The process's open-files limit, its soft limit raised to the hard one (once): a crawl of
    thousands of hosts keeps a socket per host between requests (Fetcher._limits)."""
    if not _NOFILE:
        try:
            import resource

            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            want = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 16)
            if soft != resource.RLIM_INFINITY and soft < want:
                try:
                    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
                    soft = want
                except (OSError, ValueError):
                    pass
            _NOFILE.append(soft if soft != resource.RLIM_INFINITY else 1 << 20)
        except ImportError:  # no resource module (Windows): assume the common default
            _NOFILE.append(512)
    return _NOFILE[0]


def tls_label(tls: bool | str) -> str:
    if tls is True:
        return "verify"
    if tls is False:
        return "no-verify"
    return f"ca:{tls}"


def connect_error(exc: Exception) -> str:
    """Name why a connection could not be made, from the root of the exception chain."""
    chain, seen = [], set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        chain.append(node)
        node = node.__cause__ or node.__context__
    for e in chain:
        if isinstance(e, socket.gaierror):
            return f"DNS failure: {first_line(e)}"
        if isinstance(e, ConnectionRefusedError):
            return "connection refused"
        if isinstance(e, ssl.SSLError):
            return (f"TLS error: {first_line(e)} (if the portal is known to have a broken certificate, "
                    "set tls_verify: false or a CA bundle for this source)")
    text = first_line(exc)
    low = " ".join(first_line(e) for e in chain).lower()
    if any(s in low for s in ("name or service not known", "nodename nor servname", "temporary failure in name",
                              "no address associated", "getaddrinfo failed", "name resolution")):
        return f"DNS failure: {text}"
    if "refused" in low:
        return "connection refused"
    if "certificate" in low or "ssl" in low:
        return f"TLS error: {text}"
    if "unreachable" in low or "no route" in low:
        return f"network unreachable: {text}"
    return f"connect error: {text}"


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    import datetime as dt

    now = dt.datetime.now(when.tzinfo or dt.UTC)
    return max(0.0, (when - now).total_seconds())


def _decompress(raw: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo Content-Encoding ourselves, so the size cap also holds after inflating."""
    enc = (encoding or "").strip().lower()
    if not enc or enc == "identity":
        return raw
    import zlib

    if enc in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif enc == "deflate":
        inflater = zlib.decompressobj(zlib.MAX_WBITS if raw[:1] == b"\x78" else -zlib.MAX_WBITS)
    else:
        return raw  # we only offer gzip and deflate
    try:
        out = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise httpx.DecodingError(f"bad {enc} body: {exc}") from None
    if len(out) > limit:
        raise _TooLarge(f"body too large: more than {limit} bytes once decompressed")
    return out
