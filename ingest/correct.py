"""`python -m ingest correct REPORT TABLE.ROW.COLUMN VALUE --reason … --by …`: add a reviewed
correction to the corrections file.

Corrections are a layer over the parsed values, applied in the warehouse (dbt model
int_cell_corrections → int_report_cells): the archive and the parse are never changed, every
fact row says whether its value was corrected, and the parsed value stays beside it. The file
is reviewed like code (dbt_project/corrections/corrections.csv; $INGEST_CORRECTIONS_FILE points
the build and this command at another file, e.g. to try a correction before committing it).

This command writes a well-formed row only: the report and the cell must exist in the published
warehouse, the report must not have been replaced by a newer version, and the row records the
printed text the warehouse holds for the cell, so the build fails when the report changes under
it. The build checks every row again (a hand-edited file gets the same checks).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from ingest import layers
from ingest.config import REPO_ROOT, paths as default_paths
from ingest.errors import UserError

DEFAULT_FILE = REPO_ROOT / "dbt_project" / "corrections" / "corrections.csv"
COLUMNS = ["correction_id", "report_id", "table_key", "row_key", "column_key", "corrected_value",
           "printed_value", "reason", "evidence_page", "evidence_text", "corrected_by", "corrected_at"]
MAX_FILE_BYTES = 20 * 1024 * 1024  # a reviewed file, not a data set


def corrections_file() -> Path:
    """The corrections file the build applies: $INGEST_CORRECTIONS_FILE, else the repository's."""
    env = os.environ.get("INGEST_CORRECTIONS_FILE")
    return Path(env).resolve() if env else DEFAULT_FILE


def corrections_for_build(paths) -> Path:
    """The file dbt reads: the corrections file, or (none written yet) an empty one under
    DATA_DIR/build, so a missing file means no corrections rather than a failed build."""
    path = corrections_file()
    if path.exists():
        return path
    empty = paths.build_dir / "corrections-none.csv"
    empty.parent.mkdir(parents=True, exist_ok=True)
    empty.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    return empty


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("report", help="report id (the document's sha256; a unique prefix of 8+ characters)")
    parser.add_argument("cell", help="the cell as TABLE.ROW.COLUMN, e.g. table3.new.natural_person")
    parser.add_argument("value", help="the corrected value (a number), or 'null' for not reported")
    parser.add_argument("--reason", required=True, help="why the printed value is wrong")
    parser.add_argument("--by", required=True, help="who reviewed the correction")
    parser.add_argument("--page", type=int, help="page of the original document that shows it")
    parser.add_argument("--evidence", help="the printed text that supports the correction")
    parser.add_argument("--at", help="date of the correction (YYYY-MM-DD; default today, UTC)")
    parser.add_argument("--id", dest="correction_id", help="correction id (default: report prefix and cell)")
    parser.add_argument("--replace", metavar="ID",
                        help="remove correction ID in the same write (e.g. the row of a report that was revised)")
    parser.add_argument("--file", help="corrections file (default: $INGEST_CORRECTIONS_FILE or the repository's)")
    parser.add_argument("--data-dir", help="state directory (default: $DATA_DIR or ./data)")


def run(args: argparse.Namespace) -> int:
    path = Path(args.file).resolve() if args.file else corrections_file()
    table, row, column = _cell(args.cell)
    value = _value(args.value)
    at = _date(args.at)
    if args.page is not None and args.page < 1:
        raise UserError(f"--page {args.page}: pages count from 1")
    reason, by = args.reason.strip(), args.by.strip()
    if not reason or not by:
        raise UserError("--reason and --by must not be empty")

    report_id, printed, parsed = _lookup(default_paths(args.data_dir).warehouse_db, args.report.strip().lower(),
                                         table, row, column)
    existing = _read(path)
    if args.replace and not any(r["correction_id"] == args.replace for r in existing):
        raise UserError(f"--replace {args.replace}: no such correction in {path}")
    kept = [r for r in existing if r["correction_id"] != args.replace]
    cid = args.correction_id or f"{report_id[:12]}.{table}.{row}.{column}"
    for r in kept:
        if r["correction_id"] == cid:
            raise UserError(f"correction {cid} already exists in {path} (use --replace {cid} to change it)")
        if (r["report_id"].strip().lower(), r["table_key"], r["row_key"], r["column_key"]) == (
                report_id, table, row, column):
            raise UserError(f"correction {r['correction_id']} already corrects this cell "
                            f"(use --replace {r['correction_id']} to change it)")
    if value is not None and parsed is not None and value == parsed:
        raise UserError(f"{table}.{row}.{column} of report {report_id[:12]} already reads {_plain(parsed)}: "
                        "nothing to correct")
    new = {"correction_id": cid, "report_id": report_id, "table_key": table, "row_key": row,
           "column_key": column, "corrected_value": "" if value is None else _plain(value),
           "printed_value": printed or "", "reason": reason,
           "evidence_page": "" if args.page is None else str(args.page),
           "evidence_text": (args.evidence or "").strip(), "corrected_by": by, "corrected_at": at}
    _write(path, [*kept, new])
    shown = "null" if value is None else _plain(value)
    print(f"correct: {cid}: {table}.{row}.{column} of report {report_id[:12]} printed "
          f"{printed!r} → {shown} (written to {path}; applied at the next `python -m ingest build`)")
    return 0


def _cell(text: str) -> tuple[str, str, str]:
    parts = text.strip().split(".")
    if len(parts) != 3 or not all(re.fullmatch(r"[a-z0-9_]+", p) for p in parts):
        raise UserError(f"cell '{text}': give TABLE.ROW.COLUMN, e.g. table3.new.natural_person")
    return parts[0], parts[1], parts[2]


def _value(text: str) -> Decimal | None:
    t = text.strip().replace(",", "")
    if t.lower() in ("null", "none", ""):
        return None
    try:
        v = Decimal(t)
    except InvalidOperation:
        raise UserError(f"value '{text}' is not a number (or 'null' for not reported)") from None
    if not v.is_finite() or abs(v) >= Decimal(10) ** 18:
        raise UserError(f"value '{text}' is not a finite number the warehouse can hold")
    return v


def _plain(v: Decimal) -> str:
    s = format(v.normalize(), "f")
    return s


def _date(text: str | None) -> str:
    if not text:
        return dt.datetime.now(dt.UTC).date().isoformat()
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise UserError(f"--at '{text}' is not a date (YYYY-MM-DD)") from None


def _lookup(db: Path, report: str, table: str, row: str, column: str) -> tuple[str, str | None, Decimal | None]:
    """(full report id, the printed text the warehouse holds for the cell, its parsed value)."""
    if not re.fullmatch(r"[0-9a-f]{8,64}", report):
        raise UserError(f"report '{report}': give the report id (hex sha256, or a unique prefix of 8+ characters)")
    if not db.is_file():
        raise UserError(f"no published warehouse at {db}: build it first (`python -m ingest build`)")
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise UserError(f"{db} cannot be opened: {str(exc).splitlines()[0]}") from None
    try:
        ids = [r[0] for r in con.execute(
            "SELECT report_id FROM dim_report WHERE starts_with(report_id, ?) ORDER BY 1 LIMIT 3",
            [report]).fetchall()]
        if not ids:
            raise UserError(f"report {report} is not in the warehouse {db}")
        if len(ids) > 1:
            raise UserError(f"report prefix {report} is ambiguous ({', '.join(i[:16] for i in ids)}, …)")
        report_id = ids[0]
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "mart_report_revisions" in tables:
            newer = con.execute("SELECT new_report_id, new_first_seen FROM mart_report_revisions "
                                "WHERE old_report_id = ? ORDER BY new_first_seen DESC LIMIT 1",
                                [report_id]).fetchall()
            if newer:
                raise UserError(f"report {report_id[:12]} was revised: its source published version "
                                f"{newer[0][0][:12]} (first seen {newer[0][1]:%Y-%m-%d}); correct that one")
        cells = layers.locate(con, "int_report_cells")  # schema `intermediate` (older files: main)
        printed = "parsed_value" if "parsed_value" in _columns(con, "int_report_cells") else "value"
        cell = con.execute(
            f"SELECT raw_text, {printed} FROM {cells} WHERE report_id = ? AND table_key = ? "
            "AND row_key = ? AND column_key = ?", [report_id, table, row, column]).fetchall()
    finally:
        con.close()
    if not cell:
        raise UserError(f"report {report_id[:12]} has no cell {table}.{row}.{column} "
                        "(see int_report_cells for its cells)")
    raw, parsed = cell[0]
    return report_id, raw, parsed


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]).fetchall()}


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UserError(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MB: not a corrections file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        return []
    if list(reader.fieldnames) != COLUMNS:
        raise UserError(f"{path}: the header is not {','.join(COLUMNS)}")
    rows = []
    for n, r in enumerate(reader, start=2):
        if None in r or any(v is None for v in r.values()):
            raise UserError(f"{path} line {n}: expected {len(COLUMNS)} fields")
        rows.append(r)
    return rows


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    """Rewrite the file whole (sorted by id, so reviews see small diffs), by rename."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in sorted(rows, key=lambda r: r["correction_id"]):
        w.writerow(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    os.replace(tmp, path)
