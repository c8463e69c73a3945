"""`python -m ingest compare 汉阴县 洪泽区 [--year 2023]`: counties side by side.

Each name is a county-level unit of the published warehouse: its name (汉阴县, or 汉阴 when that
prefix names one unit), its 6-digit code, or prefecture + name (长春市朝阳区) where a name alone is
ambiguous. For each unit the command takes the county government's report of the year asked
(default: the latest year every unit has a report for, else each unit's latest) and prints the
headline measures side by side, with ranks written "k of N" — N counts the units that report the
measure, so a rank never looks better than it is. Ranks are within the province and within the
whole warehouse for that year.

    python -m ingest compare 汉阴县 洪泽区
    python -m ingest compare 610921 320813 --year 2023 --csv
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from ingest.config import paths as data_paths
from ingest.errors import UserError
from ingest.sql import connect_sandboxed
from ingest.textgrid import number, render

# (column of mart_county_year, Chinese label, English label, format)
MEASURES: list[tuple[str, str, str, str]] = [
    ("applications_new", "本年新收申请", "New applications", "count"),
    ("carried_over", "上年结转", "Carried over", "count"),
    ("handled", "办理结果总计", "Handled", "count"),
    ("disclosure_rate", "公开率（予以公开＋部分公开）", "Disclosure rate", "percent"),
    ("denial_share", "不予公开占比", "Denied share", "percent"),
    ("not_held_share", "本机关不掌握占比", "Not held share", "percent"),
    ("review_cases", "行政复议案件", "Administrative reviews", "count"),
    ("litigation_cases", "行政诉讼案件", "Lawsuits", "count"),
    ("correction_rate", "复议诉讼纠错率", "Correction rate", "percent"),
    ("permit_decisions", "行政许可决定", "Permit decisions", "count"),
    ("penalty_decisions", "行政处罚决定", "Penalty decisions", "count"),
    ("coercive_measure_decisions", "行政强制决定", "Coercive measures", "count"),
    ("fee_amount_yuan", "行政事业性收费（元）", "Fees charged (yuan)", "money"),
    ("applications_new_yoy_change", "新收申请同比增减", "New applications, change on last year", "count"),
]
# Ranked descending (more is "rank 1"); the others are shown without a rank.
RANKED = {"applications_new", "handled", "disclosure_rate", "review_cases", "litigation_cases",
          "permit_decisions", "penalty_decisions", "fee_amount_yuan"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("units", nargs="+", metavar="COUNTY",
                        help="county-level unit: name (汉阴县), code (610921) or prefecture+name (长春市朝阳区)")
    parser.add_argument("--year", type=int, help="report year (default: the latest year all have)")
    parser.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    parser.add_argument("--warehouse", type=Path, help="warehouse file (default: $DATA_DIR/warehouse.duckdb)")


def connect(warehouse: Path | None):
    import duckdb

    db = (warehouse or data_paths().warehouse_db).resolve()
    if not db.is_file():
        raise UserError(f"no warehouse at {db}: run `make refresh` first")
    try:
        return connect_sandboxed(db)  # the same read-only sandbox as `ingest sql`
    except duckdb.Error as exc:
        raise UserError(f"cannot open the warehouse {db}: {' '.join(str(exc).split())}") from None


def resolve(con, name: str) -> tuple[str, str]:
    """A unit's (region_code, display name), or a UserError naming the candidates."""
    name = name.strip()
    rows = con.execute(
        """select region_code, region_name, prefecture_name, province_name
           from dim_region
           where region_code = $n or region_name = $n
              or coalesce(prefecture_name, '') || region_name = $n
              or coalesce(province_name, '') || coalesce(prefecture_name, '') || region_name = $n
           order by region_code""", {"n": name}).fetchall()
    if not rows:
        rows = con.execute(
            """select region_code, region_name, prefecture_name, province_name from dim_region
               where starts_with(region_name, $n) order by region_code""", {"n": name}).fetchall()
    if not rows:
        raise UserError(f"no county-level unit named {name!r} (try its full name or 6-digit code; "
                        "`python -m ingest sql \"select * from dim_region where region_name like '%…%'\"` lists them)")
    if len(rows) > 1:
        options = "; ".join(f"{c} {p or ''}{n}" for c, n, p, _ in rows[:8])
        raise UserError(f"{name!r} names {len(rows)} units: {options} — give the code or prefecture+name")
    code, region, prefecture, _ = rows[0]
    return code, region


def choose_year(con, codes: list[str], year: int | None) -> dict[str, int | None]:
    """The year shown for each unit: the one asked, else the latest all share, else each one's latest."""
    years = {c: [y for (y,) in con.execute(
        "select distinct year from mart_county_year where region_code = ? order by year", [c]).fetchall()]
        for c in codes}
    if year is not None:
        return {c: (year if year in ys else None) for c, ys in years.items()}
    shared = set.intersection(*(set(ys) for ys in years.values())) if years else set()
    if shared:
        y = max(shared)
        return {c: y for c in codes}
    return {c: (ys[-1] if ys else None) for c, ys in years.items()}


def _ranks(con, column: str, code: str, year: int) -> tuple[str, str]:
    """"k of N" in the province and in the warehouse; N = units with a value that year."""
    row = con.execute(
        f"""with y as (select region_code, province_code, {column} as v from mart_county_year
                       where year = ? and {column} is not null and not has_duplicate_reports),
               me as (select * from y where region_code = ?)
            select (select count(*) + 1 from y where y.province_code = me.province_code and y.v > me.v),
                   (select count(*) from y where y.province_code = me.province_code),
                   (select count(*) + 1 from y where y.v > me.v),
                   (select count(*) from y)
            from me""", [year, code]).fetchone()
    if row is None:
        return "", ""
    return f"{row[0]} of {row[1]}", f"{row[2]} of {row[3]}"


def compare(con, units: list[str], year: int | None) -> tuple[list[str], list[list[str]], list[str]]:
    resolved = [resolve(con, u) for u in units]
    codes = [c for c, _ in resolved]
    if len(set(codes)) < len(codes):
        raise UserError("the same unit is named twice")
    years = choose_year(con, codes, year)
    notes = []
    values: dict[str, dict] = {}
    for code, region in resolved:
        y = years[code]
        if y is None:
            have = [r for (r,) in con.execute(
                "select distinct year from mart_county_year where region_code = ? order by 1", [code]).fetchall()]
            notes.append(f"{region} ({code}): no county-government report for {year or 'any year'} "
                         f"in the warehouse" + (f" (years held: {', '.join(map(str, have))})" if have else ""))
            values[code] = {}
            continue
        cols = ", ".join(m[0] for m in MEASURES)
        row = con.execute(f"""select {cols}, issuer, source_url, prefecture_name, province_name
                              from mart_county_year where region_code = ? and year = ?
                              order by report_id limit 1""", [code, y]).fetchone()
        values[code] = dict(zip([m[0] for m in MEASURES] + ["issuer", "source_url", "prefecture", "province"], row))
        values[code]["year"] = y
    header = ["measure"] + [f"{region} {values[c].get('year') or ''}".strip() for c, region in resolved]
    rows = [["issuer"] + [values[c].get("issuer") or "—" for c in codes],
            ["province · prefecture"] + [" · ".join(x for x in (values[c].get("province"), values[c].get("prefecture")) if x) or "—"
                                          for c in codes]]
    for col, zh, en, fmt in MEASURES:
        cells = []
        for c in codes:
            v = values[c].get(col)
            text = number(v, percent=fmt == "percent", money=fmt == "money")
            if col in RANKED and v is not None:
                in_prov, overall = _ranks(con, col, c, values[c]["year"])
                if in_prov:
                    text += f"  (#{in_prov} in province, #{overall} overall)"
            cells.append(text)
        rows.append([f"{zh} {en}"] + cells)
    return header, rows, notes


SYNTHETIC_NOTE = ("SYNTHETIC DEMO DATA: these figures were made up by ingest/synthetic.py for "
                  "fictional places; they describe no real government")


def _synthetic(con) -> bool:
    try:
        return bool(con.execute("select coalesce(bool_or(is_synthetic), false) from dim_report").fetchone()[0])
    except Exception:  # a warehouse without the column: real data
        return False


def run(args) -> int:
    con = connect(args.warehouse)
    try:
        header, rows, notes = compare(con, args.units, args.year)
        synthetic = _synthetic(con)
    finally:
        con.close()
    if synthetic:
        print(SYNTHETIC_NOTE, file=sys.stderr)
    if args.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    else:
        print(render(header, rows))
        print("ranks: k of N among county governments with a value that year; "
              "— = not printed in the report or not computable")
    for n in notes:
        print(f"note: {n}", file=sys.stderr)
    return 0
