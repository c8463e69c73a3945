"""`make browse` / `python -m ingest browse`: the published warehouse in Datasette.

Datasette reads SQLite, and the warehouse is DuckDB, so each refresh that publishes (and
`browse`, when the copy is older than the warehouse) writes a SQLite copy of what an analyst browses — the marts, the dimensions, the findings and their rule catalogue,
never the internal staging and intermediate tables — to DATA_DIR/browse/warehouse.sqlite
(written aside, then renamed: a running Datasette never sees half a file), with
`metadata.json` built from the same sources as the exports' data dictionary: the dbt model
descriptions, zh/en labels from the dbt YAML, templates.yaml and ingest/export_labels.yaml,
facets (province, prefecture, year, issuer type) and canned queries (one county over the
years, counties side by side, the findings of a report, a prefecture's coverage).

    python -m ingest browse              # build the copy if the warehouse is newer, then serve
    python -m ingest browse --build-only # what each refresh runs after it publishes
    python -m ingest browse --port 8010 --host 0.0.0.0

Tables over INGEST_BROWSE_MAX_ROWS rows (5,000,000) are left out and named on the index page:
a national warehouse's cell-level facts are for SQL, not for paging.
Values: counts stay integers; DECIMAL money becomes REAL (Datasette shows it as printed up to
float precision — the warehouse keeps the exact decimal); lists and timestamps become text.
Everything Datasette serves is local: no page loads a script or a style from the internet.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path

from ingest.config import Paths, paths as data_paths
from ingest.errors import UserError

DB_NAME = "warehouse"
EXTRA = ("validation_findings", "validation_rules", "validation_results")
FACET_CANDIDATES = ("province_name", "prefecture_name", "year", "issuer_type", "issuer_level",
                    "severity", "rule_id", "status", "read_method", "coverage_status")
BANNER = ("合成演示数据 · SYNTHETIC DEMO DATA — every figure on these pages is made up by "
          "ingest/synthetic.py; the places are fictional. Nothing here describes a real government.")


def browse_dir(p: Paths) -> Path:
    return p.data_dir / "browse"


def _tables(con) -> list[str]:
    from ingest.export import mart_tables

    names = {t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
    return sorted(set(mart_tables(con)) | (names & set(EXTRA)))


def _sqlite_type(duck_type: str) -> str:
    t = duck_type.upper()
    if any(k in t for k in ("INT", "BOOL")) and "[]" not in t:
        return "INTEGER"
    if any(k in t for k in ("DECIMAL", "DOUBLE", "FLOAT", "REAL")) and "[]" not in t:
        return "REAL"
    return "TEXT"


# Datasette answers within its 5-second limit on tables up to a few million rows; a national
# warehouse's cell-level facts run to hundreds of millions, which no one pages through in a
# browser and whose copy would take longer than the build. Larger tables stay in the warehouse
# (`python -m ingest sql`, the exports) and the index page names them.
MAX_ROWS_ENV = "INGEST_BROWSE_MAX_ROWS"
DEFAULT_MAX_ROWS = 5_000_000


def max_rows() -> int:
    try:
        return int(os.environ.get(MAX_ROWS_ENV, DEFAULT_MAX_ROWS))
    except ValueError:
        raise UserError(f"{MAX_ROWS_ENV} must be a whole number of rows") from None


def _as_sqlite(column: str, duck_type: str) -> str:
    """The SQL that turns a DuckDB column into what the SQLite copy stores (done by DuckDB, in
    bulk: converting value by value in Python was most of the copy's time)."""
    t, q = duck_type.upper(), f'"{column}"'
    if "[]" in t or t.startswith(("STRUCT", "MAP", "UNION")) or t == "JSON":
        return f"to_json({q})::VARCHAR"
    if t.startswith("DECIMAL"):
        return f"{q}::DOUBLE"
    if t == "BOOLEAN":
        return f"{q}::INTEGER"
    if t.startswith(("TIMESTAMP", "DATE", "TIME", "INTERVAL", "UUID", "HUGEINT", "UHUGEINT", "BLOB", "BIT")):
        return f"{q}::VARCHAR"
    return q


def copy_to_sqlite(warehouse: Path, target: Path, limit: int | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """Every browsable table of the warehouse into a fresh SQLite file: (table → rows copied,
    table → rows of the tables left out for being over `limit`)."""
    import duckdb

    limit = max_rows() if limit is None else limit
    counts: dict[str, int] = {}
    omitted: dict[str, int] = {}
    src = duckdb.connect(str(warehouse), read_only=True)
    dst = sqlite3.connect(str(target))
    dst.execute("pragma journal_mode = off")  # a file written aside and renamed: no rollback needed
    dst.execute("pragma synchronous = off")
    try:
        for table in _tables(src):
            rows = src.execute(f'select count(*) from "{table}"').fetchall()[0][0]
            if rows > limit:
                omitted[table] = rows
                continue
            cols = src.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'main' and table_name = ? order by ordinal_position", [table]).fetchall()
            ddl = ", ".join(f'"{c}" {_sqlite_type(t)}' for c, t in cols)
            dst.execute(f'create table "{table}" ({ddl})')
            cur = src.execute(f'select {", ".join(_as_sqlite(c, t) for c, t in cols)} from "{table}"')
            marks = ", ".join("?" for _ in cols)
            n = 0
            while batch := cur.fetchmany(50_000):
                dst.executemany(f'insert into "{table}" values ({marks})', batch)
                n += len(batch)
            counts[table] = n
            for c, _ in cols:  # the facets and the canned queries filter on these
                if c in FACET_CANDIDATES or c in ("region_code", "region_name", "report_id"):
                    dst.execute(f'create index "ix_{table}_{c}" on "{table}"("{c}")')
        dst.execute("create table _omitted_tables (table_name TEXT, table_rows INTEGER)")
        dst.executemany("insert into _omitted_tables values (?, ?)", sorted(omitted.items()))
        dst.commit()
    finally:
        dst.close()
        src.close()
    return counts, omitted


def is_synthetic(warehouse: Path) -> bool:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        has = con.execute("select count(*) from information_schema.columns "
                          "where table_name = 'dim_report' and column_name = 'is_synthetic'").fetchone()[0]
        return bool(has) and bool(con.execute("select bool_or(is_synthetic) from dim_report").fetchone()[0])
    finally:
        con.close()


def metadata(sqlite_path: Path, synthetic: bool) -> dict:
    """Datasette metadata: descriptions and labels from the one set of sources the exports use."""
    from ingest.export import dbt_column_docs, dbt_model_descriptions, label_column, template_labels

    docs, tpl, model_desc = dbt_column_docs(), template_labels(), dbt_model_descriptions()
    con = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        tables = {}
        names = [t for (t,) in con.execute("select name from sqlite_master where type = 'table' "
                                            "and name <> '_omitted_tables' order by 1")]
        try:
            omitted = con.execute("select table_name, table_rows from _omitted_tables order by 1").fetchall()
        except sqlite3.Error:
            omitted = []
        for table in names:
            cols = [r[1] for r in con.execute(f'pragma table_info("{table}")')]
            described = {}
            for c in cols:
                zh, en, desc = label_column(table, c, docs, tpl)
                described[c] = " · ".join(x for x in (zh, en) if x) + (f" — {desc}" if desc else "")
            entry = {"description": model_desc.get(table) or _EXTRA_DESCRIPTIONS.get(table, ""),
                     "columns": described,
                     "facets": [c for c in FACET_CANDIDATES if c in cols][:4]}
            if "year" in cols:
                entry["sort_desc"] = "year"
            tables[table] = entry
        if omitted:  # bookkeeping for the index page, not a table to browse
            tables["_omitted_tables"] = {"hidden": True}
        queries = {k: v for k, v in _canned_queries(set(names)).items()}
    finally:
        con.close()
    about = ("Chinese counties' government-information-disclosure annual reports (政府信息公开工作"
             "年度报告), read from the portals that publish them: applications by applicant type and "
             "outcome, permits, penalties, fees, review and litigation, and the publisher findings "
             "that the template's balancing rules reveal. Every fact row keeps the printed text and "
             "the source URL.")
    return {
        "title": "政府信息公开年报数据仓库 · Disclosure annual reports warehouse",
        "description_html": (f"<p><strong>{BANNER}</strong></p>" if synthetic else "") + f"<p>{about}</p>"
        + (("<p>Too large to browse here (query them with <code>python -m ingest sql</code> or read "
            "the exports): " + ", ".join(f"{t} ({n:,} rows)" for t, n in omitted) + ".</p>") if omitted else ""),
        "source": "county portals' annual reports (see dim_report.source_url)",
        "databases": {DB_NAME: {"tables": tables, "queries": queries}},
    }


_EXTRA_DESCRIPTIONS = {
    "validation_findings": "Findings about publishers (and pipeline breaks) from the template's "
                           "balancing rules, cross-year carry-over and narrative figures; one row per "
                           "offending cell, with expected, actual and difference.",
    "validation_rules": "The catalogue of validation rules, in English and Chinese.",
    "validation_results": "Per report and rule: checks made, evaluated, failed, not evaluable.",
}


def _canned_queries(tables: set[str]) -> dict[str, dict]:
    q: dict[str, dict] = {}
    # Shares as percentages with one decimal, as the notebooks print them.
    headline = ("year, region_name, issuer, applications_new, handled, "
                "round(disclosure_rate * 100, 1) as \"disclosure_rate_%\", "
                "round(denial_share * 100, 1) as \"denial_share_%\", "
                "review_cases, litigation_cases, permit_decisions, penalty_decisions, fee_amount_yuan, "
                "source_url")
    if "mart_county_year" in tables:
        q["county_over_the_years"] = {
            "title": "One county over the years · 一个县历年情况",
            "description": "Give a county-level unit's name (汉阴县) or 6-digit code.",
            "sql": f"select {headline} from mart_county_year "
                   "where region_name = :county or region_code = :county order by year",
        }
        q["counties_side_by_side"] = {
            "title": "Counties side by side · 多县对比",
            "description": "Two or more names or codes separated by commas (汉阴县,洪泽区), and a year.",
            "sql": f"select {headline} from mart_county_year "
                   "where year = cast(:year as integer) and ("
                   "instr(',' || replace(:counties, '，', ',') || ',', ',' || region_name || ',') > 0 or "
                   "instr(',' || replace(:counties, '，', ',') || ',', ',' || region_code || ',') > 0) "
                   "order by applications_new desc",
        }
    if "validation_findings" in tables:
        q["findings_of_a_report"] = {
            "title": "The findings of a report · 一份年报的问题",
            "description": "A report_id (see dim_report), or an issuer's name.",
            "sql": "select * from validation_findings where report_id = :report or issuer = :report "
                   "order by year, rule_id",
        }
    coverage = next((t for t in sorted(tables) if "coverage" in t and "county" in t), None)
    if coverage:
        q["coverage_of_a_prefecture"] = {
            "title": "Coverage of a prefecture · 地市覆盖情况",
            "description": "Which county-level units of a prefecture (安康市) have a report for each year, and why not.",
            "sql": f"select * from {coverage} where prefecture_name = :prefecture order by region_code, year",
        }
    elif {"dim_region", "mart_county_year"} <= tables:
        q["coverage_of_a_prefecture"] = {
            "title": "Coverage of a prefecture · 地市覆盖情况",
            "description": "Which county-level units of a prefecture (安康市) have a report in the warehouse, by year.",
            "sql": "select r.region_code, r.region_name, group_concat(m.year) as years_with_report "
                   "from dim_region r left join mart_county_year m on m.region_code = r.region_code "
                   "where r.prefecture_name = :prefecture group by 1, 2 order by 1",
        }
    if {"mart_report_revisions", "mart_revision_cells"} <= tables:
        q["revised_reports"] = {
            "title": "Revised reports · 被修订的年报",
            "description": "Reports whose source published a new version, with every cell that changed "
                           "(old → new); the marts use the newest version.",
            "sql": "select r.issuer, r.region_name, r.year, r.revision_kind, substr(r.old_sha256, 1, 12) as old, "
                   "substr(r.new_sha256, 1, 12) as new, r.old_first_seen, r.new_first_seen, c.table_key, "
                   "c.row_key, c.column_key, c.old_value, c.new_value, r.new_url "
                   "from mart_report_revisions r join mart_revision_cells c "
                   "on c.old_report_id = r.old_report_id and c.new_report_id = r.new_report_id "
                   "order by r.new_first_seen desc, c.table_key, c.row_key, c.column_key",
        }
    return q


def _templates_dir(out: Path, synthetic: bool) -> Path:
    """A base template that puts the synthetic-data banner on every page (none for real data)."""
    d = out / "templates"
    d.mkdir(exist_ok=True)
    banner = (f'<p class="message-error" style="font-size:1.1em;margin:0">{BANNER}</p>' if synthetic else "")
    # A table's column descriptions (zh · en — meaning) come before its rows in Datasette; with
    # 80 columns they would fill the first screen, so they scroll in a box of their own.
    style = ("<style>dl.column-descriptions{max-height:11em;overflow-y:auto;border:1px solid #ccd;"
             "padding:.3em .6em;background:#fff}</style>")
    (d / "base.html").write_text(
        '{% extends "default:base.html" %}\n'
        "{% block extra_head %}" + style + "{% endblock %}\n"
        "{% block messages %}" + banner + "{{ super() }}{% endblock %}\n", encoding="utf-8")
    return d


def build(p: Paths) -> Path:
    """Write DATA_DIR/browse/{warehouse.sqlite, metadata.json, templates/} from the published warehouse."""
    warehouse = p.warehouse_db
    if not warehouse.is_file():
        raise UserError(f"no warehouse at {warehouse}: run `make refresh` first")
    out = browse_dir(p)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".warehouse-{os.getpid()}.sqlite"
    tmp.unlink(missing_ok=True)
    try:
        copy_to_sqlite(warehouse, tmp)
        synthetic = is_synthetic(warehouse)
        meta = metadata(tmp, synthetic)
        meta_tmp = out / f".metadata-{os.getpid()}.json"
        meta_tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        _templates_dir(out, synthetic)
        os.replace(tmp, out / f"{DB_NAME}.sqlite")
        os.replace(meta_tmp, out / "metadata.json")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    # The copy is as new as the warehouse it came from: `browse` compares the two mtimes.
    st = warehouse.stat()
    os.utime(out / f"{DB_NAME}.sqlite", ns=(st.st_atime_ns, st.st_mtime_ns))
    return out / f"{DB_NAME}.sqlite"


def is_current(p: Paths) -> bool:
    db = browse_dir(p) / f"{DB_NAME}.sqlite"
    return (db.is_file() and p.warehouse_db.is_file()
            and db.stat().st_mtime_ns == p.warehouse_db.stat().st_mtime_ns
            and (browse_dir(p) / "metadata.json").is_file())


def serve_command(p: Paths, host: str, port: int) -> list[str]:
    out = browse_dir(p)
    exe = Path(sys.executable).with_name("datasette")
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "datasette"]
    return base + ["serve", str(out / f"{DB_NAME}.sqlite"), "--metadata", str(out / "metadata.json"),
                   "--template-dir", str(out / "templates"), "--host", host, "--port", str(port),
                   "--setting", "default_page_size", "50", "--setting", "sql_time_limit_ms", "5000"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--build-only", action="store_true", help="write the SQLite copy and metadata, do not serve")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8001, help="port (default: %(default)s)")


def run(args) -> int:
    p = data_paths()
    if args.build_only or not is_current(p):
        db = build(p)
        print(f"browse copy written: {db}", file=sys.stderr)
    if args.build_only:
        return 0
    try:
        import datasette  # noqa: F401
    except ImportError:
        raise UserError("datasette is not installed in this environment: run `make setup`") from None
    cmd = serve_command(p, args.host, args.port)
    print(f"serving the warehouse at http://{args.host}:{args.port}/ (Ctrl-C stops)", file=sys.stderr)
    sys.stderr.flush()
    # Become Datasette rather than wait on it: a signal meant for `browse` (Ctrl-C, a test's
    # terminate, a service manager's stop) then reaches the server, which never outlives it.
    os.execv(cmd[0], cmd)
