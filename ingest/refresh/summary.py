"""The run summary: what a refresh reached, added and found, read from the stages' own tables.

Nothing here is counted while the stages run: the summary compares what the archive, the parse
tables and the warehouse hold before and after, through their published contracts
(ARCHITECTURE.md), so it is right even when a stage was run by hand in between.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.config import Paths


def _connect(db: Path):
    import duckdb

    return duckdb.connect(str(db), read_only=True)


def tolerant(empty):
    """The summary reports on the stages' files; a damaged or locked one must not end the run.

    The stage that owns the file reports the damage; the summary then just knows less.
    """
    import functools

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kw):
            import duckdb

            try:
                return fn(*args, **kw)
            except (duckdb.Error, OSError, ValueError):
                return empty() if callable(empty) else empty
        return inner
    return wrap


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}


def _columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_name = ?", [table]).fetchall()}


@dataclass
class Before:
    """Keys present before the run, to tell what the run added."""

    documents: set[tuple[str, str]] = field(default_factory=set)
    reports: set[tuple[str, str]] = field(default_factory=set)
    crawl_runs: set[str] = field(default_factory=set)


@tolerant(set)
def documents(paths: Paths) -> set[tuple[str, str]]:
    if not paths.archive_db.exists():
        return set()
    con = _connect(paths.archive_db)
    try:
        if "document_versions" not in _tables(con):
            return set()
        return {(s, u or "") for s, u in con.execute("select sha256, url from document_versions").fetchall()}
    finally:
        con.close()


@tolerant(set)
def crawl_runs(paths: Paths) -> set[str]:
    if not paths.archive_db.exists():
        return set()
    con = _connect(paths.archive_db)
    try:
        if "crawl_runs" not in _tables(con):
            return set()
        return {str(r[0]) for r in con.execute("select distinct run_id from crawl_runs").fetchall()}
    finally:
        con.close()


@tolerant(set)
def reports(paths: Paths) -> set[tuple[str, str]]:
    if not paths.parsed_db.exists():
        return set()
    con = _connect(paths.parsed_db)
    try:
        if "reports" not in _tables(con):
            return set()
        return {(str(r), str(v)) for r, v in con.execute(
            "select report_id, parser_version from reports").fetchall()}
    finally:
        con.close()


def before(paths: Paths) -> Before:
    return Before(documents(paths), reports(paths), crawl_runs(paths))


@dataclass
class SourceOutcome:
    source_id: str
    status: str  # crawl_runs.status: complete | failed | interrupted | offline | running
    pages_fetched: int
    new_documents: int
    error: str | None = None
    unchanged: int = 0
    failures: int = 0
    robots_excluded: int = 0
    why: str | None = None  # why a source yielded no report (the crawler's diagnosis)

    @property
    def reached(self) -> bool:
        return self.status == "complete"

    @property
    def contacted(self) -> bool:
        return self.status != "offline"


@tolerant(list)
def crawl_outcome(paths: Paths, old_runs: set[str]) -> list[SourceOutcome]:
    """Per registry source, how this refresh's crawl went (the crawler's crawl_runs rows).

    The crawler marks a source `complete` when its portal answered (any page fetched, or
    nothing failed) and `failed` when nothing came back; the most frequent failure reason is
    what the summary shows.
    """
    if not paths.archive_db.exists():
        return []
    con = _connect(paths.archive_db)
    try:
        if "crawl_runs" not in _tables(con):
            return []
        rows = con.execute(
            "select run_id, source_id, status, pages_fetched, new_documents, failure_reasons, unchanged, failures "
            "from crawl_runs order by source_id"
        ).fetchall()
    finally:
        con.close()
    from ingest.crawl.memory import last_runs

    diagnosis = last_runs(paths)  # the crawler's own account of each source's last run
    out = []
    for run_id, source_id, status, pages, new, reasons, unchanged, failures in rows:
        if str(run_id) in old_runs:
            continue
        last = diagnosis.get(str(source_id)) or {}
        if last.get("run_id") != str(run_id):
            last = {}
        error = None
        if status != "complete":
            try:
                counts = json.loads(reasons or "{}")
            except ValueError:
                counts = {}
            error = max(counts, key=counts.get) if counts else status
            url = (last.get("failure_urls") or {}).get(error)
            if url:
                error = f"{error}: {url}"
        out.append(SourceOutcome(str(source_id), str(status), pages or 0, new or 0, error, unchanged or 0,
                                 failures or 0, int(last.get("robots_excluded") or 0), last.get("why")))
    return out


@tolerant(dict)
def crawl_formats(paths: Paths, old_runs: set[str]) -> dict[str, int]:
    """This refresh's crawled documents by format (crawl_runs.formats summed over its runs):
    html, pdf_text, pdf_scanned, doc, docx, wps, ofd, image … (ingest/parse/formats.py)."""
    if not paths.archive_db.exists():
        return {}
    con = _connect(paths.archive_db)
    try:
        if "crawl_runs" not in _tables(con) or "formats" not in _columns(con, "crawl_runs"):
            return {}
        rows = con.execute("select run_id, formats from crawl_runs where formats is not null").fetchall()
    finally:
        con.close()
    total: dict[str, int] = {}
    for run_id, formats in rows:
        if str(run_id) in old_runs:
            continue
        try:
            counts = json.loads(formats or "{}")
        except ValueError:
            continue
        for fmt, n in counts.items():
            if isinstance(n, int):
                total[fmt] = total.get(fmt, 0) + n
    return dict(sorted(total.items(), key=lambda kv: (-kv[1], kv[0])))


@tolerant(list)
def new_reports(paths: Paths, old: set[tuple[str, str]]) -> list[dict]:
    if not paths.parsed_db.exists():
        return []
    con = _connect(paths.parsed_db)
    try:
        if "reports" not in _tables(con):
            return []
        rows = con.execute(
            "select report_id, parser_version, issuer, year, title from reports order by issuer, year"
        ).fetchall()
    finally:
        con.close()
    return [{"report_id": r, "issuer": i, "year": y, "title": t}
            for r, v, i, y, t in rows if (str(r), str(v)) not in old]


@tolerant(None)
def parse_failures(paths: Paths) -> int | None:
    if not paths.parsed_db.exists():
        return None
    con = _connect(paths.parsed_db)
    try:
        if "parse_failures" not in _tables(con):
            return None
        return con.execute("select count(distinct sha256) from parse_failures").fetchone()[0]
    finally:
        con.close()


def findings(warehouse: Path) -> dict:
    try:
        return _findings(warehouse)
    except Exception as exc:  # duckdb.Error, OSError: see tolerant()
        return {"publisher": 0, "pipeline": 0, "by_rule": {}, "reports": 0, "error": str(exc)}


def _findings(warehouse: Path) -> dict:
    """Findings recorded by validation in a warehouse: publisher findings by rule, and totals."""
    out = {"publisher": 0, "pipeline": 0, "by_rule": {}, "reports": 0}
    if not warehouse.exists():
        return out
    con = _connect(warehouse)
    try:
        tables = _tables(con)
        if "validation_findings" in tables:
            for severity, rule, n in con.execute(
                "select severity, rule_id, count(*) from validation_findings group by all order by 1, 3 desc, 2"
            ).fetchall():
                out[severity] = out.get(severity, 0) + n
                if severity == "publisher":
                    out["by_rule"][rule] = n
        if "validation_runs" in tables and "data_docs" in _columns(con, "validation_runs"):
            row = con.execute("select data_docs from validation_runs order by started_at desc limit 1").fetchone()
            out["data_docs"] = row[0] if row else None
        if "dim_report" in tables:
            out["reports"] = con.execute("select count(*) from dim_report").fetchone()[0]
    finally:
        con.close()
    return out


@dataclass
class Summary:
    run_id: str
    started_at: str
    data_dir: str
    offline: bool
    exit_code: int = 1
    outcome: str = "failed"
    seconds: float = 0.0
    sources_reached: list[str] = field(default_factory=list)
    sources_failed: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)  # per source: status, pages, documents, why
    new_documents: int = 0
    archive_documents: int = 0
    formats: dict[str, int] = field(default_factory=dict)  # this crawl's documents by format
    new_reports: list[dict] = field(default_factory=list)
    parse_failures: int | None = None
    warehouse: str = "not built"
    rebuild_reasons: list[str] = field(default_factory=list)
    reports_in_warehouse: int = 0
    findings_publisher: int = 0
    findings_by_rule: dict[str, int] = field(default_factory=dict)
    data_docs: str | None = None
    data_dictionary: str | None = None
    notebooks: list[dict] = field(default_factory=list)
    exports: str | None = None
    stages: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cleaned: list[str] = field(default_factory=list)  # what a killed run left, removed by this one
    log: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, default=str)

    def render(self) -> str:
        lines = [f"refresh {self.run_id}: {self.outcome} (exit {self.exit_code}) in {self.seconds:.1f} s"]
        if self.offline:
            lines.append("  sources:   offline run, no portal contacted")
        else:
            failed = ", ".join(f"{f['source_id']} ({f['error'] or 'no answer'})" for f in self.sources_failed)
            empty = [r for r in self.sources if r.get("why") and r["status"] == "complete"]
            lines.append(f"  sources:   {len(self.sources_reached)} reached, {len(self.sources_failed)} failed"
                         + (f": {failed}" if failed else "")
                         + (f"; {len(empty)} reached but yielded no report" if empty else ""))
            lines.extend(_source_table(self.sources))
        lines.append(f"  archive:   {self.new_documents} new document(s), {self.archive_documents} in total")
        if self.formats:
            lines.append("  formats:   " + ", ".join(f"{k} {v}" for k, v in self.formats.items())
                         + " (documents this crawl stored or saw again; crawl_runs.formats)")
        if self.new_reports:
            listed = "; ".join(f"{r['issuer']} {r['year']}" for r in self.new_reports[:10])
            more = f" and {len(self.new_reports) - 10} more" if len(self.new_reports) > 10 else ""
            lines.append(f"  reports:   {len(self.new_reports)} new: {listed}{more}")
        else:
            lines.append("  reports:   no new report")
        if self.parse_failures:
            lines.append(f"             {self.parse_failures} archived document(s) could not be parsed "
                         "(table parse_failures in parsed.duckdb)")
        lines.append(f"  warehouse: {self.warehouse}; {self.reports_in_warehouse} report(s)")
        if self.findings_publisher:
            rules = ", ".join(f"{k} {v}" for k, v in self.findings_by_rule.items())
            lines.append(f"  findings:  {self.findings_publisher} about publishers ({rules}; "
                         "table validation_findings)")
        else:
            lines.append("  findings:  none about publishers")
        docs = [f"Data Docs {self.data_docs}"] if self.data_docs else []
        docs += [f"data dictionary {self.data_dictionary}"] if self.data_dictionary else []
        if docs:
            lines.append("  docs:      " + "; ".join(docs))
        for nb in self.notebooks:
            state = f"FAILED: {nb['error']}" if nb.get("error") else nb.get("state", "rendered")
            lines.append(f"  notebook:  {nb['name']}: {state}" + (f" → {nb['html']}" if nb.get("html") else ""))
        if self.exports:
            lines.append(f"  export:    {self.exports}")
        for c in self.cleaned:
            lines.append(f"  cleaned:   {c}")
        for p in self.problems:
            lines.append(f"  PROBLEM:   {p}")
        lines.append(f"  log:       {self.log}")
        return "\n".join(lines)


def _source_table(rows: list[dict]) -> list[str]:
    """The crawl's per-source table, with why a source yielded nothing."""
    if not rows:
        return []
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    head = ("source", "status", "pages", "new", "unchanged", "failures", "robots", "why nothing / error")
    body = [(r["source_id"], r["status"], str(r["pages_fetched"]), str(r["new_documents"]), str(r["unchanged"]),
             str(r["failures"]), str(r["robots_excluded"]), r.get("why") or r.get("error") or "") for r in rows]
    widths = [max(width(row[i]) for row in [head, *body]) for i in range(len(head) - 1)]
    return ["             " + "  ".join(c + " " * (widths[i] - width(c)) if i < len(widths) else c
                                        for i, c in enumerate(row)).rstrip() for row in [head, *body]]
