"""The archive journal: an append-only record of every archive write, from which the index
(archive.duckdb) can always be rebuilt.

`DATA_DIR/archive/journal.jsonl` sits beside the blobs. Every change the archive makes to its
index is first appended here as JSON lines and fsync'd, then committed to DuckDB (the journal
is written ahead, like a WARC's record headers beside its payloads):

    {"rec": "attempt", "txn": …, "attempt_id": 17, "run_id": …, "url": …, …every fetch_attempts column}
    {"rec": "version", "txn": …, "sha256": …, "url": …, …every document_versions column}
    {"rec": "seen", "txn": …, "url": …, "sha256": …, "last_seen": …, "last_run_id": …}
    {"rec": "run_start", …crawl_runs columns at start} / {"rec": "run_finish", …} /
    {"rec": "runs_interrupted"}
    {"rec": "upsert", "table": …, "row": {…}}   any other archive table keyed by its primary
                                   key (INSERT OR REPLACE), e.g. registry_sources
    {"rec": "rollback", "txn": …}   the index refused that group: replay skips it

Timestamps are ISO-8601 (UTC, microseconds, as stored). A kill between the journal's fsync and
the DuckDB commit leaves records the index lacks; they describe a blob that is stored and a
fetch that happened, so a reindex keeps them (`archive verify` reports "index behind journal").
A torn last line (a kill mid-append) is cut off when the journal is next opened for writing;
it was never committed to the index either.

`replay(journal, con)` writes the tables into an empty DuckDB connection: that is
`python -m ingest archive reindex` (into a new file, swapped in) and the comparison of
`archive verify` (in memory; it changes nothing). An archive made before the journal existed
gets one written from its index, once, the first time it is opened for writing (records with
"backfill": true).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from ingest.errors import PipelineError, UserError

JOURNAL_NAME = "journal.jsonl"

# Records carry each table's columns under their own names (a column added to a table later
# simply appears in newer records); timestamps are ISO strings, converted back on replay.
TIMESTAMPS = {"started_at", "first_seen", "last_seen", "finished_at", "at"}
# The tables the journal rebuilds, in the order `archive verify` compares them.
TABLES = {"fetch_attempts": "attempt_id", "document_versions": "url, sha256",
          "crawl_runs": "run_id, source_id"}
# Tables journalled as whole rows keyed by their primary key ("upsert" records).
UPSERT_TABLES = {"registry_sources": "source_id"}


def new_txn() -> str:
    return secrets.token_hex(6)


def _jsonable(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"cannot journal a {type(value).__name__}")


class Journal:
    """Appends records (one fsync per call). Opened by a writable Archive."""

    def __init__(self, path: Path):
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        self._cut_torn_tail()

    def _cut_torn_tail(self) -> None:
        size = os.fstat(self._fd).st_size
        if size == 0:
            return
        if os.pread(self._fd, 1, size - 1) == b"\n":
            return
        # the last append was cut short by a kill: drop the partial line (never committed)
        pos = size
        chunk = 65536
        while pos > 0:
            start = max(0, pos - chunk)
            data = os.pread(self._fd, pos - start, start)
            i = data.rfind(b"\n")
            if i >= 0:
                os.ftruncate(self._fd, start + i + 1)
                os.fsync(self._fd)
                return
            pos = start
        os.ftruncate(self._fd, 0)
        os.fsync(self._fd)

    def append(self, records: list[dict]) -> None:
        if not records:
            return
        data = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":"), default=_jsonable) + "\n"
                       for r in records).encode("utf-8")
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]
        os.fdatasync(self._fd)  # the data and the file's new size: what a reader needs

    def size(self) -> int:
        """Bytes in the journal: the offset the index records as applied up to."""
        return os.fstat(self._fd).st_size

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def read(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, record) of every complete line; a torn last line is skipped."""
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise UserError(f"no archive journal at {path}: this archive predates the journal. Open it for "
                        "writing once (`python -m ingest archive backfill-journal`) to write the journal "
                        "from the current index, then reindex works") from None
    with fh:
        for n, raw in enumerate(fh, 1):
            if not raw.endswith(b"\n"):
                return  # torn tail: never committed
            try:
                rec = json.loads(raw)
            except ValueError:
                raise PipelineError(f"{path} line {n} is not a JSON record: the journal is damaged") from None
            if not isinstance(rec, dict) or "rec" not in rec:
                raise PipelineError(f"{path} line {n} is not a journal record")
            yield n, rec


def _ts(value):
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_catalog = current_database() ORDER BY ordinal_position", [table]).fetchall()]


def _row(rec: dict, cols: list[str]) -> dict:
    """The record's values for the table's columns (a column the record lacks stays NULL;
    columns added to a table later are carried by newer records under their own names)."""
    return {c: (_ts(rec[c]) if c in TIMESTAMPS or c.endswith("_at") else rec[c]) for c in cols if c in rec}


def _skipped_txns(records) -> set:
    return {r.get("txn") for _, r in records if r["rec"] == "rollback"}


def replay(path: Path, con, schema_sql: str) -> dict[str, int]:
    """Rebuild the index tables into an empty connection from the journal. Returns row counts."""
    records = list(read(path))
    rolled_back = _skipped_txns(records)
    next_id = max((r.get("attempt_id") or 0 for _, r in records if r["rec"] == "attempt"), default=0) + 1
    # the sequence continues after the journalled ids, so new attempts never reuse one
    con.execute(f"CREATE SEQUENCE IF NOT EXISTS fetch_attempt_ids START {int(next_id)}")
    con.execute(schema_sql)
    cols = {t: _columns(con, t) for t in ("fetch_attempts", "document_versions", "crawl_runs")}
    attempts, versions, runs = [], {}, {}
    upserts: list[tuple[str, dict]] = []
    for n, r in records:
        if r.get("txn") in rolled_back and r["rec"] != "rollback":
            continue
        kind = r["rec"]
        if kind == "attempt":
            attempts.append(_row(r, cols["fetch_attempts"]))
        elif kind == "version":
            key = (r["url"], r["sha256"])
            if key in versions:  # written again after a kill between journal and index: seen again
                versions[key].update(_row(r, ["last_seen", "last_run_id"]))
            else:
                versions[key] = _row(r, cols["document_versions"])
        elif kind == "seen":
            row = versions.get((r["url"], r["sha256"]))
            if row is not None:
                row.update(_row(r, ["last_seen", "last_run_id"]))
        elif kind == "run_start":
            runs[(r["run_id"], r["source_id"])] = _row(r, cols["crawl_runs"])
        elif kind == "run_finish":
            row = runs.get((r["run_id"], r["source_id"]))
            if row is not None:
                row.update(_row(r, [c for c in cols["crawl_runs"] if c not in ("run_id", "source_id", "started_at")]))
        elif kind == "runs_interrupted":
            for row in runs.values():
                if row.get("status") == "running":
                    row["status"] = "interrupted"
        elif kind == "upsert":
            upserts.append((r["table"], r["row"]))
        elif kind != "rollback":
            raise PipelineError(f"{path} line {n}: unknown record kind {kind!r}")
    _insert_dicts(con, "fetch_attempts", cols["fetch_attempts"], attempts)
    _insert_dicts(con, "document_versions", cols["document_versions"], list(versions.values()))
    _insert_dicts(con, "crawl_runs", cols["crawl_runs"], list(runs.values()))
    counts = {"fetch_attempts": len(attempts), "document_versions": len(versions), "crawl_runs": len(runs)}
    for table, row in upserts:
        _upsert(con, table, row)
        counts[table] = counts.get(table, 0) + 1
    return counts


def _upsert(con, table: str, row: dict) -> None:
    row = _row(row, list(row))
    names = list(row)
    con.execute(f"INSERT OR REPLACE INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                [row[c] for c in names])


def apply_tail(con, records: list[tuple[int, dict]]) -> int:
    """Redo journal records the index may lack (written before a kill, never committed), on an
    existing index. Every step is idempotent, so applying a record the index already has
    changes nothing. Returns how many records were applied. The caller holds the transaction."""
    rolled_back = _skipped_txns(records)
    cols = {t: _columns(con, t) for t in ("fetch_attempts", "document_versions", "crawl_runs")}
    applied = 0
    for _, r in records:
        kind = r["rec"]
        if kind == "rollback" or r.get("txn") in rolled_back:
            continue
        applied += 1
        if kind == "attempt":
            if not con.execute("SELECT 1 FROM fetch_attempts WHERE attempt_id = ?", [r["attempt_id"]]).fetchone():
                _insert_one(con, "fetch_attempts", _row(r, cols["fetch_attempts"]))
        elif kind == "version":
            if con.execute("SELECT 1 FROM document_versions WHERE url = ? AND sha256 = ?",
                           [r["url"], r["sha256"]]).fetchone():
                _touch(con, r)
            else:
                _insert_one(con, "document_versions", _row(r, cols["document_versions"]))
        elif kind == "seen":
            _touch(con, r)
        elif kind == "run_start":
            if not con.execute("SELECT 1 FROM crawl_runs WHERE run_id = ? AND source_id = ?",
                               [r["run_id"], r["source_id"]]).fetchone():
                _insert_one(con, "crawl_runs", _row(r, cols["crawl_runs"]))
        elif kind == "run_finish":
            row = _row(r, [c for c in cols["crawl_runs"] if c not in ("run_id", "source_id", "started_at")])
            con.execute(f"UPDATE crawl_runs SET {', '.join(f'{c} = ?' for c in row)} "
                        "WHERE run_id = ? AND source_id = ?", [*row.values(), r["run_id"], r["source_id"]])
        elif kind == "runs_interrupted":
            con.execute("UPDATE crawl_runs SET status = 'interrupted' WHERE status = 'running'")
        elif kind == "upsert":
            _upsert(con, r["table"], r["row"])
    return applied


def _touch(con, r: dict) -> None:
    con.execute("UPDATE document_versions SET last_seen = ?, last_run_id = ? WHERE url = ? AND sha256 = ?",
                [_ts(r["last_seen"]), r.get("last_run_id"), r["url"], r["sha256"]])


def _insert_one(con, table: str, row: dict) -> None:
    names = list(row)
    con.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                [row[c] for c in names])


def _insert_dicts(con, table: str, cols: list[str], rows: list[dict]) -> None:
    _insert(con, table, cols, [[r.get(c) for c in cols] for r in rows])


def read_from(path: Path, offset: int) -> list[tuple[int, dict]]:
    """Complete records after byte `offset` (line numbers relative to it)."""
    out = []
    with open(path, "rb") as fh:
        fh.seek(offset)
        for n, raw in enumerate(fh, 1):
            if not raw.endswith(b"\n"):
                break
            try:
                rec = json.loads(raw)
            except ValueError:
                raise PipelineError(f"{path}: a record after byte {offset} is not JSON: the journal is damaged") from None
            out.append((n, rec))
    return out


def _insert(con, table: str, cols: list[str], rows: list[list]) -> None:
    if not rows:
        return
    import pyarrow as pa

    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = ? AND table_catalog = current_database()", [table]).fetchall())
    arrow = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(),
             "BOOLEAN": pa.bool_(), "TIMESTAMP": pa.timestamp("us")}
    batch = pa.Table.from_pydict({c: [r[i] for r in rows] for i, c in enumerate(cols)},
                                 schema=pa.schema([(c, arrow[types[c]]) for c in cols]))
    con.register("_journal_batch", batch)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _journal_batch")
    finally:
        con.unregister("_journal_batch")


def backfill_records(con) -> list[dict]:
    """Journal records that recreate an index written before the journal existed."""
    out: list[dict] = []

    def rows(sql: str):
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    out += [{"rec": "run_start", "backfill": True, **r}
            for r in rows("SELECT * FROM crawl_runs ORDER BY started_at, run_id, source_id")]
    out += [{"rec": "attempt", "backfill": True, **r} for r in rows("SELECT * FROM fetch_attempts ORDER BY attempt_id")]
    out += [{"rec": "version", "backfill": True, **r}
            for r in rows("SELECT * FROM document_versions ORDER BY first_seen, url, sha256")]
    for table in UPSERT_TABLES:
        if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchone()[0]:
            out += [{"rec": "upsert", "backfill": True, "table": table, "row": r}
                    for r in rows(f"SELECT * FROM {table}")]
    return out
