"""`python -m ingest sql "select …"`: query the published warehouse read-only from a shell.

For analysts without a DuckDB client: the query runs on a read-only connection (so it never
blocks a refresh), prints DuckDB's table layout (the format of the README examples) or CSV, and
a bad query is one line on stderr.

The connection is a sandbox, not only read-only: a read-only attach stops DROP and DELETE but
not `COPY … TO 'data/archive/archive.duckdb'`, which would overwrite any file the user can
write. So external access is off (no COPY TO, EXPORT DATABASE, ATTACH, read_csv of files,
INSTALL/LOAD of extensions) and the configuration is locked (no `SET` turns it back on).
The notebooks' helper (notebooks/notebook_support.py) opens the warehouse the same way.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from ingest.config import paths as data_paths
from ingest.errors import UserError

# DuckDB settings of every analyst-facing connection. Order matters only in that
# lock_configuration must come with the others, at connect time, so nothing can undo them.
SANDBOX_CONFIG = {
    "enable_external_access": False,   # no file or network I/O from SQL: COPY, EXPORT, ATTACH, read_*
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,        # SET / RESET / PRAGMA cannot change any of this afterwards
}


def connect_sandboxed(path: Path):
    """A read-only DuckDB connection to `path` that cannot write or read any other file."""
    import duckdb

    return duckdb.connect(str(path), read_only=True, config=dict(SANDBOX_CONFIG))


def explain(exc: Exception) -> str:
    """One line for a refused or failed query; says why when the sandbox refused it."""
    text = " ".join(str(exc).split())
    if "disabled by configuration" in text or "disabled through configuration" in text \
            or "configuration has been locked" in text:
        return ("`ingest sql` is read-only and cannot touch files, extensions or settings "
                f"(use `python -m ingest export` for files): {text}")
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", nargs="?", help="SQL to run; read from stdin when omitted or '-'")
    parser.add_argument("--csv", action="store_true", help="print CSV (header + rows) instead of a table")
    parser.add_argument("--max-rows", type=int, default=200,
                        help="rows shown in table layout (default: %(default)s; CSV prints all)")
    parser.add_argument("--warehouse", type=Path,
                        help="warehouse file (default: $DATA_DIR/warehouse.duckdb)")


def run(args) -> int:
    import duckdb

    query = args.query if args.query not in (None, "-") else sys.stdin.read()
    if not query or not query.strip():
        raise UserError("no query given (pass it as an argument or on stdin)")
    warehouse = (args.warehouse or data_paths().warehouse_db).resolve()
    if not warehouse.is_file():
        raise UserError(f"no warehouse at {warehouse}: run `make refresh` first")
    try:
        con = connect_sandboxed(warehouse)
    except duckdb.Error as exc:
        raise UserError(f"cannot open the warehouse {warehouse}: {explain(exc)}") from None
    try:
        if args.csv:
            cur = con.execute(query)
            if cur.description is None:  # a statement with no result (e.g. SET)
                return 0
            w = csv.writer(sys.stdout, lineterminator="\n")
            w.writerow([d[0] for d in cur.description])
            while batch := cur.fetchmany(10_000):
                w.writerows(batch)
        else:
            rel = con.sql(query)
            if rel is not None:
                rel.show(max_rows=args.max_rows, max_width=10_000)
    except duckdb.Error as exc:
        raise UserError(explain(exc)) from None
    finally:
        con.close()
    return 0
