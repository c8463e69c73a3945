"""Where a warehouse table lives. dbt writes marts and dimensions to the default schema and the
layers analysts need not see to schemas of their own (`staging`, `intermediate`, `seeds`; see
dbt_project/macros/generate_schema_name.sql). The pipeline's own readers (validation,
corrections, benchmarks) find a table here rather than hard-coding its schema, so warehouses
built before the split, and small hand-made ones in tests, still read."""

from __future__ import annotations

SCHEMAS = ("main", "intermediate", "staging", "seeds")


def locate(con, table: str, catalog: str | None = None) -> str:
    """The qualified name of `table` (`"wh"."intermediate"."int_report_cells"`), first match in
    SCHEMAS order; raises LookupError when no schema holds it."""
    rows = con.execute(
        "SELECT schema_name FROM duckdb_tables() WHERE table_name = ?"
        + (" AND database_name = ?" if catalog else " AND database_name = current_database()"),
        [table, catalog] if catalog else [table]).fetchall()
    found = {r[0] for r in rows}
    for schema in SCHEMAS:
        if schema in found:
            return ".".join(f'"{p}"' for p in ((catalog,) if catalog else ()) + (schema, table))
    raise LookupError(f"no table {table} in {'the attached ' + catalog if catalog else 'the warehouse'}")


def has(con, table: str, catalog: str | None = None) -> bool:
    try:
        locate(con, table, catalog)
        return True
    except LookupError:
        return False
