"""What the last successful build was made from, so an idle refresh can skip the heavy stages.

A rebuild is needed only when one of its inputs changed: the archive's documents, the parser
version (the loader re-parses on a new version), the dbt project, or the validation suites.
The notebooks are re-rendered when the warehouse was rebuilt or their own sources changed.
Each input is reduced to a sha256 "fingerprint"; DATA_DIR/refresh_state.json keeps the ones
of the last run that published a warehouse.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.config import REPO_ROOT, Paths
from ingest.digests import tree_digest

STATE_FILE = "refresh_state.json"

# Directories whose content decides the build. Generated or local-only subfolders are skipped
# (dbt writes target/ and logs/ on every run; GX keeps uncommitted/ for Data Docs).
BUILD_SOURCES = {
    "dbt_project": ("dbt_project", {"target", "logs", "dbt_packages", ".user.yml"}),
    "load_code": ("ingest/load", {"__pycache__"}),
    "templates": ("ingest/templates.yaml", set()),
    # which county a report belongs to: the reviewed alias table and the shipped registry
    # (ingest/load/issuers.py re-identifies reports when either changes)
    "identity_data": ("ingest/data", {"__pycache__"}),
    "registry": ("ingest/sources", set()),
}
VALIDATION_SOURCES = {
    "expectations": ("expectations", {"uncommitted", "__pycache__"}),
    "validate_code": ("ingest/validate", {"__pycache__"}),
}
NOTEBOOK_SOURCES = {"notebooks": ("notebooks", {".ipynb_checkpoints", "__pycache__"})}


@dataclass
class Fingerprints:
    archive: str
    parser_version: str
    build: dict[str, str] = field(default_factory=dict)
    validation: dict[str, str] = field(default_factory=dict)
    notebooks: dict[str, str] = field(default_factory=dict)

    def warehouse_inputs(self) -> dict:
        return {"archive": self.archive, "parser_version": self.parser_version,
                "build": self.build, "validation": self.validation}

    def changed_warehouse_inputs(self, previous: dict | None) -> list[str]:
        """Names of the inputs that differ from the last published build (all if none)."""
        if not previous:
            return ["no previous build"]
        mine = self.warehouse_inputs()
        changed = []
        for key, value in mine.items():
            old = previous.get(key)
            if isinstance(value, dict):
                old = old or {}
                changed += [k for k in sorted(set(value) | set(old)) if value.get(k) != old.get(k)]
            elif value != old:
                changed.append(key)
        return changed


def source_digests(sources: dict[str, tuple[str, set[str]]], repo: Path = REPO_ROOT) -> dict[str, str]:
    return {name: tree_digest(repo / rel, skip) for name, (rel, skip) in sources.items()}


def archive_digest(archive_db: Path) -> str:
    """Which documents the archive holds: sha256 over its sorted (sha256, url) pairs.

    Timestamps such as last_seen change on every crawl and are deliberately left out: seeing a
    page again is not new data.
    """
    if not archive_db.exists():
        return "absent"
    import duckdb

    con = duckdb.connect(str(archive_db), read_only=True)
    try:
        has = con.execute(
            "select count(*) from information_schema.tables where table_name = 'document_versions'"
        ).fetchone()[0]
        if not has:
            return "empty"
        h = hashlib.sha256()
        for sha, url in con.execute(
            "select sha256, coalesce(url, '') from document_versions order by 1, 2"
        ).fetchall():
            h.update(f"{sha}\t{url}\n".encode())
        return h.hexdigest()
    finally:
        con.close()


def parser_version() -> str:
    try:
        from ingest.parse import PARSER_VERSION  # the loader re-parses when this changes
    except ImportError:
        return "unknown"
    return str(PARSER_VERSION)


def coverage_inputs() -> dict[str, str]:
    """Build inputs outside BUILD_SOURCES: the corrections file when it lives outside the
    repository ($INGEST_CORRECTIONS_FILE), and the coverage period — the coverage marts' statuses
    change only on 1 January (a new complete year) and after 31 March (last year falls due)."""
    import datetime as dt

    from ingest.correct import corrections_file

    out = {}
    path = corrections_file()
    if REPO_ROOT not in path.parents:
        out["corrections_file"] = tree_digest(path, set())
    as_of = os.environ.get("INGEST_COVERAGE_AS_OF") or dt.date.today().isoformat()
    try:
        day = dt.date.fromisoformat(as_of)
        out["coverage_period"] = f"{day.year} {'after' if day > dt.date(day.year, 3, 31) else 'until'} 31 March"
    except ValueError:
        out["coverage_period"] = as_of
    return out


def current(paths: Paths) -> Fingerprints:
    return Fingerprints(
        archive=archive_digest(paths.archive_db),
        parser_version=parser_version(),
        build={**source_digests(BUILD_SOURCES), **coverage_inputs()},
        validation=source_digests(VALIDATION_SOURCES),
        notebooks=source_digests(NOTEBOOK_SOURCES),
    )


@dataclass
class State:
    """The content of refresh_state.json."""

    warehouse: dict | None = None  # fingerprints of the inputs of the published warehouse
    notebooks: dict | None = None  # notebook sources + warehouse build id when last rendered
    docs_dbt_project: str | None = None  # dbt project fingerprint the data dictionary was made from
    last_build_run: str | None = None
    last_build_exit: int | None = None  # the validation outcome of that build: 0 or 3
    publisher_findings: int = 0
    findings_by_rule: dict[str, int] = field(default_factory=dict)

    @classmethod
    def read(cls, paths: Paths) -> "State":
        f = paths.data_dir / STATE_FILE
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def write(self, paths: Paths) -> None:
        from ingest.safeio import atomic_write_text  # temp name + fsync + rename

        atomic_write_text(paths.data_dir / STATE_FILE,
                          json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n")
