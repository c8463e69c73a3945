"""Links from the internet do not reach the user's own network.

Recursive discovery follows links to hosts nobody reviewed, and a crawled page or a redirect
may point at a private, link-local or loopback address (10.x, 172.16–31.x, 192.168.x,
169.254.169.254 — the cloud metadata service —, 127.x, ::1, fc00::/7 …). `PrivateGuard.refusal`
says why such a target is refused; the fetcher asks it before every request, redirect hops
included, so a public page that redirects to 127.0.0.1 gets nowhere either.

A target is allowed when its address is public, or when the user allowed it explicitly: a
network (`127.0.0.0/8`), an address, or a host with or without port (`10.0.0.5:8080`,
`intranet.example`). The registry's own entries allow their hosts (a user who registers a
portal on a private address means it); the tests' loopback trees pass `--allow-private
127.0.0.0/8`. Host names are resolved (cached) and refused when any address they resolve to
is not public. What this does not stop: a name that resolves to a public address here and a
private one at connect time (DNS rebinding) — the connection is made by httpx afterwards.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

_KINDS = (("is_loopback", "loopback"), ("is_link_local", "link-local"), ("is_private", "private"),
          ("is_multicast", "multicast"), ("is_unspecified", "unspecified"), ("is_reserved", "reserved"))


def address_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """'loopback', 'link-local', 'private', … for an address that is not public, else None."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for attr, word in _KINDS:
        if getattr(ip, attr):
            return word
    return None if ip.is_global else "non-public"


def _ip(text: str):
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


class PrivateGuard:
    """Refuses non-public targets unless allowed (see module doc). `allow` items: CIDR
    networks, addresses, host names, host:port."""

    def __init__(self, allow: list[str] | tuple[str, ...] = (), *, allow_all: bool = False):
        self.allow_all = allow_all
        self.networks: list = []
        self.hosts: set[str] = set()
        for item in allow:
            item = item.strip().lower()
            if not item:
                continue
            if "/" in item:
                try:
                    self.networks.append(ipaddress.ip_network(item, strict=False))
                    continue
                except ValueError:
                    raise ValueError(f"not a network: {item!r}") from None
            self.hosts.add(item)
        self._resolved: dict[str, list] = {}
        # (host, port) → the verdict: asked before every request and redirect hop, and fixed for
        # the run once the host is resolved (names are resolved once, see _addresses)
        self._verdicts: dict[tuple[str, int], str | None] = {}

    @classmethod
    def for_urls(cls, urls, extra: list[str] | tuple[str, ...] = (), *, allow_all: bool = False) -> "PrivateGuard":
        """A guard that allows the hosts of these URLs (a registry's own entries) and `extra`."""
        hosts = []
        for u in urls:
            parts = urlsplit(u if "://" in u else f"http://{u}")
            if parts.hostname:
                hosts.append(parts.netloc.lower())
        return cls(list(extra) + hosts, allow_all=allow_all)

    def _allowed(self, host: str, port: int, ip) -> bool:
        if host in self.hosts or f"{host}:{port}" in self.hosts:
            return True
        if ip is not None and (str(ip) in self.hosts or f"{ip}:{port}" in self.hosts):
            return True
        return ip is not None and any(ip in n for n in self.networks if n.version == ip.version)

    async def _addresses(self, host: str) -> list:
        ip = _ip(host)
        if ip is not None:
            return [ip]
        if host not in self._resolved:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError):
                infos = []  # the fetcher reports the DNS failure itself
            self._resolved[host] = sorted({i[4][0] for i in infos})
        return [a for a in (_ip(x.split("%")[0]) for x in self._resolved[host]) if a is not None]

    async def refusal(self, url: str) -> str | None:
        """Why `url` may not be fetched, or None."""
        if self.allow_all:
            return None
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return f"refused: bad port in {url}"
        key = (host, port)
        if key not in self._verdicts:
            self._verdicts[key] = await self._verdict(host, port)
        return self._verdicts[key]

    async def _verdict(self, host: str, port: int) -> str | None:
        for ip in await self._addresses(host):
            kind = address_kind(ip)
            if kind and not self._allowed(host, port, ip):
                shown = host if str(ip) == host else f"{host} ({ip})"
                return (f"refused: {shown} is a {kind} address, not the public internet "
                        "(allow it in the registry or with --allow-private)")
        return None
