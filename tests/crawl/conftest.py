"""Fixtures of the crawler tests: the local fixture portal, a DATA_DIR, and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from bench.sites.portal import Portals

REPO = Path(__file__).resolve().parents[2]

# Fast but still real: small delays and timeouts so the fault cases run in seconds.
FAST = ["--delay", "0.02", "--timeout", "0.3", "--connect-timeout", "1", "--retries", "2",
        "--backoff", "0.05", "--max-bytes", "1000000", "--quiet"]


@pytest.fixture
def portals():
    p = Portals(slow_seconds=0.6, huge_bytes=2 * 1024 * 1024)
    try:
        yield p
    finally:
        p.stop()


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(d))
    return d


@pytest.fixture
def registry_file(tmp_path, portals) -> Path:
    path = tmp_path / "registry.yaml"
    path.write_text(portals.registry_yaml(), encoding="utf-8")
    return path


def run_cli(*args: str, data_dir: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m ingest …` as a user runs it (a real process, its own stdout/stderr)."""
    env = {**os.environ}
    if data_dir is not None:
        env["DATA_DIR"] = str(data_dir)
    env.pop("INGEST_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def query(data_dir: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "archive" / "archive.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def shiquan_site(tmp_path: Path, name: str, files: dict):
    """A one-source site (石泉县) of `files` served on 127.0.0.1, and its registry file:
    (portal, registry path). The caller stops the portal."""
    from bench.sites.layouts import write_site
    from bench.sites.portal import Portal

    portal = Portal(name, root_dir=write_site(tmp_path / "site", files)).start()
    registry = tmp_path / "registry.yaml"
    registry.write_text("\n".join([
        "version: 1", "sources:", "  - id: shiquan", "    name: 石泉县", '    code: "610922"',
        "    province: 陕西省", "    prefecture: 安康市", f"    base_url: {portal.base}/", "    entry: /",
        "    adapter: generic", "    confirmed: true"]) + "\n", encoding="utf-8")
    return portal, registry
