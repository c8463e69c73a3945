"""`python -m bench crawl`: crawl a local multi-host portal fixture and compare with politeness.

A separate process serves N hosts (one port each) of a synthetic TRS-style column: two list
pages (index.html, index_1.html via createPageHTML) linking report detail pages of ~12 KB, so
every host has exactly P pages plus robots.txt. The crawler then runs as `python -m ingest
crawl` does (same Crawl object, real archive on disk) twice:

- polite: per-host delay D. Requests to one host are serialised with D between them, so no
  crawl can beat the lower bound P × D (the robots.txt request fills the first gap); target:
  wall time within 1.5× of it, hosts in parallel.
- unthrottled: delay 0, to show raw throughput (pages/s) of fetch + store.

    python -m bench crawl                       # 50 hosts × 20 pages, delay 0.2 s
    python -m bench crawl --hosts 10 --pages 50 --delay 0.5
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.5


# ---- the fixture server (its own process, asyncio, keep-alive) ---------------------------------
def _detail_html(host: int, n: int) -> bytes:
    rows = "".join(f"<tr><td><p><span style='font-family:仿宋_GB2312'>第{i}行</span></p></td>"
                   f"<td><p><span>{(host * 31 + n * 7 + i) % 97}</span></p></td></tr>" for i in range(120))
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>第{host}县第{n}部门2023年政府信息公开工作年度报告"
            f"</title></head><body><h1>第{host}县第{n}部门2023年政府信息公开工作年度报告</h1>"
            f"<p>一、总体情况</p><p>二、主动公开政府信息情况</p><table>{rows}</table>"
            f"<p>三、收到和处理政府信息公开申请情况</p><p>四、政府信息公开行政复议、行政诉讼情况</p>"
            f"</body></html>").encode()


def _site(host: int, pages: int) -> dict[str, bytes]:
    details = pages - 2
    half = (details + 1) // 2
    links = [f"<li><a href='./2024/t{n}.html'>第{host}县第{n}部门2023年政府信息公开工作年度报告</a></li>"
             for n in range(details)]
    site = {
        "/robots.txt": b"User-agent: *\nDisallow: /private/\n",
        "/nb/index.html": ("<html><head><meta charset='utf-8'></head><body><ul>" + "".join(links[:half]) +
                           "</ul><script>createPageHTML(2, 0, 'index', 'html');</script></body></html>").encode(),
        "/nb/index_1.html": ("<html><head><meta charset='utf-8'></head><body><ul>" + "".join(links[half:]) +
                             "</ul><script>createPageHTML(2, 1, 'index', 'html');</script></body></html>").encode(),
    }
    for n in range(details):
        site[f"/nb/2024/t{n}.html"] = _detail_html(host, n)
    return site


def _serve(hosts: int, pages: int, ports, ready) -> None:
    async def main():
        servers = []
        for h in range(hosts):
            site = _site(h, pages)

            async def handle(reader, writer, site=site):
                try:
                    while True:
                        head = await reader.readuntil(b"\r\n\r\n")
                        path = head.split(b" ", 2)[1].decode()
                        body = site.get(path)
                        status = b"200 OK" if body is not None else b"404 Not Found"
                        body = body if body is not None else b"not found"
                        ctype = b"text/plain" if path.endswith(".txt") else b"text/html; charset=utf-8"
                        writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype +
                                     b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                        await writer.drain()
                except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
                    pass
                finally:
                    writer.close()

            server = await asyncio.start_server(handle, "127.0.0.1", 0)
            servers.append(server)
            ports.append(server.sockets[0].getsockname()[1])
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def _registry(ports: list[int]) -> str:
    lines = ["version: 1", "sources:"]
    for i, port in enumerate(ports):
        lines += [f"  - id: host{i:03d}", "    name: 汉阴县", '    code: "610921"', "    province: 陕西省",
                  "    prefecture: 安康市", f"    base_url: http://127.0.0.1:{port}/", "    entry: /nb/index.html",
                  "    adapter: trs", "    confirmed: true"]
    return "\n".join(lines) + "\n"


# ---- one measured crawl -------------------------------------------------------------------------
def _crawl(registry_path: Path, data_dir: Path, delay: float, concurrency: int) -> tuple[float, dict]:
    from ingest.config import paths
    from ingest.crawl import registry as reg
    from ingest.crawl.archive import Archive, new_run_id
    from ingest.crawl.crawler import Crawl
    from ingest.crawl.fetcher import FetchConfig

    sources = list(reg.load(registry_path).sources)
    config = FetchConfig(delay=delay, concurrency=concurrency, retries=0)
    with Archive(paths(data_dir)) as archive:
        crawl = Crawl(archive, sources, config, max_pages=10_000, run_id=new_run_id())
        started = time.perf_counter()
        summaries = asyncio.run(crawl.run())
        wall = time.perf_counter() - started
        requests = crawl.fetcher.requests_sent
    totals = {
        "requests": requests,
        "pages": sum(s.pages_fetched for s in summaries.values()),
        "documents": sum(s.new_documents for s in summaries.values()),
        "failures": sum(s.failures for s in summaries.values()),
    }
    return wall, totals


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench crawl")
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--pages", type=int, default=20, help="pages per host (2 lists + details), ≥ 3")
    ap.add_argument("--delay", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, default=16,
                    help="requests in flight across hosts (50 hosts at 5 requests/s each keep ~8 busy)")
    args = ap.parse_args(argv)
    if args.pages < 3 or args.hosts < 1:
        print("error: --pages must be at least 3 and --hosts at least 1", file=sys.stderr)
        return 2

    ctx = mp.get_context("spawn")
    manager = ctx.Manager()
    ports, ready = manager.list(), manager.Event()
    server = ctx.Process(target=_serve, args=(args.hosts, args.pages, ports, ready), daemon=True)
    server.start()
    try:
        if not ready.wait(30):
            print("error: the fixture server did not start", file=sys.stderr)
            return 1
        with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
            tmp = Path(tmp)
            registry = tmp / "registry.yaml"
            registry.write_text(_registry(list(ports)), encoding="utf-8")

            # warm-up: imports, compiled patterns, the first Arrow batch — paid once per process,
            # not part of what politeness costs
            warm = tmp / "warm.yaml"
            warm.write_text(_registry(list(ports)[:1]), encoding="utf-8")
            _crawl(warm, tmp / "warm", 0.0, args.concurrency)

            wall, polite = _crawl(registry, tmp / "polite", args.delay, args.concurrency)
            bound = args.pages * args.delay
            ratio = wall / bound if bound else float("nan")
            print(f"   fixture: {args.hosts} hosts × {args.pages} pages (+ robots.txt), "
                  f"{polite['documents']} report pages stored, {polite['failures']} failures")
            print(f"   polite (delay {args.delay:g} s, concurrency {args.concurrency}): {wall:.2f} s wall; "
                  f"lower bound {bound:.2f} s ({args.pages} pages × {args.delay:g} s); ratio {ratio:.2f} "
                  f"(target ≤ {TARGET_RATIO}) {'OK' if ratio <= TARGET_RATIO else 'MISSED'}")

            fast_wall, fast = _crawl(registry, tmp / "fast", 0.0, args.concurrency)
            print(f"   unthrottled (delay 0, concurrency {args.concurrency}): {fast['requests']} requests "
                  f"in {fast_wall:.2f} s = {fast['requests'] / fast_wall:.0f} requests/s, "
                  f"{fast['pages'] / fast_wall:.0f} pages/s")
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"   peak RSS of the crawling process: {peak:.0f} MB")
        return 0 if ratio <= TARGET_RATIO and not polite["failures"] else 1
    finally:
        server.terminate()
        server.join(5)
        manager.shutdown()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
