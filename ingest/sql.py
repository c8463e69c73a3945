"""`python -m ingest sql "select …"`: query the published warehouse read-only from a shell.

For analysts without a DuckDB client: the query runs on a read-only connection (so it never
blocks a refresh), prints DuckDB's table layout (the format of the README examples) or CSV, and
a bad query is one line on stderr.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from ingest.config import paths as data_paths
from ingest.errors import UserError


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
    con = duckdb.connect(str(warehouse), read_only=True)
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
        raise UserError(" ".join(str(exc).split())) from None
    finally:
        con.close()
    return 0
