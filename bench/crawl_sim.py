"""`python -m bench crawl-sim --sites N`: a national crawl in miniature, on loopback.

One server process serves N synthetic county portals (bench/sim_sites.py: seven CMS families,
six hub layouts, the report column 1–4 levels deep, long news lists, 政策解读 traps, a
robots-disallowed draft, links to the neighbouring counties) on distinct loopback addresses
127.x.y.z (one host each, one port), each answer after a latency of 5–30 ms, with ETag /
If-None-Match like a real portal. Three more hosts are faults: one answers 503 to everything,
one takes 5 s for every answer, one refuses connections (nothing listens there).

The crawler runs as `python -m ingest crawl` in its own process (registry entries `entry: /`,
adapter generic), so its CPU time and peak memory (wait4 rusage) are the crawler's alone:
1. an uninterrupted crawl: recall (expected reports archived), wrong documents (archived URLs
   that are not reports), requests per report, robots violations, off-site requests, wall time
   against the politeness bound (the busiest host's requests × max(delay, its latency)),
   CPU per request, peak memory;
2. the same crawl killed (SIGKILL) once half its requests are sent, then run again: the two
   archives must hold exactly the same documents, and no host may fetch its home page again.

    python -m bench crawl-sim --sites 300
    python -m bench crawl-sim --sites 3000 --delay 12 --concurrency 96
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.sim_sites import address, site

FAULTS = ("503", "slow", "refused")
SLOW_SECONDS = 5.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def layout(n_sites: int) -> dict[int, str]:
    """Which site indices are fault hosts (the last three)."""
    return {n_sites + k: f for k, f in enumerate(FAULTS)}


# ---- the server (its own process) ---------------------------------------------------------
def serve(n_sites: int, port: int, control_port: int, ready, slow_seconds: float = SLOW_SECONDS) -> None:
    faults = layout(n_sites)
    by_addr = {address(i): i for i in range(n_sites + len(FAULTS)) if faults.get(i) != "refused"}
    cache: dict[int, dict[str, tuple[bytes, bytes]]] = {}
    stats = {"requests": {}, "robots_violations": 0, "latency": {}, "not_modified": 0}
    port_b = f":{port}".encode()

    def files(i: int) -> dict[str, tuple[bytes, bytes]]:
        got = cache.get(i)
        if got is None:
            raw, _ = site(i, n_sites, small=faults.get(i) == "slow")
            got = {}
            for path, body in raw.items():
                body = body.replace(b"{PORT}", port_b)
                got[path] = (body, hashlib.sha1(body).hexdigest()[:16].encode())
            cache[i] = got
        return got

    async def handle(reader, writer):
        i = by_addr.get(writer.get_extra_info("sockname")[0])
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line, _, rest = head.partition(b"\r\n")
                path = line.split(b" ", 2)[1].decode("latin-1").split("?", 1)[0]
                stats["requests"][i] = stats["requests"].get(i, 0) + 1
                if path.startswith("/draft/"):
                    stats["robots_violations"] += 1
                fault = faults.get(i)
                delay = slow_seconds if fault == "slow" else 0.005 + (hash(path) % 26) / 1000
                stats["latency"][i] = stats["latency"].get(i, 0.0) + delay
                await asyncio.sleep(delay)
                inm = None
                for h in rest.split(b"\r\n"):
                    if h[:14].lower() == b"if-none-match:":
                        inm = h[14:].strip().strip(b'"')
                key = path + "index.html" if path.endswith("/") else path
                got = None if fault == "503" or i is None else files(i).get(key)
                if fault == "503":
                    status, body, extra = b"503 Service Unavailable", b"busy", b"Retry-After: 1\r\n"
                elif got is None:
                    status, body, extra = b"404 Not Found", b"not found", b""
                elif inm == got[1]:
                    stats["not_modified"] += 1
                    status, body, extra = b"304 Not Modified", b"", b'ETag: "' + got[1] + b'"\r\n'
                else:
                    status, body, extra = b"200 OK", got[0], b'ETag: "' + got[1] + b'"\r\n'
                ctype = (b"text/plain" if key.endswith(".txt") else b"application/pdf" if key.endswith(".pdf")
                         else b"text/html; charset=utf-8")
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype + b"\r\n" + extra
                             + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, IndexError):
            pass
        finally:
            writer.close()

    async def control(reader, writer):
        try:
            line = await reader.readline()
            if b"reset" in line:
                stats["requests"].clear()
                stats["latency"].clear()
                stats["robots_violations"] = stats["not_modified"] = 0
            writer.write(json.dumps({**stats, "requests": {str(k): v for k, v in stats["requests"].items()},
                                     "latency": {str(k): v for k, v in stats["latency"].items()}}).encode())
            await writer.drain()
        finally:
            writer.close()

    async def main():
        await asyncio.start_server(handle, host=list(by_addr), port=port, backlog=4096)
        await asyncio.start_server(control, "127.0.0.1", control_port)
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def ask(control_port: int, what: str = "stats") -> dict:
    with socket.create_connection(("127.0.0.1", control_port), timeout=30) as s:
        s.sendall(what.encode() + b"\n")
        data = b""
        while chunk := s.recv(1 << 20):
            data += chunk
    return json.loads(data)


class Sim:
    """The server process and the registry of its sites."""

    def __init__(self, n_sites: int, slow_seconds: float = SLOW_SECONDS):
        self.n = n_sites
        self.port, self.control = _free_port(), _free_port()
        ctx = mp.get_context("spawn")
        self.ready = ctx.Event()
        self.proc = ctx.Process(target=serve, args=(n_sites, self.port, self.control, self.ready, slow_seconds),
                                daemon=True)

    def __enter__(self):
        self.proc.start()
        if not self.ready.wait(120):
            raise RuntimeError("the simulated portals did not start")
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.join(10)

    def registry(self, path: Path) -> Path:
        lines = ["version: 1", "sources:"]
        for i in range(self.n + len(FAULTS)):
            lines += [f"  - id: sim{i:05d}", "    name: 汉阴县", '    code: "610921"', "    province: 陕西省",
                      "    prefecture: 安康市", f"    base_url: http://{address(i)}:{self.port}/", "    entry: /",
                      "    adapter: generic", "    confirmed: false"]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def expected(self) -> dict[str, set[tuple[str, str]]]:
        faults = layout(self.n)
        out = {}
        for i in range(self.n + len(FAULTS)):
            if faults.get(i) in ("503", "refused"):
                out[f"sim{i:05d}"] = set()
            else:
                out[f"sim{i:05d}"] = site(i, self.n, small=faults.get(i) == "slow")[1]
        return out


def crawl_cmd(registry: Path, delay: float, concurrency: int, extra: list[str] | None = None) -> list[str]:
    return [sys.executable, "-m", "ingest", "crawl", "--registry", str(registry), "--delay", str(delay),
            "--concurrency", str(concurrency), "--retries", "1", "--backoff", "0.5", "--timeout", "10",
            "--connect-timeout", "10", "--quiet", "--json", *(extra or [])]


def profiled(cmd: list[str], out: str) -> list[str]:
    """The crawl command under a profiler: py-spy (sampling, every thread) for a .txt, else cProfile."""
    import shutil

    path = str(Path(out).resolve())
    if path.endswith(".txt"):
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        return [spy, "record", "--format", "raw", "--threads", "--rate", "200", "-o", path, "--", *cmd]
    assert cmd[1:3] == ["-m", "ingest"]
    return [cmd[0], "-m", "cProfile", "-o", path, *cmd[1:]]


def run_crawl(cmd: list[str], data_dir: Path, kill_when=None) -> dict:
    """Run the crawler in a child process; its rusage (CPU, peak RSS) from wait4."""
    env = {**os.environ, "DATA_DIR": str(data_dir), "PYTHONHASHSEED": "0"}
    started = time.perf_counter()
    with open(data_dir.parent / f"{data_dir.name}.out", "wb") as out, \
            open(data_dir.parent / f"{data_dir.name}.err", "wb") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        killed = False
        if kill_when is not None:
            while proc.poll() is None:
                if kill_when():
                    proc.send_signal(signal.SIGKILL)
                    killed = True
                    break
                time.sleep(0.2)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "status": status, "killed": killed}


def archive_facts(data_dir: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(data_dir / "archive" / "archive.duckdb"), read_only=True)
    try:
        docs = con.execute("SELECT source_id, url, kind, sha256, issuer, title, year_hint FROM document_versions"
                           " ORDER BY ALL").fetchall()
        attempts = con.execute("SELECT run_id, source_id, url, status, error, elapsed_ms FROM fetch_attempts").fetchall()
    finally:
        con.close()
    return {"docs": docs, "attempts": attempts}


def score(expected: dict[str, set], facts: dict, port: int) -> dict:
    from urllib.parse import urlsplit

    got = {(sid, urlsplit(url).path, kind) for sid, url, kind, *_ in facts["docs"]}
    want = {(sid, path, kind) for sid, paths in expected.items() for path, kind in paths}
    off_site = sum(1 for _, sid, url, *_ in facts["attempts"]
                   if sid and urlsplit(url).hostname != _host_of(sid, port))
    return {"expected": len(want), "found": len(want & got), "wrong": len(got - want),
            "wrong_examples": sorted(got - want)[:5], "missed_examples": sorted(want - got)[:5],
            "off_site": off_site}


def _host_of(source_id: str, port: int) -> str:
    return address(int(source_id[3:]))


def politeness_bound(stats: dict, delay: float) -> float:
    """The busiest host's chain: each of its requests costs at least max(delay, its latency)."""
    best = 0.0
    for k, n in stats["requests"].items():
        lat = stats["latency"].get(k, 0.0)
        best = max(best, max(n * delay, lat + max(0, n - 1) * max(0.0, delay - lat / n)))
    return best


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench crawl-sim")
    ap.add_argument("--sites", type=int, default=300)
    ap.add_argument("--delay", type=float, default=None, help="per-host politeness delay (default: sites/250, ≥ 2 s)")
    ap.add_argument("--concurrency", type=int, default=None, help="requests in flight (default: sites/25, ≥ 16)")
    ap.add_argument("--no-resume", action="store_true", help="skip the kill-and-resume half")
    ap.add_argument("--keep", metavar="DIR", help="keep the archives and logs in DIR")
    ap.add_argument("--profile", metavar="FILE",
                    help="profile the uninterrupted crawl: cProfile stats of its event loop to FILE (.prof), or "
                         "py-spy's collapsed stacks of every thread when FILE ends in .txt (py-spy on PATH or "
                         "beside this Python); that run's CPU and memory figures are then not the crawler's alone "
                         "(cProfile slows it; under py-spy wait4 reports py-spy, with the crawler only when "
                         "py-spy reaped it)")
    args = ap.parse_args(argv)
    if args.sites < 4:
        print("error: --sites must be at least 4", file=sys.stderr)
        return 2
    delay = args.delay if args.delay is not None else max(2.0, args.sites / 250)
    concurrency = args.concurrency or max(16, args.sites // 25)
    load = os.getloadavg()
    tmp_ctx = tempfile.TemporaryDirectory(prefix="crawl-sim-") if not args.keep else None
    tmp = Path(tmp_ctx.name if tmp_ctx else args.keep)
    tmp.mkdir(parents=True, exist_ok=True)
    with Sim(args.sites) as sim:
        registry = sim.registry(tmp / "registry.yaml")
        expected = sim.expected()
        cmd = crawl_cmd(registry, delay, concurrency)
        print(f"   {args.sites} sites + 3 fault hosts on 127.x.y.z:{sim.port}; delay {delay:g} s, "
              f"concurrency {concurrency}; load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
        ask(sim.control, "reset")
        full = run_crawl(profiled(cmd, args.profile) if args.profile else cmd, tmp / "full")
        stats = ask(sim.control)
        facts = archive_facts(tmp / "full")
        s = score(expected, facts, sim.port)
        requests = sum(stats["requests"].values())
        refused = sum(1 for _, sid, url, status, error, _ in facts["attempts"]
                      if error and error.startswith("connection refused"))
        sent = requests + refused
        bound = politeness_bound(stats, delay)
        recall = s["found"] / s["expected"] if s["expected"] else 1.0
        cpu_ms = 1000 * full["cpu"] / sent if sent else float("nan")
        print(f"   recall {s['found']}/{s['expected']} = {100 * recall:.2f}%; wrong documents {s['wrong']}"
              f"{' e.g. ' + str(s['wrong_examples']) if s['wrong'] else ''}; robots violations "
              f"{stats['robots_violations']}; off-site requests {s['off_site']}")
        if s["found"] < s["expected"]:
            print(f"   missed e.g. {s['missed_examples']}")
        print(f"   {sent} requests, {sent / max(1, s['found']):.2f} per report; wall {full['wall']:.1f} s against a "
              f"politeness bound of {bound:.1f} s = {full['wall'] / bound:.2f}×", flush=True)
        print(f"   crawler CPU {full['cpu']:.1f} s = {cpu_ms:.2f} ms per request; peak memory {full['peak_mb']:.0f} MB"
              f"; exit status {full['status']}", flush=True)
        ok = recall >= 0.995 and not s["wrong"] and cpu_ms <= 2.0 and full["peak_mb"] < 1024 \
            and full["wall"] <= 1.2 * bound
        if not args.no_resume:
            ask(sim.control, "reset")
            half = sent // 2
            killed = run_crawl(cmd, tmp / "resume", kill_when=lambda: sum(ask(sim.control)["requests"].values()) >= half)
            before = ask(sim.control)
            ask(sim.control, "reset")
            rerun = run_crawl(cmd, tmp / "resume")
            after = ask(sim.control)
            facts2 = archive_facts(tmp / "resume")
            same = facts["docs"] == facts2["docs"]
            runs = sorted({r for r, *_ in facts2["attempts"]})
            first_homes = {sid for r, sid, url, *_ in facts2["attempts"] if r == runs[0] and url.endswith(":%d/" % sim.port)}
            again = {sid for r, sid, url, status, *_ in facts2["attempts"]
                     if r == runs[-1] and sid in first_homes and url.endswith(":%d/" % sim.port)}
            print(f"   killed at {sum(before['requests'].values())} requests (SIGKILL, {killed['wall']:.1f} s); the rerun "
                  f"sent {sum(after['requests'].values())} ({after['not_modified']} answered 304) in "
                  f"{rerun['wall']:.1f} s; archives {'identical' if same else 'DIFFER'} "
                  f"({len(facts2['docs'])} against {len(facts['docs'])} documents); hosts that fetched their home "
                  f"page again: {len(again)} of {len(first_homes)}", flush=True)
            ok = ok and same and not again
    if tmp_ctx:
        tmp_ctx.cleanup()
    print(f"   {'OK' if ok else 'MISSED'} (targets: recall ≥ 99.5%, 0 wrong, wall ≤ 1.2× bound, ≤ 2 ms CPU/request,"
          " < 1 GB, kill + rerun identical with no home page fetched again)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
