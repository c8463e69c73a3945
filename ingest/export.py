"""`python -m ingest export` (`make export`): every mart as Parquet and as Excel-ready CSV.

CSV files are UTF-8 with a byte-order mark: without it Excel on a Chinese-locale Windows opens
UTF-8 as GBK and shows mojibake. Next to the data go `columns.csv` / `columns.md`, the data
dictionary with a Chinese and an English label for every column, and `manifest.json` (row
counts, when and from which warehouse). Files are written aside and renamed into place, so an
analyst never opens a half-written export.

Column labels come, in order of preference, from the dbt model YAML (`meta: {label_zh,
label_en}` and `description`), from the template description (ingest/templates.yaml: every row,
column and group key has zh/en labels), then from ingest/export_labels.yaml for the
warehouse's own columns.
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import yaml

from ingest import templates
from ingest.config import REPO_ROOT, paths as data_paths
from ingest.errors import UserError

BOM = "\ufeff"
MART_PREFIXES = ("fct_", "dim_", "mart_")
EXTRA_TABLES = ("validation_findings", "validation_resolved_findings")  # not a dbt model, but what analysts ask for next
DBT_MODELS = REPO_ROOT / "dbt_project" / "models"

LABELS_FILE = Path(__file__).with_name("export_labels.yaml")


@functools.cache
def glossary() -> dict[str, tuple[str, str]]:
    """column name → (zh, en) for the warehouse's own columns (ingest/export_labels.yaml)."""
    data = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8")) or {}
    out = {}
    for k, v in (data.get("columns") or {}).items():
        # An unquoted "A: b" inside [..] is a YAML mapping, not a label: refuse it here rather
        # than print {'A': 'b'} into columns.csv.
        if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)):
            raise ValueError(f"{LABELS_FILE.name}: {k} must be [中文, English] (two strings; "
                             f"quote a label that contains ': '), got {v!r}")
        out[k] = (v[0], v[1])
    return out


@dataclass
class ColumnDoc:
    table: str
    column: str
    type: str
    label_zh: str = ""
    label_en: str = ""
    description: str = ""


@dataclass
class ExportResult:
    out: Path
    tables: dict[str, int] = field(default_factory=dict)  # table → rows
    columns: list[ColumnDoc] = field(default_factory=list)


# ---- labels ------------------------------------------------------------------------------

def template_labels() -> dict[str, tuple[str, str]]:
    """Every key templates.yaml labels (rows, columns, groups), key → (zh, en)."""
    t = templates.load()
    labels: dict[str, tuple[str, str]] = {}

    def add(key, zh, en):
        labels.setdefault(key, (zh, en))

    for tid in t.template_ids:
        for row in t.table2_rows(tid):
            add(row.key, row.zh, row.en)
        for key, col in t.table2_columns(tid).items():
            add(key, col.zh, col.en)
    for col in t.table3_columns:
        add(col.key, col.zh, col.en)
    for row in t.table3_rows:
        add(row.key, row.zh, row.en)
    for g in t.outcome_groups:
        add(g["key"], g["zh"], g["en"])
    for g in t.table4_groups:
        add(g["key"], g["zh"], g["en"])
    for col in t.table4_columns:
        add(col.key, col.zh, col.en)
    return labels


def dbt_models(models_dir: Path = DBT_MODELS) -> list[dict]:
    """Every model entry of the dbt YAML files (name, description, columns …)."""
    models: list[dict] = []
    if not models_dir.exists():
        return models
    for f in sorted(models_dir.rglob("*.yml")) + sorted(models_dir.rglob("*.yaml")):
        try:
            data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        models.extend(m for m in data.get("models", []) or [] if isinstance(m, dict))
    return models


def dbt_model_descriptions(models_dir: Path = DBT_MODELS) -> dict[str, str]:
    """model → its description, whitespace folded."""
    return {m.get("name"): " ".join(str(m.get("description") or "").split()) for m in dbt_models(models_dir)}


def dbt_column_docs(models_dir: Path = DBT_MODELS) -> dict[tuple[str, str], dict]:
    """(model, column) → {description, label_zh, label_en} from the dbt YAML files."""
    docs: dict[tuple[str, str], dict] = {}
    for model in dbt_models(models_dir):
        for col in model.get("columns", []) or []:
            meta = {**(col.get("meta") or {}), **((col.get("config") or {}).get("meta") or {})}
            docs[(model.get("name"), col.get("name"))] = {
                "description": " ".join(str(col.get("description") or "").split()),
                "label_zh": meta.get("label_zh") or meta.get("zh") or "",
                "label_en": meta.get("label_en") or meta.get("en") or "",
            }
    return docs


def label_column(table: str, column: str, dbt_docs: dict, tpl: dict) -> tuple[str, str, str]:
    doc = dbt_docs.get((table, column), {})
    zh, en = doc.get("label_zh", ""), doc.get("label_en", "")
    guess = tpl.get(column) or glossary().get(column) or _compound(column, tpl)
    if guess:
        zh, en = zh or guess[0], en or guess[1]
    return zh, en or column.replace("_", " ").capitalize(), doc.get("description", "")


def _compound(column: str, tpl: dict) -> tuple[str, str] | None:
    """`permits_decisions` → 行政许可 本年处理决定数量: a row key and a column key joined by _."""
    parts = column.split("_")
    for i in range(1, len(parts)):
        head, tail = "_".join(parts[:i]), "_".join(parts[i:])
        if head in tpl and tail in tpl:
            return f"{tpl[head][0]}·{tpl[tail][0]}", f"{tpl[head][1]}: {tpl[tail][1]}"
    return None


# ---- export ------------------------------------------------------------------------------

def mart_tables(con) -> list[str]:
    names = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main' order by 1").fetchall()]
    return [n for n in names if n.startswith(MART_PREFIXES) or n in EXTRA_TABLES]


def export_marts(warehouse: Path, out: Path, *, only: list[str] | None = None,
                 formats: tuple[str, ...] = ("parquet", "csv")) -> ExportResult:
    import duckdb

    if not warehouse.is_file():
        raise UserError(f"no warehouse at {warehouse}: run `make refresh` first")
    out.mkdir(parents=True, exist_ok=True)
    staging = out / f".export-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    result = ExportResult(out)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = mart_tables(con)
        if only:
            unknown = sorted(set(only) - set(tables))
            if unknown:
                raise UserError(f"not a mart in {warehouse.name}: {', '.join(unknown)} "
                                f"(marts: {', '.join(tables)})")
            tables = [t for t in tables if t in only]
        if not tables:
            raise UserError(f"{warehouse} holds no mart tables (fct_*, dim_*, mart_*)")
        dbt_docs, tpl = dbt_column_docs(), template_labels()
        for table in tables:
            q = f'select * from "{table}"'
            if "parquet" in formats:
                con.execute(f"copy ({q}) to '{_sql_path(staging / f'{table}.parquet')}' "
                            "(format parquet, compression zstd)")
            if "csv" in formats:
                plain = staging / f"{table}.plain.csv"
                con.execute(f"copy ({q}) to '{_sql_path(plain)}' (format csv, header true)")
                _add_bom(plain, staging / f"{table}.csv")
            result.tables[table] = con.execute(f'select count(*) from "{table}"').fetchone()[0]
            for name, ctype in con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'main' and table_name = ? order by ordinal_position", [table]
            ).fetchall():
                zh, en, desc = label_column(table, name, dbt_docs, tpl)
                result.columns.append(ColumnDoc(table, name, ctype, zh, en, desc))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        con.close()

    _write_dictionary(staging, result)
    manifest = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "warehouse": str(warehouse),
        "warehouse_modified": modified_at(warehouse),
        "formats": list(formats),
        "tables": result.tables,
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    for f in staging.iterdir():
        os.replace(f, out / f.name)
    staging.rmdir()
    return result


def modified_at(warehouse: Path) -> str:
    """When the warehouse file was published (its mtime), as recorded in manifest.json."""
    return datetime.fromtimestamp(warehouse.stat().st_mtime, timezone.utc).isoformat(timespec="microseconds")


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def _add_bom(src: Path, dst: Path) -> None:
    with src.open("rb") as fin, dst.open("wb") as fout:
        fout.write(BOM.encode("utf-8"))
        shutil.copyfileobj(fin, fout, 1 << 20)
    src.unlink()


def _write_dictionary(directory: Path, result: ExportResult) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["table", "column", "type", "label_zh", "label_en", "description"])
    for c in result.columns:
        w.writerow([c.table, c.column, c.type, c.label_zh, c.label_en, c.description])
    (directory / "columns.csv").write_text(BOM + buf.getvalue(), encoding="utf-8")

    lines = ["# Data dictionary of the exported marts", "",
             "Every file comes twice: `<table>.parquet` and `<table>.csv` (UTF-8 with BOM, opens in Excel).",
             ""]
    for table, rows in result.tables.items():
        lines += [f"## {table} ({rows} rows)", "", "| column | type | 中文 | English | description |",
                  "| --- | --- | --- | --- | --- |"]
        for c in (c for c in result.columns if c.table == table):
            desc = c.description.replace("|", "\\|")
            lines.append(f"| `{c.column}` | {c.type} | {c.label_zh} | {c.label_en} | {desc} |")
        lines.append("")
    (directory / "columns.md").write_text("\n".join(lines), encoding="utf-8")


# ---- command line ------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="output directory (default: $DATA_DIR/exports)")
    parser.add_argument("--warehouse", type=Path,
                        help="warehouse to export (default: $DATA_DIR/warehouse.duckdb)")
    parser.add_argument("--table", action="append", metavar="NAME",
                        help="export only this mart (repeatable)")
    parser.add_argument("--format", choices=["parquet", "csv", "both"], default="both",
                        help="file formats (default: both)")


def run(args) -> int:
    p = data_paths()
    warehouse = (args.warehouse or p.warehouse_db).resolve()
    out = (args.out or p.exports_dir).resolve()
    formats = ("parquet", "csv") if args.format == "both" else (args.format,)
    result = export_marts(warehouse, out, only=args.table, formats=formats)
    unlabelled = [f"{c.table}.{c.column}" for c in result.columns if not c.label_zh]
    for table, rows in result.tables.items():
        print(f"{table}\t{rows} rows")
    print(f"exported {len(result.tables)} table(s) to {out} ({' + '.join(formats)}; "
          f"data dictionary: columns.csv, columns.md)")
    if unlabelled:
        print(f"note: {len(unlabelled)} column(s) have no Chinese label yet: {', '.join(unlabelled[:8])}"
              + (" …" if len(unlabelled) > 8 else ""))
    return 0
