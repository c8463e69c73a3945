"""`python -m bench.httpx_floor`: httpx's own CPU per request against the crawl-sim server.

The floor under the crawler's CPU per request (`python -m bench crawl-sim`): a bare httpx
AsyncClient loop — one client per host as the fetcher keeps them, 16 requests in flight — with
httpx's stock transport (httpcore over anyio) and with the fetcher's asyncio transport
(ingest/crawl/netio.py), each with keep-alive and with a new connection per request. Only this
process's CPU is counted: the server is a process of its own.

    python -m bench.httpx_floor [--hosts 40] [--requests 40]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import ssl
import sys

import httpx

from bench.crawl_sim import Sim
from bench.sim_sites import address
from ingest.crawl.netio import asyncio_transport


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def _loop(port: int, hosts: int, per_host: int, asyncio_transport: bool, keepalive: int) -> float:
    slots = asyncio.Semaphore(16)
    context = ssl.create_default_context()

    async def host(i: int) -> None:
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=keepalive)
        client = (httpx.AsyncClient(transport=asyncio_transport(context, limits)) if asyncio_transport
                  else httpx.AsyncClient(limits=limits))
        url = f"http://{address(i)}:{port}/"
        async with client:
            for _ in range(per_host):
                async with slots:
                    response = await client.send(client.build_request("GET", url), stream=True)
                    async for _chunk in response.aiter_raw():
                        pass
                    await response.aclose()

    started = _cpu()
    await asyncio.gather(*(host(i) for i in range(hosts)))
    return 1000 * (_cpu() - started) / (hosts * per_host)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.httpx_floor")
    ap.add_argument("--hosts", type=int, default=40)
    ap.add_argument("--requests", type=int, default=40, help="requests per host")
    args = ap.parse_args(argv)
    if args.hosts < 1 or args.requests < 1:
        print("error: --hosts and --requests must be at least 1", file=sys.stderr)
        return 2
    with Sim(args.hosts) as sim:
        for name, native in (("httpx stock (anyio)", False), ("asyncio transport (netio.py)", True)):
            for keepalive, how in ((1, "keep-alive"), (0, "new connection each")):
                ms = asyncio.run(_loop(sim.port, args.hosts, args.requests, native, keepalive))
                print(f"   {name:30s} {how:20s} {ms:.3f} ms CPU a request", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
