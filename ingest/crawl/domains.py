"""Which URLs belong to an issuer's own site.

Mirror and spam sites copy government pages wholesale, so a crawl only follows links on the
issuer's registrable domain (www.hanyin.gov.cn and jyj.hanyin.gov.cn are one site;
hanyin.gov.cn.example.com is not). A bare IP address has no registrable domain: there the
site is the address *and port*, because one machine often serves unrelated sites on
different ports.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

# Second-level suffixes under which registrations happen (a small public-suffix list: the
# crawl only meets Chinese government and a few generic domains).
_SECOND_LEVEL = {
    "gov.cn", "com.cn", "net.cn", "org.cn", "edu.cn", "ac.cn", "mil.cn",
    "gov.hk", "com.hk", "gov.mo", "gov.tw",
}
# China's provincial second-level domains: ak.sn.cn is registered under sn.cn.
_PROVINCE_CN = {
    "bj", "tj", "he", "sx", "nm", "ln", "jl", "hl", "sh", "js", "zj", "ah", "fj", "jx", "sd",
    "ha", "hb", "hn", "gd", "gx", "hi", "cq", "sc", "gz", "yn", "xz", "sn", "gs", "qh", "nx",
    "xj",
}


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


@lru_cache(maxsize=1 << 14)
def hostport(url: str) -> str:
    """host:port, the unit of a connection pool."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{host}:{port}"


@lru_cache(maxsize=1 << 14)
def politeness_key(url: str) -> str:
    """Who a request lands on: the host name (http and https of one name are one server), or
    for a bare IP address the address and port (unrelated services share machines)."""
    host = host_of(url)
    return hostport(url) if is_ip(host) else host


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def registrable_domain(host: str) -> str:
    host = host.lower().rstrip(".")
    if is_ip(host) or "." not in host:
        return host
    labels = host.split(".")
    last_two = ".".join(labels[-2:])
    if last_two in _SECOND_LEVEL and len(labels) >= 3:
        return ".".join(labels[-3:])
    if labels[-1] == "cn" and labels[-2] in _PROVINCE_CN and len(labels) >= 3:
        return ".".join(labels[-3:])
    return last_two


@lru_cache(maxsize=1 << 14)
def site_of(url: str) -> str:
    """The identity of the site a URL belongs to (see module doc)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if is_ip(host):
        return hostport(url)
    return registrable_domain(host)


class SiteScope:
    """The set of sites one registry entry may crawl: its base_url's site plus any extras."""

    def __init__(self, base_url: str, extra_domains: list[str] | tuple[str, ...] = ()):
        self.sites = {site_of(base_url)}
        for d in extra_domains:
            d = d.strip().lower()
            self.sites.add(site_of(d if "://" in d else f"http://{d}"))

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        return site_of(url) in self.sites

    def __repr__(self) -> str:
        return f"SiteScope({sorted(self.sites)})"


def absolute(base: str, href: str) -> str | None:
    """Resolve a link and drop its fragment; None for links that go nowhere."""
    if href and href[:1] == "/" and href[1:2] != "/":
        # a root-relative link resolves the same from every page of a site: one cache entry
        # per site and link instead of one per page (navigation repeats on every page)
        return _absolute(_origin(base), href)
    return _absolute(base, href)


@lru_cache(maxsize=1 << 14)
def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


@lru_cache(maxsize=1 << 15)
def _absolute(base: str, href: str) -> str | None:
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    path = parts.path or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
