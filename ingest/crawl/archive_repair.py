"""`python -m ingest archive reindex | verify | backfill-journal`: the archive index rebuilt from,
and checked against, the journal (journal.py) and the blobs.

- `verify` reads everything and changes nothing: every blob's sha256 against its name, every
  document version's blob present, and the index (archive.duckdb) table by table against a
  replay of the journal into memory. Exit 0 when all agree, 1 with one line per kind of damage.
- `reindex` replays the journal into a new file and swaps it in; the old index is kept as
  archive.duckdb.before-reindex. It refuses while another process writes the archive.
- `backfill-journal` writes the journal of an archive made before the journal existed, from its
  index (any writable open of the archive does this once; this command only makes it explicit).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from ingest.config import Paths
from ingest.crawl import journal as jr
from ingest.crawl.archive import SCHEMA
from ingest.errors import UserError
from ingest.safeio import fsync_dir, human

_SHA = re.compile(r"^[0-9a-f]{64}$")


def _schema() -> str:
    return SCHEMA


def _schema_version() -> int:
    from ingest.crawl.archive import SCHEMA_VERSION

    return SCHEMA_VERSION


def replay_into(con, journal: Path) -> dict[str, int]:
    counts = jr.replay(journal, con, _schema())
    con.execute("INSERT OR REPLACE INTO archive_meta VALUES ('schema_version', ?)", [str(_schema_version())])
    # the rebuilt index is exactly as far as the journal (complete lines; a torn tail is not read)
    con.execute("INSERT OR REPLACE INTO archive_meta VALUES ('journal_offset', ?)", [str(_complete_size(journal))])
    return counts


def _complete_size(journal: Path) -> int:
    data = journal.read_bytes()
    return data.rfind(b"\n") + 1


def reindex(paths: Paths) -> str:
    journal = paths.archive_dir / jr.JOURNAL_NAME
    db = paths.archive_db
    if not journal.exists():
        list(jr.read(journal))  # raises the one-line explanation
    if db.exists():
        try:
            duckdb.connect(str(db)).close()  # a live writer holds DuckDB's lock: do not swap under it
        except duckdb.Error as exc:
            if "lock" in str(exc).lower():
                raise UserError(f"the archive {db} is in use by another process; wait for it and retry") from None
    tmp = db.with_name(db.name + ".reindex.tmp")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        counts = replay_into(con, journal)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    kept = None
    if db.exists():
        kept = db.with_name(db.name + ".before-reindex")
        os.replace(db, kept)
        wal = Path(str(db) + ".wal")
        if wal.exists():
            os.replace(wal, Path(str(kept) + ".wal"))
    os.replace(tmp, db)
    fsync_dir(db.parent)
    rows = ", ".join(f"{n} {t}" for t, n in counts.items())
    return (f"reindexed {db} from {journal}: {rows}"
            + (f"; the previous index is kept as {kept}" if kept else ""))


def verify(paths: Paths, *, out=print) -> int:
    """Report damage; change nothing. Returns the number of problems found."""
    problems: list[str] = []
    journal = paths.archive_dir / jr.JOURNAL_NAME
    blobs = paths.blobs_dir
    names: dict[str, Path] = {}
    bad = 0
    checked = 0
    size = 0
    if blobs.is_dir():
        for p in sorted(blobs.glob("??/*")):
            if not _SHA.match(p.name):
                continue
            names[p.name] = p
            import hashlib

            h = hashlib.sha256()
            try:
                with open(p, "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        h.update(chunk)
                        size += len(chunk)
            except OSError as exc:
                problems.append(f"blob {p} cannot be read: {exc.strerror}")
                continue
            checked += 1
            if h.hexdigest() != p.name:
                bad += 1
                problems.append(f"blob {p} is damaged: its content no longer matches its sha256 "
                                "(crawl it again or `archive add` the original file to repair it)")
    out(f"blobs: {checked} checked ({human(size)}), {bad} damaged")

    expected = None
    if journal.exists():
        mem = duckdb.connect(":memory:")
        try:
            counts = replay_into(mem, journal)
        except Exception as exc:  # a damaged journal is a finding, not a crash
            problems.append(f"journal {journal} cannot be replayed: {exc}")
            mem = None
        if mem is not None:
            out("journal: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
            expected = mem
            for (sha,) in mem.execute("SELECT DISTINCT sha256 FROM document_versions").fetchall():
                if sha not in names:
                    problems.append(f"blob {sha} of a stored document version is missing from {blobs}")
    else:
        problems.append(f"no journal at {journal}: run `python -m ingest archive backfill-journal` "
                        "while the index is still good")

    db = paths.archive_db
    if not db.exists():
        problems.append(f"no archive index at {db}" + (" (`archive reindex` rebuilds it)" if expected else ""))
    else:
        try:
            idx = duckdb.connect(str(db), read_only=True)
            idx.execute("SELECT count(*) FROM document_versions").fetchone()
        except duckdb.Error as exc:
            problems.append(f"the archive index {db} cannot be read ({' '.join(str(exc).split())[:160]}); "
                            "`python -m ingest archive reindex` rebuilds it from the journal")
            idx = None
        if idx is not None and expected is not None:
            try:
                problems += compare(expected, idx)
            finally:
                idx.close()
        elif idx is not None:
            idx.close()
    if expected is not None:
        expected.close()
    for p in problems:
        out(f"DAMAGE: {p}")
    out("archive verified: no damage" if not problems else f"archive verify: {len(problems)} problem(s), nothing was changed")
    return len(problems)


def compare(expected, actual) -> list[str]:
    """Table-by-table differences between the journal's replay and the index."""
    out = []
    tables = dict(jr.TABLES)
    have = {r[0] for r in actual.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    tables.update({t: k for t, k in jr.UPSERT_TABLES.items() if t in have})
    for table in tables:
        cols = [r[0] for r in expected.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table]).fetchall()]
        rows_e = _rows(expected, table, cols)
        try:
            rows_a = _rows(actual, table, cols)
        except duckdb.Error as exc:
            out.append(f"index table {table} cannot be read: {' '.join(str(exc).split())[:160]}")
            continue
        only_j, only_i = rows_e - rows_a, rows_a - rows_e
        if only_j:
            out.append(f"{table}: {len(only_j)} row(s) in the journal are not in the index "
                       "(a write interrupted between journal and index, or a damaged index; `archive reindex` adds them)")
        if only_i:
            out.append(f"{table}: {len(only_i)} row(s) in the index are not in the journal (the index was changed "
                       "outside the archive; `archive reindex` restores the journal's version)")
    return out


def _rows(con, table: str, cols: list[str]) -> set[tuple]:
    return {tuple(tuple(v) if isinstance(v, list) else v for v in r)
            for r in con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()}
