"""Parse every archived document the current parser version has not parsed into parsed.duckdb.

- Idempotent: a document already parsed (or already failed) by this PARSER_VERSION is skipped,
  so a second run writes nothing at all. A new parser version parses everything again, beside
  the old rows (nothing is overwritten); dbt reads the newest successful parse.
- A document that fails is recorded in parse_failures with its error and the run goes on.
- Fast: documents are parsed in a process pool in chunks (workers return columnar rows, so
  little is pickled per cell), and each batch is inserted through Arrow in one transaction
  with its reports, so a killed run leaves only whole reports behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import pyarrow as pa

from ingest.config import Paths
from ingest.safeio import fault_point
from ingest.errors import NeedsTool, NotAReport, PipelineError, UserError
from ingest.load import flatten, store
from ingest.load.issuers import classify_issuer
from ingest.data import regions

SYNTHETIC_SOURCE_PREFIX = "synthetic-"  # source_id marker set by the benchmark generator
CHUNK = 48  # documents per worker task: big enough to amortise pickling, small enough to stream
FLUSH_CELLS = 400_000  # insert once this many cells are waiting


@dataclass(frozen=True)
class Job:
    sha256: str
    path: str
    url: str | None
    url_count: int
    source_id: str | None
    archive_issuer: str | None
    title: str | None
    content_type: str | None
    encoding: str | None
    year_hint: int | None
    kind: str | None
    first_seen: dt.datetime | None


@dataclass
class LoadSummary:
    parser_version: str
    documents: int = 0
    parsed: int = 0
    failed: int = 0
    skipped: int = 0
    cells: int = 0
    seconds: float = 0.0
    failures_by_kind: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.failures_by_kind.items()))
        return (f"load: {self.documents} archived documents; parsed {self.parsed} ({self.cells} cells), "
                f"failed {self.failed}{f' ({kinds})' if kinds else ''}, already done {self.skipped}; "
                f"parser {self.parser_version}; {self.seconds:.1f}s"
                + ("; needs_tool: documents waiting for a program (LibreOffice, the OCR engine) are "
                   "parsed once it is installed"
                   if self.failures_by_kind.get("needs_tool") else ""))


def _parser():
    try:
        from ingest.parse import PARSER_VERSION, parse_bytes
    except ImportError as exc:
        raise PipelineError(f"the parser is not available in this build ({exc})") from None
    return PARSER_VERSION, parse_bytes


# ---- the archive side ------------------------------------------------------------------------
def archived_jobs(paths: Paths) -> list[Job]:
    """One job per distinct sha256; the URL is the first-seen one (mirrors count in url_count)."""
    from ingest.crawl.archive import Archive

    if not paths.archive_db.exists():
        raise UserError(f"no archive at {paths.archive_db}: run `python -m ingest crawl` or "
                        "`python -m ingest archive import-snapshot` first")
    with Archive(paths, read_only=True) as archive:
        by_sha: dict[str, list] = {}
        for doc in archive.documents():  # oldest first
            by_sha.setdefault(doc.sha256, []).append(doc)
        return [
            Job(sha, str(archive.blob_path(sha)), docs[0].url, len(docs), docs[0].source_id,
                docs[0].issuer, docs[0].title, docs[0].content_type, docs[0].encoding,
                docs[0].year_hint, docs[0].kind, docs[0].first_seen)
            for sha, docs in by_sha.items()
        ]


# ---- the worker side -------------------------------------------------------------------------
def _warning_text(w) -> str:
    return w if isinstance(w, str) else json.dumps(w, ensure_ascii=False, default=str)


def _report_row(report: dict, job: Job, parser_version: str) -> dict:
    issuer = report.get("issuer")
    issuer_source = "parser" if issuer else ("archive" if job.archive_issuer else "none")
    year, year_source = report.get("year"), report.get("year_source")
    if year is None and job.year_hint is not None:
        year, year_source = job.year_hint, "archive_hint"
    source = report.get("source") or {}
    tmpl = report.get("templates") or {}
    synthetic = bool((job.source_id or "").startswith(SYNTHETIC_SOURCE_PREFIX))
    return {
        "report_id": job.sha256,
        "parser_version": str(report.get("parser_version") or parser_version),
        "url": job.url,
        "url_count": job.url_count,
        "source_id": job.source_id,
        "issuer": issuer or job.archive_issuer,
        "issuer_source": issuer_source,
        "archive_issuer": job.archive_issuer,
        "title": report.get("title") or job.title,
        "year": int(year) if year is not None else None,
        "year_source": year_source,
        "published_date": str(report["published_date"]) if report.get("published_date") else None,
        "index_no": report.get("index_no"),
        "template": report.get("template") or tmpl.get("table2"),
        "table3_template": tmpl.get("table3"),
        "table3_shape": report.get("table3_shape"),
        "info_processing_fee_yuan": flatten.value_text(report.get("info_processing_fee_yuan")),
        "warnings": [_warning_text(w) for w in report.get("warnings") or []],
        "source_kind": source.get("kind"),
        "encoding": source.get("encoding") or job.encoding,
        "content_type": job.content_type,
        "archive_kind": job.kind,
        "first_seen": job.first_seen,
        "is_synthetic": synthetic,
    }


def parse_chunk(jobs: list[Job], parser_version: str) -> dict:
    """Parse a chunk of documents (runs in a worker process). Never raises for one document."""
    _, parse_bytes = _parser()
    out = {"reports": [], "cells": {f: [] for f in ("report_id", *flatten.CELL_FIELDS)},
           "narrative": {f: [] for f in ("report_id", "fact_key", "value", "raw_text")},
           "failures": []}
    for job in jobs:
        try:
            data = Path(job.path).read_bytes()
        except OSError as exc:
            out["failures"].append((job, "blob_error", f"cannot read blob: {exc.strerror or exc}"))
            continue
        if hashlib.sha256(data).hexdigest() != job.sha256:
            out["failures"].append((job, "blob_error", "blob content no longer matches its sha256"))
            continue
        name = (job.url or "").rstrip("/").rsplit("/", 1)[-1] or job.sha256
        try:
            report = parse_bytes(data, filename=name, content_type=job.content_type, url=job.url)
            row = _report_row(report, job, parser_version)
            cells = flatten.cells(report)
            facts = flatten.narrative_facts(report)
        except NeedsTool as exc:  # not the document's fault: parsed again once the tool is there
            out["failures"].append((job, "needs_tool", f"[{exc.tool or 'unknown'}] {exc}"))
            continue
        except NotAReport as exc:
            out["failures"].append((job, "not_a_report", str(exc)))
            continue
        except UserError as exc:
            out["failures"].append((job, "unreadable", str(exc)))
            continue
        except Exception as exc:  # a parser bug must not stop the run: record it and go on
            out["failures"].append((job, "parser_error", f"{type(exc).__name__}: {exc}"))
            continue
        out["reports"].append(row)
        n = len(cells["table_key"])
        out["cells"]["report_id"].extend([job.sha256] * n)
        for f in flatten.CELL_FIELDS:
            out["cells"][f].extend(cells[f])
        for key, value, raw in facts:
            for f, v in zip(("report_id", "fact_key", "value", "raw_text"), (job.sha256, key, value, raw)):
                out["narrative"][f].append(v)
    return out


# ---- the writer side -------------------------------------------------------------------------
_REPORT_SCHEMA = pa.schema([
    ("report_id", pa.string()), ("parser_version", pa.string()), ("url", pa.string()),
    ("url_count", pa.int32()), ("source_id", pa.string()), ("issuer", pa.string()),
    ("issuer_source", pa.string()), ("archive_issuer", pa.string()), ("title", pa.string()),
    ("year", pa.int32()), ("year_source", pa.string()), ("published_date", pa.string()),
    ("index_no", pa.string()), ("template", pa.string()), ("table3_template", pa.string()),
    ("table3_shape", pa.string()), ("info_processing_fee_yuan", pa.string()),
    ("warnings", pa.list_(pa.string())), ("source_kind", pa.string()), ("encoding", pa.string()),
    ("content_type", pa.string()), ("archive_kind", pa.string()), ("first_seen", pa.timestamp("us")),
    ("is_synthetic", pa.bool_()),
])


class _Batch:
    def __init__(self):
        self.reports: list[dict] = []
        self.cells = {f: [] for f in ("report_id", *flatten.CELL_FIELDS)}
        self.narrative = {f: [] for f in ("report_id", "fact_key", "value", "raw_text")}
        self.failures: list[tuple[Job, str, str]] = []

    def add(self, part: dict) -> None:
        self.reports += part["reports"]
        for f, values in part["cells"].items():
            self.cells[f] += values
        for f, values in part["narrative"].items():
            self.narrative[f] += values
        self.failures += part["failures"]

    @property
    def n_cells(self) -> int:
        return len(self.cells["report_id"])

    def __bool__(self) -> bool:
        return bool(self.reports or self.failures)


def _write(con, batch: _Batch, parser_version: str, now: dt.datetime, replace_failures: bool) -> None:
    reports = pa.Table.from_pylist(batch.reports, schema=_REPORT_SCHEMA)
    cells = pa.table({
        "report_id": pa.array(batch.cells["report_id"], pa.string()),
        "table_key": pa.array(batch.cells["table_key"], pa.string()),
        "row_key": pa.array(batch.cells["row_key"], pa.string()),
        "column_key": pa.array(batch.cells["column_key"], pa.string()),
        "value": pa.array(batch.cells["value"], pa.string()),
        "raw_text": pa.array(batch.cells["raw_text"], pa.string()),
        "is_blank": pa.array(batch.cells["is_blank"], pa.bool_()),
        "read_method": pa.array(batch.cells["read_method"], pa.string()),
        "read_confidence": pa.array(batch.cells["read_confidence"], pa.float64()),
        "page_no": pa.array(batch.cells["page_no"], pa.int32()),
        "bbox": pa.array(batch.cells["bbox"], pa.list_(pa.float64())),
        "read_detail": pa.array(batch.cells["read_detail"], pa.string()),
    })
    narrative = pa.table({f: pa.array(v, pa.string()) for f, v in batch.narrative.items()})
    failures = pa.table({
        "sha256": pa.array([j.sha256 for j, _, _ in batch.failures], pa.string()),
        "url": pa.array([j.url for j, _, _ in batch.failures], pa.string()),
        "source_id": pa.array([j.source_id for j, _, _ in batch.failures], pa.string()),
        "error_kind": pa.array([k for _, k, _ in batch.failures], pa.string()),
        "error": pa.array([e[:2000] for _, _, e in batch.failures], pa.string()),
    })
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("batch_reports", reports)
        con.register("batch_cells", cells)
        con.register("batch_narrative", narrative)
        con.register("batch_failures", failures)
        con.execute("""
            INSERT INTO reports SELECT report_id, parser_version, url, url_count, source_id, issuer,
                issuer_source, archive_issuer, title, year, year_source, TRY_CAST(published_date AS DATE),
                index_no, template, table3_template, table3_shape,
                TRY_CAST(info_processing_fee_yuan AS DECIMAL(18,2)), warnings, source_kind, encoding,
                content_type, archive_kind, first_seen, is_synthetic, ? FROM batch_reports""", [now])
        # A report's cells carry the parser version its report row was written under.
        con.execute("""
            INSERT INTO cells (report_id, parser_version, table_key, row_key, column_key, value,
                raw_text, is_blank, read_method, read_confidence, page_no, bbox, read_detail)
            SELECT c.report_id, r.parser_version, c.table_key, c.row_key, c.column_key,
                TRY_CAST(c.value AS DECIMAL(24,6)), c.raw_text, c.is_blank, c.read_method,
                c.read_confidence, c.page_no, c.bbox, CAST(c.read_detail AS JSON)
            FROM batch_cells c JOIN batch_reports r USING (report_id)""")
        con.execute("""
            INSERT INTO narrative_facts SELECT n.report_id, r.parser_version, n.fact_key,
                TRY_CAST(n.value AS DECIMAL(24,6)), n.raw_text
            FROM batch_narrative n JOIN batch_reports r USING (report_id)""")
        # a needs_tool or blob_error failure parsed again leaves the table: it is a report now,
        # or fails anew
        con.execute("""DELETE FROM parse_failures WHERE parser_version = ?
                       AND error_kind IN ('needs_tool', 'blob_error')
                       AND sha256 IN (SELECT report_id FROM batch_reports UNION ALL
                                      SELECT sha256 FROM batch_failures)""", [parser_version])
        verb = "INSERT OR REPLACE" if replace_failures else "INSERT OR IGNORE"
        con.execute(f"""
            {verb} INTO parse_failures (sha256, url, source_id, parser_version, error_kind, error, failed_at)
            SELECT sha256, url, source_id, ?, error_kind, error, ? FROM batch_failures""",
                    [parser_version, now])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("batch_reports", "batch_cells", "batch_narrative", "batch_failures"):
            try:
                con.unregister(name)
            except Exception:
                pass


def refresh_issuer_matches(con) -> int:
    """Match every (issuer, archive issuer) pair not yet matched against the current region
    dataset; a new dataset version re-matches all. Returns the number of pairs (re)matched."""
    version = regions.dataset_version()
    pairs = con.execute("""
        SELECT DISTINCT coalesce(r.issuer, ''), coalesce(r.archive_issuer, '') FROM reports r
        WHERE NOT EXISTS (SELECT 1 FROM issuer_matches m WHERE m.issuer = coalesce(r.issuer, '')
              AND m.archive_issuer = coalesce(r.archive_issuer, '') AND m.region_dataset = ?)""",
                        [version]).fetchall()
    if not pairs:
        return 0
    rows = []
    for issuer, hint in pairs:
        m = classify_issuer(issuer or hint, hint=hint or None)
        rows.append((issuer, hint, m.issuer_id, m.issuer_level, m.region_code, m.match_method, version))
    _upsert_text_rows(con, "issuer_matches", ("issuer", "archive_issuer", "issuer_id", "issuer_level",
                                               "region_code", "match_method", "region_dataset"), rows)
    return len(rows)


def _upsert_text_rows(con, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT OR REPLACE rows of text columns into `table`, through one Arrow table."""
    arrow = pa.table({name: pa.array([r[i] for r in rows], pa.string()) for i, name in enumerate(cols)})
    con.register("new_rows", arrow)
    try:
        con.execute(f"INSERT OR REPLACE INTO {table} SELECT * FROM new_rows")
    finally:
        con.unregister("new_rows")


def registry_sources(paths: Paths) -> dict:
    """source_id → issuers.SourceEntry: the entries recorded in the archive by the crawls and
    imports that used them, then the shipped registry for ids the archive has no record of
    (the snapshot's documents)."""
    from ingest.crawl import registry as reg
    from ingest.load.issuers import SourceEntry, hosts

    out: dict = {}
    try:
        for s in reg.load().sources:
            out[s.id] = SourceEntry.from_source(s)
    except UserError:
        pass  # an unreadable shipped registry only loses the fallback
    if paths.archive_db.exists():
        import duckdb

        con = duckdb.connect(str(paths.archive_db), read_only=True)
        try:
            has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'registry_sources'"
                              ).fetchone()[0]
            rows = con.execute("SELECT source_id, name, code, province, prefecture, government, base_url, "
                               "extra_domains FROM registry_sources").fetchall() if has else []
        finally:
            con.close()
        for sid, name, code, prov, pref, gov, base, extra in rows:
            out[sid] = SourceEntry(sid, name, code, prov, pref, gov, hosts(base, extra or []))
    return out


def refresh_report_issuers(con, sources: dict) -> int:
    """Identify every report (issuer type, county-level unit, evidence) that has no identity
    under the current fingerprint; a changed fingerprint re-identifies all. Returns how many."""
    from ingest.load.issuers import identify, rules_fingerprint

    fp = rules_fingerprint(sources)
    todo = con.execute("""
        SELECT r.report_id, r.parser_version, r.issuer, r.archive_issuer, r.source_id, r.index_no, r.url
        FROM reports r
        WHERE NOT EXISTS (SELECT 1 FROM report_issuers i WHERE i.report_id = r.report_id
                          AND i.parser_version = r.parser_version AND i.fingerprint = ?)""", [fp]).fetchall()
    if not todo:
        return 0
    cache: dict = {}
    rows = []
    for report_id, pv, issuer, archive_issuer, source_id, index_no, url in todo:
        source = sources.get(source_id) if source_id else None
        host = url.split("/")[2].lower() if url and "://" in url else ""
        key = (issuer, archive_issuer, source_id, index_no if source is None else None,
               host if source is None else None)
        m = cache.get(key)
        if m is None:
            m = cache[key] = identify(issuer, archive_issuer, source=source, index_no=index_no, url=url,
                                      sources=sources)
        rows.append((report_id, pv, m.issuer, m.issuer_id, m.issuer_level, m.region_code, m.match_method,
                     m.evidence, source.code if source else None, fp))
    _upsert_text_rows(con, "report_issuers", ("report_id", "parser_version", "issuer", "issuer_id",
                                               "issuer_level", "region_code", "match_method", "evidence",
                                               "source_code", "fingerprint"), rows)
    return len(rows)


def _chunks(items: list[Job], size: int) -> Iterator[list[Job]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _results(todo: list[Job], parser_version: str, workers: int) -> Iterable[dict]:
    if workers <= 1 or len(todo) <= CHUNK:
        for chunk in _chunks(todo, CHUNK):
            yield parse_chunk(chunk, parser_version)
        return
    # Bounded window of outstanding chunks: results never pile up faster than we insert them.
    chunks = _chunks(todo, CHUNK)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        pending = set()
        for chunk in chunks:
            pending.add(pool.submit(parse_chunk, chunk, parser_version))
            if len(pending) >= workers * 3:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
                nxt = next(chunks, None)
                if nxt is not None:
                    pending.add(pool.submit(parse_chunk, nxt, parser_version))


def load(paths: Paths, *, workers: int | None = None, retry_failures: bool = False,
         limit: int | None = None, progress: Callable[[int, int], None] | None = None) -> LoadSummary:
    parser_version, _ = _parser()
    started = time.perf_counter()
    summary = LoadSummary(parser_version)
    jobs = archived_jobs(paths)
    summary.documents = len(jobs)
    synthetic = {(j.source_id or "").startswith(SYNTHETIC_SOURCE_PREFIX) for j in jobs}
    if len(synthetic) > 1:
        raise UserError(f"{paths.archive_db} mixes synthetic benchmark documents with real ones: "
                        "synthetic reports belong in their own DATA_DIR")
    con = store.connect(paths.parsed_db)
    try:
        done = {r[0] for r in con.execute(
            "SELECT report_id FROM reports WHERE parser_version = ?", [parser_version]).fetchall()}
        # A document that waited for a missing program (needs_tool: LibreOffice for .doc/.wps)
        # is parsed again as soon as that program is installed; until then it is skipped like
        # any failure, so a run with nothing new still writes nothing.
        _TOOLS.clear()  # looked up afresh each run: the program may have been installed since
        failed = {sha for sha, kind, error in con.execute(
            "SELECT sha256, error_kind, error FROM parse_failures WHERE parser_version = ?",
            [parser_version]).fetchall() if not (kind == "needs_tool" and _tool_available(error))
            # a damaged blob repaired since (`archive add` of the original, a new crawl)
            and not (kind == "blob_error" and _blob_repaired(paths, sha))}
        skip = done if retry_failures else done | failed
        todo = [j for j in jobs if j.sha256 not in skip]
        if limit is not None:
            todo = todo[:limit]
        summary.skipped = len(jobs) - len(todo)
        run_id = None
        if todo:
            run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
            con.execute("INSERT INTO load_runs (run_id, parser_version, started_at, documents, status) "
                        "VALUES (?, ?, ?, ?, 'running')", [run_id, parser_version, _utcnow(), len(jobs)])
        status = "interrupted"
        try:
            batch = _Batch()
            handled = 0
            for part in _results(todo, parser_version, workers or os.cpu_count() or 1):
                batch.add(part)
                handled += len(part["reports"]) + len(part["failures"])
                if batch.n_cells >= FLUSH_CELLS:
                    _flush(con, batch, parser_version, retry_failures, summary)
                    batch = _Batch()
                if progress:
                    progress(handled, len(todo))
            if batch:
                _flush(con, batch, parser_version, retry_failures, summary)
            status = "complete"
        finally:
            if run_id:
                con.execute("UPDATE load_runs SET finished_at = ?, parsed = ?, failed = ?, skipped = ?, "
                            "cells = ?, status = ? WHERE run_id = ?",
                            [_utcnow(), summary.parsed, summary.failed, summary.skipped, summary.cells,
                             status, run_id])
        refresh_issuer_matches(con)
        refresh_report_issuers(con, registry_sources(paths))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _flush(con, batch: _Batch, parser_version: str, retry_failures: bool, summary: LoadSummary) -> None:
    _write(con, batch, parser_version, _utcnow(), retry_failures)
    fault_point("load-batch")  # tests/faults: killed after a committed batch
    summary.parsed += len(batch.reports)
    summary.cells += batch.n_cells
    summary.failed += len(batch.failures)
    for _, kind, _ in batch.failures:
        summary.failures_by_kind[kind] = summary.failures_by_kind.get(kind, 0) + 1


_TOOLS: dict[str, bool] = {}


def _blob_repaired(paths: Paths, sha256: str) -> bool:
    """Whether the blob of a blob_error failure now holds its sha256's bytes again."""
    import hashlib

    try:
        return hashlib.sha256((paths.blobs_dir / sha256[:2] / sha256).read_bytes()).hexdigest() == sha256
    except OSError:
        return False


def _tool_available(error: str) -> bool:
    """Whether the program a needs_tool failure waited for ("[soffice] …") is installed now."""
    tool = error[1:error.find("]")] if error.startswith("[") and "]" in error else "unknown"
    if tool not in _TOOLS:
        if tool == "soffice":
            from ingest.parse.readers.office import soffice_path

            _TOOLS[tool] = soffice_path() is not None
        elif tool == "unknown":
            _TOOLS[tool] = True  # cannot tell: try again
        else:
            import importlib.util
            import shutil

            try:
                found = importlib.util.find_spec(tool) is not None
            except (ImportError, ValueError):
                found = False
            _TOOLS[tool] = found or shutil.which(tool) is not None
    return _TOOLS[tool]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def progress_bar(stream=sys.stderr) -> Callable[[int, int], None] | None:
    """A tqdm bar on an interactive terminal, nothing otherwise (logs stay one line per run)."""
    if not stream.isatty():
        return None
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="doc", file=stream, leave=False)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update
