"""DATA_DIR/parsed.duckdb: the loader's raw tables (ARCHITECTURE.md, Stage 3).

Append-only per parser version: a new PARSER_VERSION adds rows beside the old ones (nothing is
overwritten); dbt's staging models read the newest successful parse of each document. Cells
carry no primary key on purpose: an ART index over millions of rows would cost more than the
loader's own bookkeeping, which already inserts each (report, parser version) exactly once, in
one transaction with its report row.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingest.errors import UserError

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    report_id                VARCHAR NOT NULL,   -- = document sha256
    parser_version           VARCHAR NOT NULL,
    url                      VARCHAR,            -- the first-seen archive URL of these bytes
    url_count                INTEGER,            -- how many archived URLs serve these bytes
    source_id                VARCHAR,
    issuer                   VARCHAR,            -- as the parser read it, else the archive's
    issuer_source            VARCHAR,            -- parser | archive | none
    archive_issuer           VARCHAR,            -- the crawler's issuer for this source
    title                    VARCHAR,
    year                     INTEGER,
    year_source              VARCHAR,            -- title | published_date (parser) | archive_hint
    published_date           DATE,
    index_no                 VARCHAR,
    template                 VARCHAR,            -- table-2 template: 2019 | 2021
    table3_template          VARCHAR,
    table3_shape             VARCHAR,            -- one_row | three_rows
    info_processing_fee_yuan DECIMAL(18,2),
    warnings                 VARCHAR[],
    source_kind              VARCHAR,            -- html | text | pdf
    encoding                 VARCHAR,
    content_type             VARCHAR,
    archive_kind             VARCHAR,            -- page | attachment | import
    first_seen               TIMESTAMP,
    is_synthetic             BOOLEAN NOT NULL,   -- written by the benchmark generator
    parsed_at                TIMESTAMP NOT NULL,
    PRIMARY KEY (report_id, parser_version)
);
CREATE TABLE IF NOT EXISTS cells (
    report_id      VARCHAR NOT NULL,
    parser_version VARCHAR NOT NULL,
    table_key      VARCHAR NOT NULL,   -- table2 | table3 | table4
    row_key        VARCHAR NOT NULL,
    column_key     VARCHAR NOT NULL,
    value          DECIMAL(24,6),      -- NULL = not reported
    raw_text       VARCHAR,            -- as printed; NULL = the layout has no such cell
    is_blank       BOOLEAN NOT NULL,   -- printed blank or a null mark (/, —, 无 …)
    read_method    VARCHAR,            -- printed | recovered | ocr; NULL = no cell in the layout
    read_confidence DOUBLE,            -- OCR confidence 0..1
    page_no        INTEGER,            -- 1-based page the cell was read on (PDF, OCR)
    bbox           DOUBLE[],           -- [x0, top, x1, bottom]: PDF points, or page-image pixels (OCR)
    read_detail    JSON                -- candidates, rules, note, undecided (recovered cells)
);
CREATE TABLE IF NOT EXISTS narrative_facts (
    report_id      VARCHAR NOT NULL,
    parser_version VARCHAR NOT NULL,
    fact_key       VARCHAR NOT NULL,
    value          DECIMAL(24,6),
    raw_text       VARCHAR
);
CREATE TABLE IF NOT EXISTS parse_failures (
    sha256         VARCHAR NOT NULL,
    url            VARCHAR,
    source_id      VARCHAR,
    parser_version VARCHAR NOT NULL,
    error_kind     VARCHAR NOT NULL,   -- not_a_report | unreadable | parser_error | blob_error | needs_tool
    error          VARCHAR NOT NULL,
    failed_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (sha256, parser_version)
);
CREATE TABLE IF NOT EXISTS issuer_matches (
    issuer         VARCHAR NOT NULL,   -- reports.issuer ('' when none)
    archive_issuer VARCHAR NOT NULL,   -- reports.archive_issuer ('' when none)
    issuer_id      VARCHAR NOT NULL,
    issuer_level   VARCHAR NOT NULL,   -- ingest/load/issuers.py ISSUER_LEVELS
    region_code    VARCHAR,
    match_method   VARCHAR NOT NULL,   -- name | name+context | alias | hint | ambiguous | … (name evidence only)
    region_dataset VARCHAR NOT NULL,
    PRIMARY KEY (issuer, archive_issuer)
);
-- Per report (document × parser version): its issuer type and county-level unit, decided by
-- ingest/load/issuers.py from every piece of evidence (registry source, name, alias, 索引号,
-- URL host); re-decided for every report when `fingerprint` (rules, dataset, aliases, registry
-- entries) changes. region_code NULL = county unknown, `evidence` says why.
CREATE TABLE IF NOT EXISTS report_issuers (
    report_id      VARCHAR NOT NULL,
    parser_version VARCHAR NOT NULL,
    issuer         VARCHAR NOT NULL,   -- the name the decision read ('' when none)
    issuer_id      VARCHAR NOT NULL,
    issuer_level   VARCHAR NOT NULL,   -- ingest/load/issuers.py ISSUER_LEVELS
    region_code    VARCHAR,
    match_method   VARCHAR NOT NULL,   -- ingest/load/issuers.py MATCH_METHODS
    evidence       VARCHAR NOT NULL,
    source_code    VARCHAR,            -- the registry entry's code, when a source fetched it
    fingerprint    VARCHAR NOT NULL,
    PRIMARY KEY (report_id, parser_version)
);
CREATE TABLE IF NOT EXISTS load_runs (
    run_id         VARCHAR NOT NULL PRIMARY KEY,
    parser_version VARCHAR NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    documents      INTEGER,            -- archived document versions seen
    parsed         INTEGER,
    failed         INTEGER,
    skipped        INTEGER,            -- already parsed (or failed) by this parser version
    cells          BIGINT,
    status         VARCHAR NOT NULL    -- running | complete | interrupted
);
"""


# Columns added after a file was first written: a parsed.duckdb of an older release gains them
# (old rows read null: their provenance was not recorded).
MIGRATIONS = """
ALTER TABLE cells ADD COLUMN IF NOT EXISTS read_method VARCHAR;
ALTER TABLE cells ADD COLUMN IF NOT EXISTS read_confidence DOUBLE;
ALTER TABLE cells ADD COLUMN IF NOT EXISTS page_no INTEGER;
ALTER TABLE cells ADD COLUMN IF NOT EXISTS bbox DOUBLE[];
ALTER TABLE cells ADD COLUMN IF NOT EXISTS read_detail JSON;
"""


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open parsed.duckdb, turning DuckDB's errors into one actionable line."""
    if read_only and not path.exists():
        raise UserError(f"{path} does not exist yet: run `python -m ingest load` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            raise UserError(f"{path} is in use by another process (a load or build still running?)") from None
        raise UserError(f"cannot open {path}: {msg.splitlines()[0]}") from None
    except duckdb.Error as exc:
        raise UserError(f"{path} is not a readable DuckDB database ({str(exc).splitlines()[0]}); "
                        "move it aside and run the load again") from None
    if not read_only:
        try:
            con.execute(SCHEMA)
            con.execute(MIGRATIONS)
        except duckdb.Error as exc:
            con.close()
            raise UserError(f"{path} does not hold the loader's tables ({str(exc).splitlines()[0]})") from None
    return con
