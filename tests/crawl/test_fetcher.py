"""The fetcher over real sockets: politeness, retries, caps, conditional GET, failing fast, TLS."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingest.crawl.domains import SiteScope
from ingest.crawl.fetcher import FetchConfig, Fetcher, Request, parse_retry_after
from bench.sites.portal import Gauge, Portal

FAST = dict(connect_timeout=1.0, read_timeout=1.0, total_timeout=5.0, backoff=0.05)


def fetch_all(requests, **config):
    tries = []

    async def go():
        async with Fetcher(FetchConfig(**{**FAST, **config}), lambda t, b: tries.append((t, b))) as f:
            return await asyncio.gather(*(f.fetch(r) for r in requests))

    return asyncio.run(go()), tries


@pytest.fixture
def county():
    p = Portal("county", slow_seconds=0.2).start()
    yield p
    p.stop()


def get(portal, path, purpose="detail", **kw):
    return Request(portal.base + path, purpose, scope=SiteScope(portal.base), **kw)


PAGES = ["/zwgk/zfxxgknb/", "/zwgk/zfxxgknb/index_1.html", "/zwgk/zfxxgknb/index_2.html",
         "/zwgk/zfxxgknb/bmnb/", "/zwgk/", "/", "/zwgk/zfxxgknb/notice.html"]


def test_one_request_in_flight_per_host_and_a_delay_between(county):
    results, tries = fetch_all([get(county, p) for p in PAGES], delay=0.1, concurrency=8)
    assert all(r.ok for r in results)
    assert county.gauge.peak == 1
    hits = sorted(county.hits, key=lambda h: h.at)
    assert [h.path for h in hits][0] == "/robots.txt"
    assert all(b.at >= a.done for a, b in zip(hits, hits[1:]))  # never two at once
    # The delay runs from the moment a request's headers go out to the next one's: exact on the
    # crawler's clock. The server below shares this process's GIL, so the moment it stamps an
    # arrival can lag by whatever the machine's load makes it wait (16 ms seen under load): its
    # spacing is checked on average, the crawler's at every request.
    sent = sorted(t.sent_at for t, _ in tries)
    assert len(sent) == len(hits) and None not in sent
    assert min(b - a for a, b in zip(sent, sent[1:])) >= 0.1
    spacing = [b.at - a.at for a, b in zip(hits, hits[1:])]
    assert sum(spacing) / len(spacing) >= 0.1, spacing


def test_hosts_are_crawled_in_parallel_within_the_global_limit():
    shared = Gauge()
    portals = [Portal("county", slow_seconds=0.2, shared=shared).start() for _ in range(4)]
    try:
        requests = [get(p, "/faults/slow.html") for p in portals for _ in range(2)]
        results, _ = fetch_all(requests, delay=0.0, concurrency=2, obey_robots=False)
        assert all(r.ok for r in results)
        assert shared.peak == 2  # parallel across hosts, never beyond --concurrency
        assert all(p.gauge.peak == 1 for p in portals)
        # interleaved: every host had started before any host finished its second request
        firsts = [min(h.at for h in p.hits) for p in portals]
        lasts = [max(h.at for h in p.hits) for p in portals]
        assert max(firsts) < max(lasts)
    finally:
        for p in portals:
            p.stop()


def test_503_with_an_http_date_retry_after_holds_back_and_retries(county):
    (result,), tries = fetch_all([get(county, "/faults/unavailable.html")], delay=0.0, retries=3)
    assert result.ok and result.final.try_no == 2
    statuses = [t.status for t, _ in tries if t.purpose == "detail"]
    assert statuses == [503, 200]
    hits = [h for h in county.hits if h.path == "/faults/unavailable.html"]
    assert hits[1].at - hits[0].done > 0.9  # waited for the date, not the 0.05 s backoff


def test_a_retry_after_beyond_the_cap_gives_up_at_once(county):
    (result,), tries = fetch_all([get(county, "/faults/busy-long.html")], max_retry_after=60)
    assert not result.ok
    assert result.final.error == "HTTP 429: Retry-After 3600s exceeds the 60s cap"
    assert county.count("/faults/busy-long.html") == 1


def test_conditional_get_answers_304(county):
    (first,), _ = fetch_all([get(county, "/zwgk/zfxxgknb/")], obey_robots=False)
    validators = (first.final.etag, first.final.last_modified, "0" * 64)
    (second,), _ = fetch_all([get(county, "/zwgk/zfxxgknb/", validators=validators)], obey_robots=False)
    assert second.ok and second.not_modified and second.body is None
    assert second.final.conditional and second.final.status == 304
    assert county.hits[-1].headers["if-none-match"] == first.final.etag
    assert county.hits[-1].headers["if-modified-since"] == first.final.last_modified


def test_gzip_bodies_are_inflated_and_the_cap_applies_after_inflating(county):
    (page, bomb), _ = fetch_all([get(county, "/faults/gzip.html"), get(county, "/faults/bomb.html")],
                                obey_robots=False, max_bytes=1_000_000)
    assert page.ok and page.body == county.file("/faults/flaky-500.html")
    assert not bomb.ok and bomb.final.error == "body too large: more than 1000000 bytes once decompressed"


def test_refused_connection_fails_fast_and_marks_the_host_dead():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    base = f"http://127.0.0.1:{port}"
    reqs = [Request(f"{base}/a.html", "list"), Request(f"{base}/b.html", "list")]
    started = time.monotonic()
    results, tries = fetch_all(reqs, retries=3)
    assert time.monotonic() - started < 2
    errors = sorted(t.error for t, _ in tries)
    assert errors[0] == "connection refused"  # robots.txt: the one request actually sent
    assert all(e == "host unreachable: connection refused" for e in errors[1:])
    assert len(tries) == 3 and not any(t.retry for t, _ in tries)


def test_connect_timeout_is_not_retried():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):  # fill the accept backlog: further SYNs go unanswered
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(c)
    try:
        results, tries = fetch_all([Request(f"http://127.0.0.1:{port}/x.html", "list")],
                                   connect_timeout=0.3, retries=3, obey_robots=False)
        assert results[0].final.error == "connect timeout after 0.3s"
        assert len(tries) == 1
    finally:
        for c in fillers:
            c.close()
        listener.close()


class KeepAliveServer:
    """Answers HTTP/1.1 requests and counts connections; `idle` closes a connection that long
    after its answer (a server's keep-alive timeout, shorter than the crawler's delay)."""

    def __init__(self, idle: float | None):
        self.idle = idle
        self.connections = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            conn.settimeout(self.idle or 10)
            buf = b""
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:  # idle past the server's keep-alive timeout: it hangs up
                    return
                if not data:
                    return
                buf += data
                while b"\r\n\r\n" in buf:
                    _, buf = buf.split(b"\r\n\r\n", 1)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok")

    def close(self):
        self.listener.close()


@pytest.mark.parametrize("server_idle", [None, 0.05])
def test_the_connection_is_kept_across_the_delay_and_a_closed_one_is_not_reused(server_idle):
    # the crawler keeps a host's connection between two polite requests (no connect per
    # request); a server that hung up meanwhile costs a new connection, never a failed request
    server = KeepAliveServer(idle=server_idle)
    try:
        reqs = [Request(f"{server.base}/{i}.html", "list") for i in range(3)]
        results, tries = fetch_all(reqs, delay=0.2, obey_robots=False, retries=0)
        assert [r.final.status for r in results] == [200, 200, 200]
        assert not any(t.error or t.retry for t, _ in tries)
        # the first connection is the host's probe (a TCP connect before its first request)
        assert server.connections == 1 + (1 if server_idle is None else 3)
    finally:
        server.close()


def test_dns_failure_fails_fast():
    started = time.monotonic()
    (result,), tries = fetch_all([Request("http://no-such-county.invalid/zfxxgknb/", "list")], connect_timeout=2.0)
    assert time.monotonic() - started < 5
    error = result.final.error
    assert error.startswith(("host unreachable: DNS failure", "host unreachable: connect timeout")), error
    assert not any(t.retry for t, _ in tries)


def test_redirects_within_the_site_are_followed(county):
    (result,), tries = fetch_all([get(county, "/zwgk/zfxxgknb")], obey_robots=False)  # no slash: a 404 here
    assert result.final.status == 404
    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/old":
                self.send_response(301)
                self.send_header("Location", "/new")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                body = b"moved here"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        (result,), tries = fetch_all([Request(f"{base}/old", "detail", scope=SiteScope(base))], obey_robots=False)
        assert result.ok and result.body == b"moved here"
        assert [(t.url, t.status) for t, _ in tries] == [(f"{base}/old", 301), (f"{base}/new", 200)]
    finally:
        server.shutdown()
        server.server_close()


def test_retry_after_parsing():
    assert parse_retry_after("7") == 7.0
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 25 <= parse_retry_after(soon) <= 31
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


# ---- TLS: per-source options, recorded --------------------------------------------------------
@pytest.fixture
def https_server(tmp_path):
    crypto = pytest.importorskip("cryptography")  # noqa: F841
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))

    class Hello(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"hello over tls"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert_path
    server.shutdown()
    server.server_close()


def test_tls_verification_per_source(https_server):
    base, ca = https_server
    (strict,), tries = fetch_all([Request(f"{base}/r.html", "detail", tls=True)], obey_robots=False, retries=2)
    assert strict.final.error.startswith("TLS error") and len(tries) == 1 and tries[0][0].tls_verify == "verify"
    (lax,), tries = fetch_all([Request(f"{base}/r.html", "detail", tls=False)], obey_robots=False)
    assert lax.ok and lax.body == b"hello over tls" and tries[0][0].tls_verify == "no-verify"
    (pinned,), tries = fetch_all([Request(f"{base}/r.html", "detail", tls=str(ca))], obey_robots=False)
    assert pinned.ok and tries[0][0].tls_verify == f"ca:{ca}"


def test_robots_crawl_delay_raises_the_delay():
    polite = Portal("polite").start()
    try:
        results, _ = fetch_all([get(polite, "/a.html"), get(polite, "/b.html")], delay=0.01)
        assert all(r.ok for r in results)
        a, b = sorted((h for h in polite.hits if h.path != "/robots.txt"), key=lambda h: h.at)
        assert b.at - a.at >= 0.95  # Crawl-delay: 1 beats our own 0.01 s
    finally:
        polite.stop()


def test_an_unreadable_robots_txt_forbids_crawling():
    portal = Portal("county", robots_fail=True).start()
    try:
        results, tries = fetch_all([get(portal, "/zwgk/"), get(portal, "/zwgk/zfxxgknb/")], retries=1, delay=0.0)
        assert [r.final.error for r in results] == ["robots.txt unavailable (HTTP 503): crawling disallowed"] * 2
        assert portal.paths() == ["/robots.txt", "/robots.txt"]  # one retry, then nothing else is asked
    finally:
        portal.stop()
