"""The raw archive: content-addressed blobs plus the crawler's raw DuckDB tables.

Everything fetched is kept so parsing can be redone without fetching again. Nothing is ever
overwritten: a blob's name is its sha256, a changed page becomes a new document version, and
the only column that changes on an existing row is `last_seen` (and `last_run_id`).

Layout (all under DATA_DIR, see `ingest.config.paths()`):

    archive/blobs/<sha256[:2]>/<sha256>   the bytes as fetched or imported
    archive/archive.duckdb                fetch_attempts, document_versions, crawl_runs

Read API for later stages (the loader)::

    from ingest.config import paths
    from ingest.crawl.archive import Archive

    with Archive(paths(), read_only=True) as archive:
        for doc in archive.documents():            # DocumentVersion rows, oldest first
            data = archive.read_blob(doc.sha256)   # bytes, verified against the sha256
            ...

`Archive(paths, read_only=True)` opens the database read-only (several readers may share it,
but not while a crawl holds it for writing) and works on a DATA_DIR with no archive yet: it
simply has no documents. `documents(source_id=…, kinds=…, latest_only=…)` filters;
`DocumentVersion` carries exactly the `document_versions` columns.

Crash safety: a blob is written to a temporary name in its final directory, fsync'd, then
renamed; its table row is committed only after the rename, in one transaction with the fetch
attempt that produced it. A kill at any point leaves either nothing or a complete blob whose
row the next run writes again (same sha256, so the same name). Temporary files of dead
writers are removed when the next writer opens the archive.

The index can always be rebuilt: every row written to fetch_attempts, document_versions and
crawl_runs is first appended to archive/journal.jsonl and fsync'd (see journal.py), so
`python -m ingest archive reindex` recreates archive.duckdb from the journal, and
`archive verify` checks blobs and index against it. The index remembers how far into the
journal it is (archive_meta 'journal_offset'); a writer that finds the journal further along
(a kill between the journal's fsync and the index commit) redoes those records first.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import json
import os
import queue
import re
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import duckdb
import pyarrow as pa  # imported up front: the first import takes a second, mid-crawl it stalls the writer

from ingest.config import Paths, paths as default_paths
from ingest.crawl import journal as jr
from ingest.errors import PipelineError, UserError
from ingest.safeio import fault_point, fsync_dir

SCHEMA_VERSION = 1

KINDS = ("page", "attachment", "import")

SCHEMA = """
CREATE TABLE IF NOT EXISTS archive_meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE SEQUENCE IF NOT EXISTS fetch_attempt_ids START 1;
CREATE TABLE IF NOT EXISTS fetch_attempts (
    attempt_id    BIGINT DEFAULT nextval('fetch_attempt_ids') PRIMARY KEY,
    run_id        VARCHAR NOT NULL,
    source_id     VARCHAR,
    url           VARCHAR NOT NULL,
    final_url     VARCHAR,
    method        VARCHAR NOT NULL,
    purpose       VARCHAR NOT NULL,   -- robots | list | api | detail | attachment
    try_no        INTEGER NOT NULL,   -- 1 for the first request of this URL in this run, 2.. for retries
    status        INTEGER,            -- HTTP status; NULL when no response arrived
    error         VARCHAR,            -- why the attempt failed; NULL on success
    outcome       VARCHAR NOT NULL,   -- see ingest/crawl/crawler.py OUTCOMES
    bytes         BIGINT,             -- body bytes received (0 on 304)
    sha256        VARCHAR,            -- body this attempt stands for (on 304: the stored one)
    content_type  VARCHAR,
    started_at    TIMESTAMP NOT NULL, -- UTC
    elapsed_ms    DOUBLE,
    etag          VARCHAR,
    last_modified VARCHAR,
    not_modified  BOOLEAN NOT NULL,   -- answered 304 to our conditional request
    conditional   BOOLEAN NOT NULL,   -- we sent If-None-Match / If-Modified-Since
    tls_verify    VARCHAR             -- the TLS choice used: verify | no-verify | ca:<path>
);
CREATE TABLE IF NOT EXISTS document_versions (
    sha256          VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    source_id       VARCHAR,
    issuer          VARCHAR,
    title           VARCHAR,
    content_type    VARCHAR,
    encoding        VARCHAR,          -- codec used to decode text documents; NULL for binaries
    encoding_source VARCHAR,          -- bom | header | meta | utf8 | detector | fallback
    bytes           BIGINT NOT NULL,
    first_seen      TIMESTAMP NOT NULL,
    last_seen       TIMESTAMP NOT NULL,
    year_hint       INTEGER,          -- report year read from the title / link, if any
    parent_url      VARCHAR,          -- the page that linked an attachment (or the list for a page)
    kind            VARCHAR NOT NULL, -- page | attachment | import
    first_run_id    VARCHAR,
    last_run_id     VARCHAR,
    PRIMARY KEY (url, sha256)
);
CREATE TABLE IF NOT EXISTS crawl_runs (
    run_id          VARCHAR NOT NULL,
    source_id       VARCHAR NOT NULL,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    status          VARCHAR NOT NULL, -- running | complete | failed | interrupted | offline
    requests        INTEGER,          -- HTTP requests sent (retries included)
    pages_fetched   INTEGER,          -- URLs answered 200 or 304
    new_documents   INTEGER,
    unchanged       INTEGER,          -- documents answered 304 or with a known sha256
    not_reports     INTEGER,          -- candidates that turned out not to be reports
    failures        INTEGER,
    failure_reasons VARCHAR,          -- JSON object: reason -> count
    options         VARCHAR,          -- JSON: delay, concurrency, max_pages, registry, …
    formats         VARCHAR,          -- JSON object: document format -> documents stored or seen
                                      -- (ingest/parse/formats.py: html, pdf_text, pdf_scanned, doc, …)
    PRIMARY KEY (run_id, source_id)
);
-- archives made before the formats column (a nullable column: no schema version change)
ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS formats VARCHAR;
-- the per-host summary of a run (JSON: reports found, failures, why nothing, columns, resumed)
ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS summary VARCHAR;
-- The registry entry each source_id was crawled (or imported) under, as it stood then: the
-- loader files a report under its entry's county (ingest/load/issuers.py) even when a later
-- crawl used another registry file or the file is gone.
CREATE TABLE IF NOT EXISTS registry_sources (
    source_id       VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,  -- county-level unit as the dataset names it
    code            VARCHAR NOT NULL,  -- 6-digit division code
    province        VARCHAR,
    prefecture      VARCHAR,
    government      VARCHAR,           -- the county government's own name on its portal
    base_url        VARCHAR,
    extra_domains   VARCHAR[],
    registry        VARCHAR,           -- path of the registry file
    recorded_at     TIMESTAMP NOT NULL
);
"""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class NewDocument:
    """A document version to record; `first_seen`/`last_seen` are set by the archive."""

    sha256: str
    url: str
    source_id: str | None
    issuer: str | None
    title: str | None
    content_type: str | None
    encoding: str | None
    encoding_source: str | None
    bytes: int
    year_hint: int | None
    parent_url: str | None
    kind: str


_NEW_DOC_FIELDS = [f.name for f in fields(NewDocument)]


@dataclass(frozen=True)
class DocumentVersion(NewDocument):
    """One row of `document_versions`: one distinct (url, sha256) — a NewDocument as the archive
    recorded it, with when and in which runs it was first and last seen."""

    first_seen: dt.datetime
    last_seen: dt.datetime
    first_run_id: str | None = None
    last_run_id: str | None = None


_DOC_COLUMNS = [f.name for f in fields(DocumentVersion)]


@dataclass(frozen=True)
class Attempt:
    """What the fetcher learnt from one HTTP request (or the failure to send one)."""

    run_id: str
    source_id: str | None
    url: str
    method: str
    purpose: str
    try_no: int
    outcome: str
    started_at: dt.datetime
    final_url: str | None = None
    status: int | None = None
    error: str | None = None
    bytes: int | None = None
    sha256: str | None = None
    content_type: str | None = None
    elapsed_ms: float | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    conditional: bool = False
    tls_verify: str | None = None


_ATTEMPT_COLUMNS = [f.name for f in fields(Attempt)]



_ARROW_TYPES = {"VARCHAR": "string", "INTEGER": "int32", "BIGINT": "int64", "DOUBLE": "float64",
                "BOOLEAN": "bool_", "TIMESTAMP": "timestamp"}


def _arrow(columns: dict[str, list], types: dict[str, str]):
    fields_ = []
    for name, sql_type in types.items():
        if sql_type == "VARCHAR[]":
            fields_.append((name, pa.list_(pa.string())))
            continue
        kind = _ARROW_TYPES[sql_type]
        fields_.append((name, pa.timestamp("us") if kind == "timestamp" else getattr(pa, kind)()))
    return pa.Table.from_pydict(columns, schema=pa.schema(fields_))


def new_run_id() -> str:
    return utcnow().strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


class Archive:
    """The raw archive of one DATA_DIR. Use as a context manager; see the module doc."""

    def __init__(self, paths: Paths | None = None, *, read_only: bool = False):
        self.paths = paths or default_paths()
        self.read_only = read_only
        self.blobs_dir = self.paths.blobs_dir
        self._con: duckdb.DuckDBPyConnection | None = None
        self._known: set[tuple[str, str]] | None = None
        self._types: dict[str, dict[str, str]] = {}
        self._journal: jr.Journal | None = None
        db = self.paths.archive_db
        if read_only:
            if db.exists():
                self._con = _connect(db, read_only=True)
        else:
            self.blobs_dir.mkdir(parents=True, exist_ok=True)
            self._con = _connect(db, read_only=False)
            self._con.execute(SCHEMA)
            self._check_schema_version()
            _remove_stale_temp_files(self.blobs_dir)
            self._open_journal()

    # ---- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    @property
    def journal_path(self) -> Path:
        return self.paths.archive_dir / jr.JOURNAL_NAME

    def _open_journal(self) -> None:
        """Open the journal for appending; an archive older than the journal gets one written
        from its index first (once), so reindex can always rebuild what is there now."""
        existed = self.journal_path.exists()
        self._journal = jr.Journal(self.journal_path)  # cuts a torn last line
        if not existed:
            self._journal.append(jr.backfill_records(self.con))
            self._mark_journal()
            return
        row = self.con.execute("SELECT value FROM archive_meta WHERE key = 'journal_offset'").fetchone()
        size = self._journal.size()
        if row is None or int(row[0]) >= size:
            if row is None or int(row[0]) > size:
                if row is not None:
                    print(f"warning: {self.journal_path} is shorter than the index expects; "
                          "run `python -m ingest archive verify`", file=sys.stderr)
                self._mark_journal()
            return
        tail = jr.read_from(self.journal_path, int(row[0]))
        self.con.execute("BEGIN TRANSACTION")
        try:
            redone = jr.apply_tail(self.con, tail)
            _advance_sequence(self.con)
            self._mark_journal()
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        if redone:
            print(f"archive: {redone} journal record(s) of an interrupted write applied to the index",
                  file=sys.stderr)

    def _mark_journal(self) -> None:
        """Record in the index how far into the journal it is (same transaction as the rows)."""
        size = str(self._journal.size())
        # once per commit of a crawl: DuckDB's UPDATE costs a third of the CPU of its upsert
        # (about 0.6 against 2 ms); the upsert only creates the row
        if not self.con.execute("UPDATE archive_meta SET value = ? WHERE key = 'journal_offset'",
                                [size]).fetchone()[0]:
            self.con.execute("INSERT OR REPLACE INTO archive_meta VALUES ('journal_offset', ?)", [size])

    def _journal_append(self, records: list[dict]) -> None:
        if self._journal is None:
            raise PipelineError("the archive was opened read-only")
        self._journal.append(records)

    def _check_schema_version(self) -> None:
        row = self._con.execute("SELECT value FROM archive_meta WHERE key='schema_version'").fetchone()
        if row is None:
            self._con.execute("INSERT INTO archive_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        elif int(row[0]) != SCHEMA_VERSION:
            raise PipelineError(
                f"{self.paths.archive_db} has archive schema {row[0]}, this code expects {SCHEMA_VERSION}")

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise PipelineError("the archive has no database yet (nothing was archived)")
        return self._con

    @property
    def exists(self) -> bool:
        return self._con is not None

    # ---- blobs -------------------------------------------------------------------------
    def blob_path(self, sha256: str) -> Path:
        if not _SHA.match(sha256 or ""):
            raise UserError(f"not a sha256: {sha256!r}")
        return self.blobs_dir / sha256[:2] / sha256

    def has_blob(self, sha256: str) -> bool:
        return self.blob_path(sha256).is_file()

    def read_blob(self, sha256: str, *, verify: bool = True) -> bytes:
        path = self.blob_path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise PipelineError(f"blob {sha256} is missing from {self.blobs_dir}") from None
        if verify and sha256_hex(data) != sha256:
            raise PipelineError(f"blob {path} is corrupt: its content no longer matches its name")
        return data

    def put_blob(self, data: bytes, *, sync_dir: bool = True) -> str:
        """Store bytes under their sha256 (tmp → fsync → rename); return the sha256.

        `sync_dir=False`: the caller fsyncs the blob's directory itself (put_blobs, once per
        directory for a whole group) before anything names the blob."""
        if self.read_only:
            raise PipelineError("the archive was opened read-only")
        sha = sha256_hex(data)
        path = self.blob_path(sha)
        if path.is_file() and path.stat().st_size == len(data) and _file_sha256(path) == sha:
            return sha  # a damaged blob (see `archive verify`) is written again from good bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{sha}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)  # a blob is its name's content forever: no one writes it again
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        if sync_dir:
            fsync_dir(path.parent)
        return sha

    def put_blobs(self, bodies: list[bytes]) -> list[str]:
        """put_blob for a group of bodies (a crawl stores a blob for nearly every request).

        Each body goes to a temporary name, then all of them are made durable at once, renamed,
        and the renames made durable, before any row names them. On Linux "at once" is one
        syncfs(2) of the archive's filesystem (a tenth of the CPU of an fsync per file);
        elsewhere each file and directory is fsync'd."""
        if self.read_only:
            raise PipelineError("the archive was opened read-only")
        root = str(self.blobs_dir)
        made = self.__dict__.setdefault("_dirs_made", set())
        if root not in made:
            os.makedirs(root, exist_ok=True)
            made.add(root)
        sync_all = _syncfs_of(root)
        shas, moves, touched = [], [], set()
        for data in bodies:
            sha = sha256_hex(data)
            d = f"{root}/{sha[:2]}"
            path = f"{d}/{sha}"
            try:
                size = os.stat(path).st_size
            except FileNotFoundError:
                size = None
            shas.append(sha)
            if (size == len(data) and _file_sha256(Path(path)) == sha) or any(m[1] == path for m in moves):
                continue
            if d not in made:
                os.makedirs(d, exist_ok=True)
                made.add(d)
            tmp = f"{d}/.{sha}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)  # read-only from birth
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                if sync_all is None:
                    os.fsync(fd)
            except BaseException:
                os.close(fd)
                os.unlink(tmp)
                raise
            os.close(fd)
            moves.append((tmp, path))
            touched.add(d)
        if moves and sync_all is not None:
            sync_all()          # the contents, durable under their temporary names
        for tmp, path in moves:
            os.replace(tmp, path)
        if moves:
            if sync_all is not None:
                sync_all()      # the renames
            else:
                for d in touched:
                    fsync_dir(Path(d))
        return shas

    def blob_names(self) -> set[str]:
        """Every complete blob on disk (temporary files excluded)."""
        if not self.blobs_dir.is_dir():
            return set()
        return {p.name for p in self.blobs_dir.glob("??/*") if _SHA.match(p.name)}

    # ---- writing rows --------------------------------------------------------------------
    def record(self, attempt: Attempt | None, document: NewDocument | None = None, *,
               run_id: str | None = None) -> str | None:
        """Commit one fetch attempt and, if given, the document version it produced.

        Returns "new" when the (url, sha256) was not archived before, "seen" when it was (its
        last_seen is moved on), None when no document was given. The blob must be stored first.
        """
        return self.record_many([(attempt, document, run_id)])[0]

    def record_many(self, rows: list[tuple[Attempt | None, NewDocument | None, str | None]]) -> list[str | None]:
        """`record` for many (attempt, document, run_id) at once, in one transaction.

        Rows go in as Arrow batches: DuckDB spends about a millisecond binding each
        parameterised statement, so row-at-a-time inserts would cap a crawl near 300 rows/s.
        """
        known = self._known_keys()
        results: list[str | None] = []
        attempts: list[Attempt] = []
        new_docs: list[tuple[NewDocument, str | None]] = []
        seen_docs: dict[tuple[str, str], str | None] = {}
        pending: set[tuple[str, str]] = set()
        for attempt, document, run_id in rows:
            result = None
            if document is not None:
                if not self.has_blob(document.sha256):
                    raise PipelineError(f"refusing to record {document.url}: blob {document.sha256} not stored")
                if document.kind not in KINDS:
                    raise PipelineError(f"unknown document kind {document.kind!r}")
                rid = run_id or (attempt.run_id if attempt else None)
                key = (document.url, document.sha256)
                if key in known or key in pending:
                    seen_docs[key] = rid
                    result = "seen"
                else:
                    pending.add(key)
                    new_docs.append((document, rid))
                    result = "new"
            if attempt is not None:
                attempts.append(attempt)
            results.append(result)
        con = self.con
        now = utcnow()
        # Journal first (fsync'd), index second: a kill in between leaves the journal ahead,
        # never behind, so a reindex loses nothing the archive was told. The attempt ids are
        # drawn inside the transaction (drawing them alone would cost a commit of its own).
        con.execute("BEGIN TRANSACTION")
        journalled = False
        try:
            ids = [r[0] for r in con.execute("SELECT nextval('fetch_attempt_ids') FROM range(?)",
                                             [len(attempts)]).fetchall()] if attempts else []
        except BaseException:
            con.execute("ROLLBACK")
            raise
        attempt_rows = [[aid] + [getattr(a, c) for c in _ATTEMPT_COLUMNS] for aid, a in zip(ids, attempts)]
        doc_rows = []
        for doc, rid in new_docs:
            row = {**{f: getattr(doc, f) for f in _NEW_DOC_FIELDS}, "first_seen": now, "last_seen": now,
                   "first_run_id": rid, "last_run_id": rid}
            doc_rows.append([row[c] for c in _DOC_COLUMNS])
        txn = jr.new_txn()
        try:
            self._journal_append(
                [{"rec": "attempt", "txn": txn, **dict(zip(["attempt_id", *_ATTEMPT_COLUMNS], r))}
                 for r in attempt_rows]
                + [{"rec": "version", "txn": txn, **dict(zip(_DOC_COLUMNS, r))} for r in doc_rows]
                + [{"rec": "seen", "txn": txn, "url": k[0], "sha256": k[1], "last_seen": now, "last_run_id": rid}
                   for k, rid in seen_docs.items()])
            journalled = True
            fault_point("archive-write")  # tests/faults: killed between journal and index
            if attempt_rows:
                self._insert("fetch_attempts", ["attempt_id", *_ATTEMPT_COLUMNS], attempt_rows)
            if doc_rows:
                self._insert("document_versions", _DOC_COLUMNS, doc_rows)
            self._mark_journal()
            if seen_docs:
                batch = _arrow({"url": [k[0] for k in seen_docs], "sha256": [k[1] for k in seen_docs],
                                "last_run_id": list(seen_docs.values())},
                               {"url": "VARCHAR", "sha256": "VARCHAR", "last_run_id": "VARCHAR"})
                con.register("_seen_batch", batch)
                try:
                    con.execute("UPDATE document_versions AS d SET last_seen = ?, last_run_id = b.last_run_id "
                                "FROM _seen_batch AS b WHERE d.url = b.url AND d.sha256 = b.sha256", [now])
                finally:
                    con.unregister("_seen_batch")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            if journalled:
                self._journal_append([{"rec": "rollback", "txn": txn}])
            raise
        known |= pending
        return results

    def _known_keys(self) -> set[tuple[str, str]]:
        # this process holds the write lock, so the set stays true while we add to it
        if self._known is None:
            self._known = set(self.con.execute("SELECT url, sha256 FROM document_versions").fetchall())
        return self._known

    def _insert(self, table: str, cols: list[str], values: list[list]) -> None:
        types = self._column_types(table)
        batch = _arrow({c: [v[i] for v in values] for i, c in enumerate(cols)}, {c: types[c] for c in cols})
        self.con.register("_insert_batch", batch)
        try:
            self.con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _insert_batch")
        finally:
            self.con.unregister("_insert_batch")

    def _column_types(self, table: str) -> dict[str, str]:
        cached = self._types.get(table)
        if cached is None:
            cached = self._types[table] = dict(self.con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
                [table]).fetchall())
        return cached

    def add_document(self, data: bytes, document: NewDocument | dict, *, run_id: str | None = None) -> str:
        """Store bytes and their document version in one go (imports). Returns "new" | "seen"."""
        sha = self.put_blob(data)
        if isinstance(document, dict):
            document = NewDocument(**{**document, "sha256": sha, "bytes": len(data)})
        elif document.sha256 != sha:
            raise PipelineError("document sha256 does not match its bytes")
        return self.record(None, document, run_id=run_id)

    def start_run(self, run_id: str, source_id: str, options: dict | None = None,
                  status: str = "running") -> None:
        self.start_runs(run_id, {source_id: options or {}}, status=status)

    def start_runs(self, run_id: str, options_by_source: dict[str, dict], status: str = "running") -> None:
        """One crawl_runs row per source, all in one transaction."""
        now = utcnow()
        ids = list(options_by_source)
        rows = [[run_id, sid, now, status, json.dumps(options_by_source[sid], ensure_ascii=False)] for sid in ids]
        cols = ["run_id", "source_id", "started_at", "status", "options"]
        txn = jr.new_txn()
        self._journal_append([{"rec": "run_start", "txn": txn, **dict(zip(cols, r))} for r in rows])
        self.con.execute("BEGIN TRANSACTION")
        try:
            self._insert("crawl_runs", cols, rows)
            self._mark_journal()
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            self._journal_append([{"rec": "rollback", "txn": txn}])
            raise

    def finish_run(self, run_id: str, source_id: str, *, status: str, requests: int = 0,
                   pages_fetched: int = 0, new_documents: int = 0, unchanged: int = 0,
                   not_reports: int = 0, failures: int = 0,
                   failure_reasons: dict[str, int] | None = None,
                   formats: dict[str, int] | None = None, summary: dict | None = None) -> None:
        self.finish_runs(run_id, [dict(
            source_id=source_id, status=status, requests=requests, pages_fetched=pages_fetched,
            new_documents=new_documents, unchanged=unchanged, not_reports=not_reports, failures=failures,
            failure_reasons=failure_reasons, formats=formats, summary=summary)])

    def finish_runs(self, run_id: str, finished: list[dict]) -> None:
        """finish_run for many sources at once (keyword dicts with source_id): one journal
        append and one update for all of them (a national crawl ends thousands of source runs)."""
        rows = [self._finish_values(**f) for f in finished]
        if not rows:
            return
        self._journal_append([{"rec": "run_finish", "run_id": run_id, **r} for r in rows])
        cols = list(rows[0])
        types = self._column_types("crawl_runs")
        batch = _arrow({c: [r[c] for r in rows] for c in cols}, {c: types[c] for c in cols})
        self.con.register("_finish_batch", batch)
        try:
            sets = ", ".join(f"{c} = b.{c}" for c in cols if c != "source_id")
            self.con.execute(f"UPDATE crawl_runs AS r SET {sets} FROM _finish_batch AS b "
                             "WHERE r.run_id = ? AND r.source_id = b.source_id", [run_id])
        finally:
            self.con.unregister("_finish_batch")
        self._mark_journal()

    @staticmethod
    def _finish_values(*, source_id: str, status: str, requests: int = 0, pages_fetched: int = 0,
                       new_documents: int = 0, unchanged: int = 0, not_reports: int = 0, failures: int = 0,
                       failure_reasons: dict[str, int] | None = None, formats: dict[str, int] | None = None,
                       summary: dict | None = None) -> dict:
        return {"source_id": source_id, "finished_at": utcnow(), "status": status, "requests": requests,
                "pages_fetched": pages_fetched, "new_documents": new_documents, "unchanged": unchanged,
                "not_reports": not_reports, "failures": failures,
                "failure_reasons": json.dumps(failure_reasons or {}, ensure_ascii=False),
                "formats": json.dumps(dict(sorted((formats or {}).items())), ensure_ascii=False),
                "summary": json.dumps(summary, ensure_ascii=False) if summary is not None else None}

    def record_sources(self, sources, registry_path) -> None:
        """Remember the registry entries (ingest.crawl.registry.Source) of a crawl or import."""
        now = utcnow()
        rows = [[s.id, s.name, s.code, s.province, s.prefecture, s.government, s.base_url,
                 list(s.extra_domains), str(registry_path), now] for s in sources]
        if rows:
            cols = ["source_id", "name", "code", "province", "prefecture", "government", "base_url",
                    "extra_domains", "registry", "recorded_at"]
            self._journal_append([{"rec": "upsert", "table": "registry_sources", "row": dict(zip(cols, r))}
                                  for r in rows])  # so `archive reindex` rebuilds this table too
            # one Arrow batch, not a statement per source (thousands of sources)
            self.con.execute("BEGIN TRANSACTION")
            try:
                self.con.execute("DELETE FROM registry_sources WHERE source_id IN (SELECT unnest(?))",
                                 [[r[0] for r in rows]])
                self._insert("registry_sources", cols, rows)
                self._mark_journal()  # else the next open replays these records as an interrupted write
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise

    def mark_interrupted_runs(self) -> int:
        """Runs left 'running' by a killed process (we hold the write lock, so none is live)."""
        n = self.con.execute("SELECT count(*) FROM crawl_runs WHERE status = 'running'").fetchone()[0]
        if n:
            self._journal_append([{"rec": "runs_interrupted", "at": utcnow()}])
            self.con.execute("UPDATE crawl_runs SET status = 'interrupted' WHERE status = 'running'")
            self._mark_journal()
        return int(n)

    # ---- reading -------------------------------------------------------------------------
    def documents(self, *, source_id: str | None = None, kinds: tuple[str, ...] | None = None,
                  latest_only: bool = False) -> Iterator[DocumentVersion]:
        """Document versions, oldest first. `latest_only`: one row per url, the newest."""
        if self._con is None:
            return
        where, params = [], []
        if source_id is not None:
            where.append("source_id = ?")
            params.append(source_id)
        if kinds:
            where.append(f"kind IN ({', '.join('?' for _ in kinds)})")
            params.extend(kinds)
        sql = f"SELECT {', '.join(_DOC_COLUMNS)} FROM document_versions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        if latest_only:
            sql += " QUALIFY row_number() OVER (PARTITION BY url ORDER BY first_seen DESC, sha256) = 1"
        sql += " ORDER BY first_seen, url, sha256"
        cur = self._con.execute(sql, params)
        while rows := cur.fetchmany(500):
            for row in rows:
                yield DocumentVersion(*row)

    def document(self, sha256: str) -> DocumentVersion | None:
        """The first-seen version row with this sha256 (the same bytes may sit at several urls)."""
        for doc in self.documents_by_sha(sha256):
            return doc
        return None

    def documents_by_sha(self, sha256: str) -> list[DocumentVersion]:
        if self._con is None:
            return []
        rows = self._con.execute(
            f"SELECT {', '.join(_DOC_COLUMNS)} FROM document_versions WHERE sha256 = ? ORDER BY first_seen",
            [sha256]).fetchall()
        return [DocumentVersion(*r) for r in rows]

    def validators(self) -> dict[str, tuple[str | None, str | None, str]]:
        """url → (etag, last_modified, sha256) of its newest stored 200 response (conditional GET)."""
        if self._con is None:
            return {}
        rows = self._con.execute(
            "SELECT url, etag, last_modified, sha256 FROM fetch_attempts"
            " WHERE status = 200 AND sha256 IS NOT NULL AND method = 'GET'"
            " QUALIFY row_number() OVER (PARTITION BY url ORDER BY started_at DESC, attempt_id DESC) = 1"
        ).fetchall()
        return {u: (e, lm, s) for u, e, lm, s in rows if self.has_blob(s)}

    def known_documents(self) -> dict[tuple[str, str], str]:
        """(url, sha256) → kind of every archived version (to tell new from unchanged)."""
        if self._con is None:
            return {}
        return {(u, s): k for u, s, k in self._con.execute(
            "SELECT url, sha256, kind FROM document_versions").fetchall()}

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        if self._con is None:
            return []
        return self._con.execute(sql, params or []).fetchall()


class GroupCommitter:
    """Commits rows for many coroutines in shared transactions, off the event loop.

    A DuckDB commit costs a WAL fsync (milliseconds); a crawl of many hosts records hundreds
    of rows a second. One writer thread owns the connection: it takes every row waiting in
    its queue, writes them in one transaction, commits, and only then answers each caller,
    so a row is durable before its crawl goes on (the guarantee of `record`), at one fsync
    per group instead of per row. A row that fails is retried alone, so it fails alone.

        async with GroupCommitter(archive) as writer:
            state = await writer.record(attempt, document, run_id=…)
            await writer.call(archive.finish_run, run_id, source_id, status=…)
    """

    MAX_GROUP = 500
    LINGER = 0.02  # seconds a busy writer waits to fill a group

    def __init__(self, archive: Archive, interval: float = 0.0):
        self.archive = archive
        # at most one commit per `interval` seconds: a commit costs the same CPU (journal
        # fsync, Arrow batches, index update) for one row or hundreds, and a polite crawl of
        # thousands of hosts can wait a fraction of its per-host delay for its rows
        self.interval = interval
        # SimpleQueue: its put is one C call, where Queue.put takes a Condition in Python on
        # the event loop for every row (a few percent of the loop's CPU in a crawl)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="archive-writer", daemon=True)
        self._thread.start()

    async def __aenter__(self) -> GroupCommitter:
        return self

    async def __aexit__(self, *exc) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    async def record(self, attempt: Attempt | None, document: NewDocument | None = None, *,
                     run_id: str | None = None) -> str | None:
        return await self._submit("row", (attempt, document, run_id))

    async def record_blob(self, attempt: Attempt, body: bytes) -> str:
        """Store `body` as a blob, then record `attempt` naming it (sha256 set here), in the
        writer's next group; returns the sha256. Blob before row, as `record` requires."""
        return await self._submit("blob", (attempt, body))

    async def call(self, fn, *args, **kwargs):
        """Run fn on the writer thread (between groups, inside a transaction shared with the
        other calls of its group: fn must not BEGIN/COMMIT), e.g. crawl_runs bookkeeping."""
        return await self._submit("call", (fn, args, kwargs))

    async def _submit(self, kind: str, payload):
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((kind, payload, future, loop))
        return await future

    def _work(self) -> None:
        last_size = 0
        last_commit = 0.0
        while True:
            item = self._queue.get()
            if item is None:
                return
            group = [item]
            stop = False
            # Under load (the last group had company) wait a moment for more rows: each commit
            # costs the same whatever its size. Alone, commit at once.
            deadline = max(time.monotonic() + (self.LINGER if last_size > 1 else 0.0), last_commit + self.interval)
            while len(group) < self.MAX_GROUP:
                try:
                    nxt = self._queue.get(timeout=max(0.0, deadline - time.monotonic())) \
                        if time.monotonic() < deadline else self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                group.append(nxt)
            last_size = len(group)
            blobs = [g for g in group if g[0] == "blob"]
            if blobs:
                group = [g for g in group if g[0] != "blob"] + self._store_blobs(blobs)
            rows = [g for g in group if g[0] == "row"]
            if rows:
                self._commit_group(rows)
            last_commit = time.monotonic()
            calls = [g for g in group if g[0] == "call"]
            if calls:
                self._run_calls(calls)
            if stop:
                return

    def _store_blobs(self, blobs: list) -> list:
        """Write the group's blobs (one directory fsync each); their attempts become rows whose
        callers are answered with the sha256 once the rows are committed."""
        try:
            shas = self.archive.put_blobs([body for _, (_, body), _, _ in blobs])
        except BaseException as exc:
            for _, _, future, loop in blobs:
                _answer(loop, future, error=exc)
            return []
        out = []
        for (_, (attempt, _), future, loop), sha in zip(blobs, shas):
            out.append(("row", (dataclasses.replace(attempt, sha256=sha), None, None), _ShaFuture(future, sha), loop))
        return out

    def _run_calls(self, calls: list) -> None:
        """The group's calls in one transaction; if one fails, each alone (it fails alone)."""
        con = self.archive.con
        try:
            con.execute("BEGIN TRANSACTION")
            results = [fn(*args, **kwargs) for _, (fn, args, kwargs), _, _ in calls]
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            for _, (fn, args, kwargs), future, loop in calls:
                try:
                    _answer(loop, future, result=fn(*args, **kwargs))
                except BaseException as exc:  # the caller gets it, the writer goes on
                    _answer(loop, future, error=exc)
            return
        for (_, _, future, loop), result in zip(calls, results):
            _answer(loop, future, result=result)

    def _commit_group(self, rows: list) -> None:
        try:
            results = self.archive.record_many([payload for _, payload, _, _ in rows])
        except BaseException:
            for _, payload, future, loop in rows:  # one at a time: the bad row fails alone
                try:
                    _answer(loop, future, result=self.archive.record(*payload[:2], run_id=payload[2]))
                except BaseException as exc:
                    _answer(loop, future, error=exc)
            return
        for (_, _, future, loop), result in zip(rows, results):
            _answer(loop, future, result=result)


class _ShaFuture:
    """Answers a record_blob caller with the blob's sha256 instead of the row's result."""

    def __init__(self, future, sha: str):
        self.future, self.sha = future, sha

    def done(self) -> bool:
        return self.future.done()

    def set_result(self, _result) -> None:
        self.future.set_result(self.sha)

    def set_exception(self, exc) -> None:
        self.future.set_exception(exc)


def _answer(loop, future, *, result=None, error: BaseException | None = None) -> None:
    def settle():
        if future.done():  # the waiting coroutine was cancelled meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    try:
        loop.call_soon_threadsafe(settle)
    except RuntimeError:  # the loop is closed: nobody waits any more
        pass


_SYNCFS: dict[str, object] = {}


def _syncfs_of(directory: str):
    """A function that makes everything written on `directory`'s filesystem durable (Linux
    syncfs(2)), or None where there is no such call (then files are fsync'd one by one)."""
    if directory in _SYNCFS:
        return _SYNCFS[directory]
    fn = None
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            syncfs = libc.syncfs
            fd = os.open(directory, os.O_RDONLY)

            def fn(fd=fd, syncfs=syncfs):
                if syncfs(fd) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"syncfs failed: {os.strerror(err)}")
        except (OSError, AttributeError):
            fn = None
    _SYNCFS[directory] = fn
    return fn


def _connect(db: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        # one thread: the archive takes small batches; a pool of workers only adds wake-ups
        return duckdb.connect(str(db), read_only=read_only, config={"threads": 1})
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            holder = re.search(r"PID (\d+)", msg)
            who = f" (process {holder.group(1)})" if holder else ""
            raise UserError(f"the archive {db} is in use by another process{who}; "
                            "wait for it to finish and retry") from None
        raise UserError(f"cannot open the archive {db}: {msg.splitlines()[0]}") from None


def _advance_sequence(con) -> None:
    """Move fetch_attempt_ids past the largest attempt_id (after redoing journalled rows)."""
    top = con.execute("SELECT coalesce(max(attempt_id), 0) FROM fetch_attempts").fetchone()[0]
    nxt = con.execute("SELECT nextval('fetch_attempt_ids')").fetchone()[0]
    if nxt <= top:
        con.execute("SELECT max(nextval('fetch_attempt_ids')) FROM range(?)", [top - nxt])


def _file_sha256(path: Path) -> str | None:
    try:
        return sha256_hex(path.read_bytes())
    except OSError:
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_TMP = re.compile(r"^\.[0-9a-f]{64}\.(\d+)\.[0-9a-f]+\.tmp$")


def _remove_stale_temp_files(blobs_dir: Path) -> None:
    """Temporary blob files whose writer died (kill mid-write): never complete, safe to drop."""
    day_ago = time.time() - 86400
    for tmp in blobs_dir.glob("??/.*.tmp"):
        m = _TMP.match(tmp.name)
        if not m:
            continue
        try:
            if not _pid_alive(int(m.group(1))) or tmp.stat().st_mtime < day_ago:
                tmp.unlink()
        except OSError:
            pass
