"""What a refresh does first: clean up after a killed run, and notice damaged derived stores.

Everything here runs under the refresh lock, so no other refresh is alive; a hand-started
`python -m ingest build` or `validate` holds build/.build.lock, and its files are left alone.

Left by a killed run (SIGKILL, power loss, full disk), removed and reported:
- the details of a dead refresh in refresh.lock (the flock itself died with it);
- build/warehouse.duckdb and its .wal: an unvalidated, possibly half-written build (and
  .copying, an incremental build's half-made copy of the published warehouse);
- build/published-copy.duckdb (+ .wal, .tmp): validation's scratch copy;
- temporary state files (.refresh_state.json.*.tmp, .…summary.json.*.tmp).
The write-ahead logs of parsed.duckdb and archive.duckdb are NOT removed: they hold committed
transactions that DuckDB replays on the next open.

Derived stores (parsed.duckdb from the archive, warehouse.duckdb from parsed.duckdb): when one
cannot be opened or read, it is moved aside to `<name>.damaged` (one kept, for inspection) and
rebuilt by this run; the summary says so. The archive is not derived: a damaged archive index
stops the run with the commands that repair it (`archive verify`, `archive reindex`).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ingest.config import Paths
from ingest.refresh.lock import Holder
from ingest.safeio import human


def clean_leftovers(paths: Paths, previous: Holder | None) -> list[str]:
    notes: list[str] = []
    if previous is not None:
        notes.append(f"the previous refresh ({previous.describe()}) died without finishing; "
                     "cleaning what it left")
    build = paths.build_dir
    if build.is_dir():
        lock = _try_build_lock(build)
        if lock is None:
            notes.append(f"left {build} alone: a build or validation started by hand is running there")
        else:
            try:
                for name in ("warehouse.duckdb", "warehouse.duckdb.wal", "warehouse.duckdb.copying",
                             "published-copy.duckdb",
                             "published-copy.duckdb.wal", "published-copy.duckdb.tmp"):
                    notes += _remove(build / name, "unpublished build file")
                for tmp in build.glob("*.tmp"):
                    notes += _remove(tmp, "temporary file")
            finally:
                lock.close()
    for pattern in (".refresh_state.json.*.tmp", "refresh_state.json.tmp"):
        for tmp in paths.data_dir.glob(pattern):
            notes += _remove(tmp, "temporary state file")
    if paths.logs_dir.is_dir():
        for tmp in paths.logs_dir.glob(".*.tmp"):
            notes += _remove(tmp, "temporary summary file")
    return notes


def _try_build_lock(build: Path):
    try:
        fh = open(build / ".build.lock", "a")
    except OSError:
        return None
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        return None
    return fh


def _remove(p: Path, what: str) -> list[str]:
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        return []
    p.unlink()
    return [f"removed {what} {p} ({human(size)})"]


def damaged(db: Path, table: str) -> str | None:
    """Why `db` cannot be read (None when it reads, is absent, or is merely in use)."""
    if not db.exists():
        return None
    import duckdb

    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        msg = " ".join(str(exc).split())
        if "lock" in msg.lower():
            return None  # in use by another process: not damage
        return msg[:200]
    try:
        has = con.execute("select count(*) from information_schema.tables where table_name = ?",
                          [table]).fetchone()[0]
        if not has:
            return f"it has no table {table}"
        con.execute(f"select count(*) from {table}").fetchone()
    except duckdb.Error as exc:
        return " ".join(str(exc).split())[:200]
    finally:
        con.close()
    return None


def move_aside(db: Path) -> Path:
    """db → db.damaged (replacing an older one); its WAL goes with it."""
    target = db.with_name(db.name + ".damaged")
    os.replace(db, target)
    wal = Path(str(db) + ".wal")
    if wal.exists():
        os.replace(wal, Path(str(target) + ".wal"))
    return target


def check_derived(paths: Paths) -> tuple[list[str], str | None]:
    """Move a damaged parsed.duckdb aside (the load rebuilds it from the archive); say whether
    the published warehouse is damaged (the caller forces a rebuild, whose publish replaces it).
    Returns (notes, reason to rebuild the warehouse or None)."""
    notes: list[str] = []
    rebuild = None
    why = damaged(paths.parsed_db, "reports")
    if why:
        aside = move_aside(paths.parsed_db)
        notes.append(f"{paths.parsed_db} was damaged ({why}); moved aside to {aside}, "
                     "rebuilt from the archive by this run")
        rebuild = "parse store damaged"
    why = damaged(paths.warehouse_db, "dim_report")
    if why:
        notes.append(f"the published warehouse {paths.warehouse_db} was damaged ({why}); "
                     "rebuilt and republished by this run")
        rebuild = ", ".join(filter(None, [rebuild, "published warehouse damaged"]))
    return notes, rebuild


def archive_damage(paths: Paths) -> str | None:
    """One line when the archive index cannot be read, naming the commands that repair it."""
    why = damaged(paths.archive_db, "document_versions")
    if why is None:
        return None
    return (f"the archive index {paths.archive_db} is damaged ({why}); the blobs are intact: run "
            "`python -m ingest archive verify`, then `python -m ingest archive reindex` to rebuild it "
            "from the archive journal")
