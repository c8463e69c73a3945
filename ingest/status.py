"""`python -m ingest status`: what the warehouse holds, in one screen.

    python -m ingest status            # the published warehouse of $DATA_DIR
    python -m ingest status --json     # the same as one JSON object, for scripts and monitoring

Reports by year and issuer type, county-level units with a known portal (the registry: reviewed,
confirmed or not, and discovered) beside those with reports, out of all units of the region
dataset, the last refresh and its outcome (from its summary file), and the findings by severity
and rule. Works on a data directory that has never been refreshed (it says so) and never writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest.config import paths as data_paths
from ingest.sql import connect_sandboxed
from ingest.textgrid import number, render


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--warehouse", type=Path, help="warehouse file (default: $DATA_DIR/warehouse.duckdb)")


def _last_refresh(logs: Path) -> dict | None:
    summaries = sorted(logs.glob("refresh-*.summary.json")) if logs.is_dir() else []
    for f in reversed(summaries):  # run ids start with a UTC timestamp: name order is time order
        try:
            s = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a damaged or half-written summary: look at the one before
        return {k: s.get(k) for k in ("run_id", "started_at", "outcome", "exit_code", "seconds",
                                      "offline", "new_reports", "reports_in_warehouse", "log")}
    return None


def _tables(con) -> set[str]:
    return {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}


def _portals() -> dict | None:
    """County-level units by what the registry knows of their portal (no network, no warehouse)."""
    from ingest.crawl import registry as reg
    from ingest.data.regions import county_level_units
    from ingest.errors import UserError

    try:
        r = reg.load()
    except UserError as exc:
        return {"error": str(exc)}
    units = {u.code for u in county_level_units()}
    sources = [s for s in r.sources if s.code in units]
    codes = lambda pred: {s.code for s in sources if pred(s)}  # noqa: E731
    confirmed = codes(lambda s: s.origin == "reviewed" and s.confirmed)
    reviewed = codes(lambda s: s.origin == "reviewed") - confirmed
    discovered = codes(lambda s: s.origin == "discovered") - confirmed - reviewed
    return {"units": len(units), "confirmed": len(confirmed), "unconfirmed": len(reviewed),
            "discovered": len(discovered), "known": len(confirmed | reviewed | discovered),
            "unknown": len(units - confirmed - reviewed - discovered), "registry": str(r.path)}


def collect(warehouse: Path, logs: Path) -> dict:
    out: dict = {"warehouse": str(warehouse), "last_refresh": _last_refresh(logs), "portals": _portals()}
    if not warehouse.is_file():
        out["published"] = False
        return out
    out["published"] = True
    out["warehouse_bytes"] = warehouse.stat().st_size
    con = connect_sandboxed(warehouse)  # the same read-only sandbox as `ingest sql`
    try:
        tables = _tables(con)
        level = "issuer_level"
        if "dim_report" in tables:
            cols = {c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_name = 'dim_report'").fetchall()}
            level = "issuer_type" if "issuer_type" in cols else "issuer_level"
            out["reports_by_year"] = [
                {"year": y, "issuer_type": t, "reports": n}
                for y, t, n in con.execute(
                    f"""select year, coalesce({level}, 'unknown'), count(*) from dim_report
                        group by all order by 1 nulls last, 2""").fetchall()]
            out["reports"] = con.execute("select count(*) from dim_report").fetchone()[0]
            out["synthetic_reports"] = con.execute(
                "select count(*) from dim_report where is_synthetic").fetchone()[0]
            out["reports_without_county"] = con.execute(
                "select count(*) from dim_report where region_code is null").fetchone()[0]
        if "dim_region" in tables and "mart_county_year" in tables:
            units, covered = con.execute(
                """select (select count(*) from dim_region),
                          (select count(distinct region_code) from mart_county_year)""").fetchone()
            out["county_units"] = units
            out["county_units_covered"] = covered
            out["covered_by_year"] = [
                {"year": y, "units": n} for y, n in con.execute(
                    "select year, count(distinct region_code) from mart_county_year group by 1 order by 1").fetchall()]
        if "mart_coverage_county_year" in tables:
            out["coverage"] = [
                {"year": y, "status": st, "units": n} for y, st, n in con.execute(
                    "select year, status, count(*) from mart_coverage_county_year group by 1, 2 order by 1, 2").fetchall()]
        if "validation_findings" in tables:
            out["findings"] = [
                {"severity": s, "rule_id": r, "findings": n, "reports": k}
                for s, r, n, k in con.execute(
                    """select severity, rule_id, count(*), count(distinct report_id)
                       from validation_findings group by 1, 2 order by 1, 3 desc, 2""").fetchall()]
    finally:
        con.close()
    return out


def show(s: dict) -> str:
    lines = []
    lr = s.get("last_refresh")
    if lr:
        lines.append(f"last refresh   {lr['run_id']}: {lr['outcome']} (exit {lr['exit_code']}), "
                     f"started {lr['started_at']}, {float(lr.get('seconds') or 0):.0f} s"
                     + (", offline" if lr.get("offline") else ""))
    else:
        lines.append("last refresh   none recorded in this data directory")
    lines += _show_portals(s)
    if not s["published"]:
        lines.append(f"warehouse      none at {s['warehouse']}: run `make refresh` (or `python -m ingest refresh`)")
        return "\n".join(lines)
    lines.append(f"warehouse      {s['warehouse']} ({s['warehouse_bytes'] / 1e6:.1f} MB)")
    if "reports" in s:
        extra = []
        if s.get("synthetic_reports"):
            extra.append(f"{s['synthetic_reports']} SYNTHETIC demo reports on fictional places")
        if s.get("reports_without_county"):
            extra.append(f"{s['reports_without_county']} with no county assigned")
        lines.append(f"reports        {number(s['reports'])}" + (f" ({', '.join(extra)})" if extra else ""))
        types = sorted({r["issuer_type"] for r in s["reports_by_year"]})
        years = sorted({r["year"] for r in s["reports_by_year"]}, key=lambda y: (y is None, y))
        grid = {(r["year"], r["issuer_type"]): r["reports"] for r in s["reports_by_year"]}
        rows = [[str(y) if y is not None else "year unknown"]
                + [number(grid.get((y, t), 0)) for t in types]
                + [number(sum(grid.get((y, t), 0) for t in types))] for y in years]
        lines.append("")
        lines.append(render(["year"] + types + ["total"], rows, right=set(range(1, len(types) + 2))))
    if "county_units" in s:
        units, covered = s["county_units"], s["county_units_covered"]
        lines.append("")
        lines.append(f"county-level units with a county-government report: {number(covered)} of "
                     f"{number(units)} ({covered / units:.1%})" if units else "no region dataset")
        if s["covered_by_year"]:
            lines.append("  by year: " + ", ".join(f"{r['year']} {number(r['units'])} of {number(units)}"
                                                  for r in s["covered_by_year"]))
    if s.get("coverage"):
        statuses = sorted({c["status"] for c in s["coverage"]}, key=lambda x: (x != "in_warehouse", x))
        years = sorted({c["year"] for c in s["coverage"]})
        grid = {(c["year"], c["status"]): c["units"] for c in s["coverage"]}
        lines.append("")
        lines.append("coverage of every county-level unit × year (mart_coverage_county_year: status and reason per unit)")
        lines.append(render(["year"] + statuses,
                            [[str(y)] + [number(grid.get((y, st), 0)) for st in statuses] for y in years],
                            right=set(range(1, len(statuses) + 1))))
    if "findings" in s:
        lines.append("")
        if not s["findings"]:
            lines.append("findings       none")
        else:
            lines.append("findings (table validation_findings)")
            lines.append(render(["severity", "rule", "findings", "reports"],
                                [[f["severity"], f["rule_id"], number(f["findings"]), number(f["reports"])]
                                 for f in s["findings"]], right={2, 3}))
    return "\n".join(lines)


def _show_portals(s: dict) -> list[str]:
    p = s.get("portals")
    if not p:
        return []
    if "error" in p:
        return [f"registry       cannot be read: {p['error']}"]
    units = p["units"]
    covered = s.get("county_units_covered", 0) if s.get("published") else 0
    return [f"portals        {number(p['known'])} of {number(units)} county-level units have a known portal "
            f"({number(p['confirmed'])} confirmed live, {number(p['unconfirmed'])} reviewed not yet confirmed, "
            f"{number(p['discovered'])} discovered with strong evidence); {number(p['unknown'])} unknown "
            f"(docs/registry.md: `registry discover PROVINCE_PORTAL --recursive`)",
            f"               beside them: {number(covered)} of {number(units)} units with a county-government report "
            "in the warehouse"]


def run(args) -> int:
    p = data_paths()
    warehouse = (args.warehouse or p.warehouse_db).resolve()
    s = collect(warehouse, p.logs_dir)
    if args.json:
        json.dump(s, sys.stdout, ensure_ascii=False, indent=2, default=str)
        print()
    else:
        print(show(s))
    return 0
