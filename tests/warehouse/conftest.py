"""Fixtures of the warehouse tests: real archives in temporary DATA_DIRs, the real parser, the
real `python -m ingest build` (dbt as a subprocess). Each dbt build takes several seconds, so
the built warehouses are session-scoped and shared by the tests that read them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest.config import Paths, paths as make_paths
from ingest.crawl.archive import Archive

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared").resolve()
CORPUS = SHARED / "corpus"
HANYIN = REPO / "tests" / "fixtures" / "hanyin_2023_text.txt"

HANYIN_URL = "https://www.hanyin.gov.cn/zfxxgk/zfxxgknb/2024/hanyin_2023.html"
HONGZE = {
    "hongze_2023.pdf": "https://www.hongze.gov.cn/hzqrmzf/gknb/2024/hongze_2023.pdf",
    "hongze_2024.pdf": "https://www.hongze.gov.cn/hzqrmzf/gknb/2025/hongze_2024.pdf",
}


def archive_add(p: Paths, data: bytes, url: str, *, issuer: str | None = None, source_id: str = "test",
                content_type: str | None = None, year_hint: int | None = None) -> None:
    with Archive(p) as archive:
        archive.add_document(data, {
            "url": url, "source_id": source_id, "issuer": issuer, "title": None,
            "content_type": content_type, "encoding": None, "encoding_source": None,
            "year_hint": year_hint, "parent_url": None, "kind": "import"})


def add_real_reports(p: Paths) -> list[str]:
    """The Hanyin seed, and the Hongze PDFs when ../shared/corpus is present."""
    archive_add(p, HANYIN.read_bytes(), HANYIN_URL, issuer="汉阴县人民政府", source_id="hanyin",
                content_type="text/plain; charset=utf-8")
    names = ["hanyin_2023_text.txt"]
    for name, url in HONGZE.items():
        if (CORPUS / name).is_file():
            archive_add(p, (CORPUS / name).read_bytes(), url, issuer="淮安市洪泽区人民政府",
                        source_id="hongze", content_type="application/pdf")
            names.append(name)
    return names


def ingest(*args: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run `python -m ingest …` as a user would."""
    env = {**os.environ, "DATA_DIR": str(data_dir)}
    proc = subprocess.run([sys.executable, "-m", "ingest", *args], cwd=REPO, env=env,
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"ingest {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}\n{proc.stdout}")
    return proc


def snapshot(db: Path, tables: list[str]) -> dict[str, list]:
    """Every row of the tables, sorted (idempotency checks compare these)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(map(repr, con.execute(f"SELECT * EXCLUDE (parsed_at) FROM {t}").fetchall()))
                if t == "reports" else
                sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
    finally:
        con.close()


@pytest.fixture(scope="session")
def real_warehouse(tmp_path_factory):
    """A published warehouse built from the real reports with `python -m ingest build --docs`."""
    data = tmp_path_factory.mktemp("real-data")
    p = make_paths(data)
    names = add_real_reports(p)
    result = ingest("build", "--docs", data_dir=data)
    return {"paths": p, "names": names, "stdout": result.stdout}


@pytest.fixture(scope="session")
def real_con(real_warehouse):
    con = duckdb.connect(str(real_warehouse["paths"].warehouse_db), read_only=True)
    yield con
    con.close()
