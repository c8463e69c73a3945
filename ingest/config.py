"""Where state lives. Everything is under one data directory (DATA_DIR, default ./data)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @property
    def archive_dir(self) -> Path:  # content-addressed blobs + the crawler's raw tables
        return self.data_dir / "archive"

    @property
    def blobs_dir(self) -> Path:
        return self.archive_dir / "blobs"

    @property
    def archive_db(self) -> Path:  # fetch_attempts, document_versions, crawl_runs
        return self.archive_dir / "archive.duckdb"

    @property
    def parsed_db(self) -> Path:  # the loader's raw tables: reports, cells, narrative_facts, parse_failures
        return self.data_dir / "parsed.duckdb"

    @property
    def warehouse_db(self) -> Path:  # the published warehouse analysts open read-only
        return self.data_dir / "warehouse.duckdb"

    @property
    def build_dir(self) -> Path:  # the next warehouse is built here, then swapped in
        return self.data_dir / "build"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def reports_dir(self) -> Path:  # rendered notebooks, Data Docs
        return self.data_dir / "reports"


def paths(data_dir: str | os.PathLike | None = None) -> Paths:
    root = data_dir or os.environ.get("DATA_DIR") or REPO_ROOT / "data"
    return Paths(Path(root).resolve())
