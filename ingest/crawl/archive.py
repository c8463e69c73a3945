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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import duckdb

from ingest.config import Paths, paths as default_paths
from ingest.errors import PipelineError, UserError

SCHEMA_VERSION = 1

KINDS = ("page", "attachment", "import")

_SCHEMA = """
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
    PRIMARY KEY (run_id, source_id)
);
"""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class DocumentVersion:
    """One row of `document_versions`: one distinct (url, sha256)."""

    sha256: str
    url: str
    source_id: str | None
    issuer: str | None
    title: str | None
    content_type: str | None
    encoding: str | None
    encoding_source: str | None
    bytes: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    year_hint: int | None
    parent_url: str | None
    kind: str
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


def new_run_id() -> str:
    return utcnow().strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


class Archive:
    """The raw archive of one DATA_DIR. Use as a context manager; see the module doc."""

    def __init__(self, paths: Paths | None = None, *, read_only: bool = False):
        self.paths = paths or default_paths()
        self.read_only = read_only
        self.blobs_dir = self.paths.blobs_dir
        self._con: duckdb.DuckDBPyConnection | None = None
        db = self.paths.archive_db
        if read_only:
            if db.exists():
                self._con = _connect(db, read_only=True)
        else:
            self.blobs_dir.mkdir(parents=True, exist_ok=True)
            self._con = _connect(db, read_only=False)
            self._con.execute(_SCHEMA)
            self._check_schema_version()
            _remove_stale_temp_files(self.blobs_dir)

    # ---- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

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

    def put_blob(self, data: bytes) -> str:
        """Store bytes under their sha256 (tmp → fsync → rename); return the sha256."""
        if self.read_only:
            raise PipelineError("the archive was opened read-only")
        sha = sha256_hex(data)
        path = self.blob_path(sha)
        if path.is_file() and path.stat().st_size == len(data):
            return sha
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
        _fsync_dir(path.parent)
        return sha

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
        con = self.con
        result = None
        con.execute("BEGIN TRANSACTION")
        try:
            if document is not None:
                if not self.has_blob(document.sha256):
                    raise PipelineError(f"refusing to record {document.url}: blob {document.sha256} not stored")
                if document.kind not in KINDS:
                    raise PipelineError(f"unknown document kind {document.kind!r}")
                now = utcnow()
                rid = run_id or (attempt.run_id if attempt else None)
                exists = con.execute(
                    "SELECT 1 FROM document_versions WHERE url = ? AND sha256 = ?",
                    [document.url, document.sha256]).fetchone()
                if exists:
                    con.execute(
                        "UPDATE document_versions SET last_seen = ?, last_run_id = ? "
                        "WHERE url = ? AND sha256 = ?", [now, rid, document.url, document.sha256])
                    result = "seen"
                else:
                    con.execute(
                        "INSERT INTO document_versions (sha256, url, source_id, issuer, title, content_type,"
                        " encoding, encoding_source, bytes, first_seen, last_seen, year_hint, parent_url,"
                        " kind, first_run_id, last_run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        [document.sha256, document.url, document.source_id, document.issuer,
                         document.title, document.content_type, document.encoding,
                         document.encoding_source, document.bytes, now, now, document.year_hint,
                         document.parent_url, document.kind, rid, rid])
                    result = "new"
            if attempt is not None:
                cols = ", ".join(_ATTEMPT_COLUMNS)
                marks = ", ".join("?" for _ in _ATTEMPT_COLUMNS)
                con.execute(f"INSERT INTO fetch_attempts ({cols}) VALUES ({marks})",
                            [getattr(attempt, c) for c in _ATTEMPT_COLUMNS])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return result

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
        self.con.execute(
            "INSERT INTO crawl_runs (run_id, source_id, started_at, status, options) VALUES (?,?,?,?,?)",
            [run_id, source_id, utcnow(), status, json.dumps(options or {}, ensure_ascii=False)])

    def finish_run(self, run_id: str, source_id: str, *, status: str, requests: int = 0,
                   pages_fetched: int = 0, new_documents: int = 0, unchanged: int = 0,
                   not_reports: int = 0, failures: int = 0,
                   failure_reasons: dict[str, int] | None = None) -> None:
        self.con.execute(
            "UPDATE crawl_runs SET finished_at = ?, status = ?, requests = ?, pages_fetched = ?,"
            " new_documents = ?, unchanged = ?, not_reports = ?, failures = ?, failure_reasons = ?"
            " WHERE run_id = ? AND source_id = ?",
            [utcnow(), status, requests, pages_fetched, new_documents, unchanged, not_reports,
             failures, json.dumps(failure_reasons or {}, ensure_ascii=False), run_id, source_id])

    def mark_interrupted_runs(self) -> int:
        """Runs left 'running' by a killed process (we hold the write lock, so none is live)."""
        n = self.con.execute("SELECT count(*) FROM crawl_runs WHERE status = 'running'").fetchone()[0]
        if n:
            self.con.execute("UPDATE crawl_runs SET status = 'interrupted' WHERE status = 'running'")
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


def _connect(db: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(db), read_only=read_only)
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            holder = re.search(r"PID (\d+)", msg)
            who = f" (process {holder.group(1)})" if holder else ""
            raise UserError(f"the archive {db} is in use by another process{who}; "
                            "wait for it to finish and retry") from None
        raise UserError(f"cannot open the archive {db}: {msg.splitlines()[0]}") from None


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
