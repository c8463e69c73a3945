"""A local fixture portal: real HTTP servers on 127.0.0.1, one port per "host".

Pages are the saved files under PORTAL/<site>/ (the tests point PORTAL at their fixtures,
tests/fixtures/portal/, in tests/conftest.py), or the directory given as `root_dir`; `{{SELF}}` and `{{MIRROR}}` in
them become the base URLs of this site and of the mirror (an off-site host). Behaviour that
files cannot express lives in `_dynamic`: the fault routes under /faults/, the TRS JSON list
API and the Hanweb dataproxy. Static answers carry ETag and Last-Modified and honour
If-None-Match / If-Modified-Since with 304, like a real portal. Every request is logged with
its headers so tests can assert what the crawler sent.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PORTAL: Path | None = None  # the directory of saved sites a Portal serves when given no root_dir
LAST_MODIFIED = "Tue, 06 Feb 2024 10:23:00 GMT"
TYPES = {".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8", ".txt": "text/plain",
         ".pdf": "application/pdf", ".doc": "application/msword", ".wps": "application/octet-stream",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         ".json": "application/json; charset=utf-8", ".jsp": "text/html; charset=utf-8"}


@dataclass
class Hit:
    method: str
    path: str          # path with query
    headers: dict
    body: bytes = b""
    status: int = 0
    at: float = 0.0    # time.monotonic() when the request arrived
    done: float = 0.0  # … and when its answer was written


class Gauge:
    """Requests in flight, and the most ever at once (shared by the servers that should count)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def __enter__(self):
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *exc):
        with self.lock:
            self.now -= 1


@dataclass
class Portal:
    site: str
    slow_seconds: float = 1.0
    huge_bytes: int = 3 * 1024 * 1024
    hits: list[Hit] = field(default_factory=list)
    counters: dict = field(default_factory=dict)
    placeholders: dict = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None
    robots_fail: bool = False                            # robots.txt answers 503
    gauge: Gauge = field(default_factory=Gauge)          # this host's requests in flight
    shared: Gauge | None = None                          # requests in flight across hosts
    root_dir: Path | None = None                         # serve this directory instead (layouts.py)

    @property
    def root(self) -> Path:
        if self.root_dir is not None:
            return self.root_dir
        if PORTAL is None:
            raise RuntimeError("bench.sites.portal.PORTAL names no directory of saved sites: give root_dir")
        return PORTAL / self.site

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Portal:
        portal = self

        class Handler(_Handler):
            pass

        Handler.portal = portal
        self.server = _Server(("127.0.0.1", 0), Handler)
        self.placeholders.setdefault("{{SELF}}", self.base)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                         name=f"portal-{self.site}").start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def paths(self, method: str | None = None) -> list[str]:
        return [h.path for h in self.hits if method is None or h.method == method]

    def count(self, path: str) -> int:
        return sum(1 for h in self.hits if h.path == path)

    # ---- content -------------------------------------------------------------------------
    def file(self, path: str) -> bytes | None:
        rel = path.lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        target = (self.root / rel).resolve()
        if self.root.resolve() not in target.parents or not target.is_file() or target.name.startswith("_"):
            return None
        data = target.read_bytes()
        for key, value in self.placeholders.items():
            data = data.replace(key.encode(), value.encode())
        return data

    def type_of(self, path: str) -> str:
        rel = path if not path.endswith("/") else path + "index.html"
        if self.site == "county" and "202202" in rel:
            return "text/html"  # the GBK page: no charset in the header, only in <meta>
        return TYPES.get(Path(rel).suffix.lower(), "application/octet-stream")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # clients that hang up (timeouts, size caps, a killed crawler) are part of the tests
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    portal: Portal

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        hit = Hit(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body, at=time.monotonic())
        self.portal.hits.append(hit)
        shared = self.portal.shared or Gauge()
        # A request counts as in flight from its arrival until its answer starts: once the
        # client has the answer it may send the next request before this thread unwinds, and
        # counting the unwinding would see overlap the client never caused.
        gauges = [self.portal.gauge, shared]
        for g in gauges:
            g.__enter__()
        self._release = lambda: [g.__exit__(None, None, None) for g in gauges] and None
        try:
            _dynamic(self, hit) or self._static(hit)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.release_gauges()
        hit.done = time.monotonic()

    def release_gauges(self) -> None:
        release, self._release = getattr(self, "_release", None), None
        if release:
            release()

    def _static(self, hit: Hit) -> None:
        path = urlsplit(hit.path).path
        data = self.portal.file(path)
        if data is None:
            self.reply(hit, 404, b"<html><body>404 Not Found</body></html>", "text/html; charset=utf-8")
            return
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        if hit.headers.get("if-none-match") == etag or (
                "if-none-match" not in hit.headers and hit.headers.get("if-modified-since") == LAST_MODIFIED):
            self.reply(hit, 304, b"", None, {"ETag": etag, "Last-Modified": LAST_MODIFIED})
            return
        self.reply(hit, 200, data, self.portal.type_of(path), {"ETag": etag, "Last-Modified": LAST_MODIFIED})

    def reply(self, hit: Hit, status: int, data: bytes, ctype: str | None, headers: dict | None = None,
              length: int | None = None) -> None:
        hit.status = status
        self.release_gauges()
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)


def _once(portal: Portal, key: str) -> int:
    portal.counters[key] = portal.counters.get(key, 0) + 1
    return portal.counters[key]


def _dynamic(h: _Handler, hit: Hit) -> bool:
    """Routes whose answer depends on more than a file. True when one answered."""
    portal = h.portal
    parts = urlsplit(hit.path)
    path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
    html = "text/html; charset=utf-8"
    if path == "/robots.txt" and portal.robots_fail:
        h.reply(hit, 503, b"busy", html)
        return True
    if path == "/faults/flaky-500.html" and _once(portal, path) == 1:
        h.reply(hit, 500, b"<html><body>Internal Server Error</body></html>", html)
        return True
    if path == "/faults/busy-429.html" and _once(portal, path) == 1:
        h.reply(hit, 429, b"<html><body>Too Many Requests</body></html>", html, {"Retry-After": "1"})
        return True
    if path == "/faults/slow.html":
        time.sleep(portal.slow_seconds)
        return False
    if path == "/faults/busy-long.html":
        h.reply(hit, 429, b"busy", html, {"Retry-After": "3600"})
        return True
    if path == "/faults/unavailable.html":
        if _once(portal, path) == 1:
            # an HTTP date two seconds ahead: whole seconds, so the wait is 1–2 s
            h.reply(hit, 503, b"maintenance", html,
                    {"Retry-After": email.utils.formatdate(time.time() + 2, usegmt=True)})
        else:
            h.reply(hit, 200, portal.file("/faults/flaky-500.html"), html)
        return True
    if path in ("/faults/gzip.html", "/faults/bomb.html"):
        raw = (portal.file("/faults/flaky-500.html") if path == "/faults/gzip.html"
               else b"<html>" + b" " * (4 * 1024 * 1024) + b"</html>")
        h.reply(hit, 200, gzip.compress(raw), html, {"Content-Encoding": "gzip"})
        return True
    if path == "/faults/loop-a.html":
        h.reply(hit, 302, b"", html, {"Location": "/faults/loop-b.html"})
        return True
    if path == "/faults/loop-b.html":
        h.reply(hit, 301, b"", html, {"Location": f"{portal.base}/faults/loop-a.html"})
        return True
    if path == "/faults/away.html":
        mirror = portal.placeholders.get("{{MIRROR}}", "http://127.0.0.1:9")
        h.reply(hit, 302, b"", html, {"Location": f"{mirror}/copy/t20240206_1001.html"})
        return True
    if path == "/faults/huge.pdf":
        # an honest Content-Length the crawler refuses before reading
        h.reply(hit, 200, b"", "application/pdf", length=portal.huge_bytes)
        try:
            chunk = b"%PDF-1.4\n" + b"0" * 65527
            for _ in range(portal.huge_bytes // len(chunk)):
                h.wfile.write(chunk)
        except OSError:
            pass
        h.close_connection = True
        return True
    if path == "/faults/huge-stream.pdf":
        # no length: the crawler must cut it off while streaming
        hit.status = 200
        h.send_response(200)
        h.send_header("Content-Type", "application/pdf")
        h.send_header("Connection", "close")
        h.end_headers()
        try:
            chunk = b"%PDF-1.4\n" + b"1" * 65527
            for _ in range(portal.huge_bytes // len(chunk) + 1):
                h.wfile.write(chunk)
        except OSError:
            pass
        h.close_connection = True
        return True
    if path == "/irs/front/list.json" and portal.site == "trs":
        records = json.loads((portal.root / "_api_records.json").read_text(encoding="utf-8"))
        size = int(query.get("pageSize", 2))
        page = int(query.get("pageNo", 1))
        chunk = records[(page - 1) * size: page * size]
        doc = {"code": 200, "data": {"list": [{"docTitle": r["title"], "docPubUrl": r["url"], "pubDate": r["time"]}
                                             for r in chunk],
                                    "pager": {"pageNo": page, "pageSize": size,
                                              "pageCount": -(-len(records) // size), "total": len(records)}}}
        data = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        if hit.headers.get("if-none-match") == etag:
            h.reply(hit, 304, b"", None, {"ETag": etag})
        else:
            h.reply(hit, 200, data, "application/json; charset=utf-8", {"ETag": etag})
        return True
    if path == "/module/web/jpage/dataproxy.jsp" and portal.site == "hanweb":
        if hit.method != "POST":
            h.reply(hit, 405, b"POST only", "text/plain")
            return True
        form = {k: v[0] for k, v in parse_qs(hit.body.decode()).items()}
        if form.get("columnid") != "1229":
            h.reply(hit, 200, b"<datastore><recordset></recordset></datastore>", "text/xml; charset=utf-8")
            return True
        records = json.loads((portal.root / "_records.json").read_text(encoding="utf-8"))
        start, end = int(query.get("startrecord", 1)), int(query.get("endrecord", 3))
        recs = "".join(f'<record><![CDATA[<li><a href="{r["url"]}" title="{r["title"]}">{r["title"]}</a>'
                       f'<span>{r["date"]}</span></li>]]></record>' for r in records[start - 1:end])
        data = (f'<?xml version="1.0" encoding="UTF-8"?><datastore><nextgroup><![CDATA[]]></nextgroup>'
                f'<recordset>{recs}</recordset><totalrecord>{len(records)}</totalrecord></datastore>').encode()
        h.reply(hit, 200, data, "text/xml; charset=utf-8")
        return True
    if path == "/module/xxgk/xxgkAnnualReport.jsp" and portal.site == "hanweb":
        if query.get("fbtime") == "2023":
            return False  # the saved report page
        h.reply(hit, 200, "<html><head><meta charset='utf-8'><title>政府信息公开年报</title></head><body>"
                "<div class='nb'>暂无数据</div></body></html>".encode(), html)
        return True
    return False


def closed_port() -> int:
    """A local port nothing listens on (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Portals:
    """The fixture's hosts: county (generic), trs, hanweb, and the off-site mirror."""

    def __init__(self, slow_seconds: float = 1.0, huge_bytes: int = 3 * 1024 * 1024):
        self.mirror = Portal("mirror").start()
        self.sites = {name: Portal(name, slow_seconds=slow_seconds, huge_bytes=huge_bytes)
                      for name in ("county", "trs", "hanweb")}
        for p in self.sites.values():
            p.placeholders["{{MIRROR}}"] = self.mirror.base
            p.start()
        self.dead_port = closed_port()

    def __getitem__(self, name: str) -> Portal:
        return self.mirror if name == "mirror" else self.sites[name]

    def stop(self) -> None:
        for p in [*self.sites.values(), self.mirror]:
            p.stop()

    def reset_logs(self) -> None:
        for p in [*self.sites.values(), self.mirror]:
            p.hits.clear()

    def registry_yaml(self, *, include_dead: bool = True) -> str:
        c, t, h = self.sites["county"], self.sites["trs"], self.sites["hanweb"]
        entries = [
            f"""  - id: hanyin
    name: 汉阴县
    code: "610921"
    province: 陕西省
    prefecture: 安康市
    base_url: {c.base}/
    entry: {c.base}/
    adapter: generic
    confirmed: true
    notes: fixture county (generic adapter, TRS-style pager, faults)""",
            f"""  - id: pingli
    name: 平利县
    code: "610926"
    province: 陕西省
    prefecture: 安康市
    base_url: {t.base}/
    entry: /zfxxgk/zfxxgknb/index.html
    adapter: trs
    confirmed: true""",
            f"""  - id: longyou
    name: 龙游县
    code: "330825"
    province: 浙江省
    prefecture: 衢州市
    base_url: {h.base}/
    entry: /col/col1229/index.html
    adapter: zhejiang
    confirmed: true
    options:
      areas: {{"11330825MB1234567X": 龙游县人民政府}}
      years: [2022, 2023]""",
        ]
        if include_dead:
            entries.append(f"""  - id: ningshan
    name: 宁陕县
    code: "610923"
    province: 陕西省
    prefecture: 安康市
    base_url: http://127.0.0.1:{self.dead_port}/
    entry: /zfxxgk/zfxxgknb/
    adapter: generic
    confirmed: false""")
        return "version: 1\nsources:\n" + "\n".join(entries) + "\n"
