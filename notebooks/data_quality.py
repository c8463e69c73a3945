# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Data quality: what the reports' own rules say about them
#
# Every report is checked against the balancing rules its template prints (一+二 = 七+四 per
# column, the 总计 column and row, table 4's totals, carry-over across years) and for
# completeness and plausible values. A break is a **finding about the publisher**: the report
# stays in every mart exactly as printed, and is listed here. Pipeline findings (our own bugs)
# stop a build before it is published, so they should never appear in a published warehouse.
#
# Source: `validation_findings`, `validation_results`, `validation_rules` and `validation_runs`
# (written by `python -m ingest validate`), with `dim_report` and `dim_region`; the warehouse is
# opened **read-only**. The Great Expectations Data Docs of the same run are linked below.

# %% tags=["parameters"]
WAREHOUSE = None  # path of warehouse.duckdb; None → $WAREHOUSE_DB, else $DATA_DIR/warehouse.duckdb
AREA = None  # None for everything, or a prefecture / province / county: code prefix or name
YEARS = None  # None for every year, or 2023, "2020-2023", [2021, 2023]

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import notebook_support as nbs

con = nbs.connect(WAREHOUSE)
nbs.setup_charts()
years = nbs.normalise_years(YEARS)
nbs.about(con, WAREHOUSE)

validated = nbs.has_table(con, "validation_findings")
if not validated:
    nbs.note("This warehouse has not been validated (no `validation_findings` table): run "
             "`python -m ingest validate`, or `make refresh` which validates before publishing.")

# The reports in scope: an area is matched on the region code prefix or on a region name.
area_sql, area_params = "", []
if AREA is not None:
    spec = str(AREA).strip()
    if spec.isdigit():
        prefix = spec.rstrip("0") if len(spec) == 6 and spec.endswith("00") else spec
        area_sql, area_params = " and r.region_code like ?", [prefix + "%"]
    else:
        area_sql = (" and r.region_code in (select region_code from dim_region where region_name = ?"
                    " or prefecture_name = ? or province_name = ? or province_name like ?)")
        area_params = [spec, spec, spec, spec + "%"]
reports = nbs.query(con, f"""
    select r.report_id, r.issuer, r.issuer_level, r.region_code, g.region_name, g.prefecture_name,
           g.province_name, r.year, r.template, r.table3_shape, r.cells_expected, r.cells_printed,
           r.cells_with_value, r.cells_blank, r.warning_count
    from dim_report as r left join dim_region as g using (region_code)
    where true {area_sql} {nbs.year_clause(years, 'r.year')}
    order by r.region_code, r.year, r.issuer
""", area_params)
reports["unit"] = [nbs.label(n, c) if isinstance(c, str) else i
                   for n, c, i in zip(reports.region_name, reports.region_code, reports.issuer)]
scope = "every report" if AREA is None and years is None else f"area {AREA or 'all'}, years {years or 'all'}"
nbs.heading(f"**{len(reports)} report(s)** in scope ({scope}), from {reports.region_code.nunique()} "
            f"county-level unit(s).")
if reports.empty:
    nbs.note("No report matches these parameters.")

# %% [markdown]
# ## The validation run

# %%
if validated and nbs.has_table(con, "validation_runs"):
    runs = nbs.query(con, "select * from validation_runs order by started_at desc")
    last = runs.head(1).drop(columns=[c for c in ("data_docs", "warehouse", "db") if c in runs])
    nbs.table(last.T.rename(columns={0: "last run"}), rows_are_measures=True)
    if not runs.empty and "data_docs" in runs and runs.data_docs.iloc[0]:
        # Relative to the rendered page (DATA_DIR/reports/notebooks/): no machine path in the report.
        nbs.heading("Great Expectations Data Docs of this run: [../data_docs/index.html](../data_docs/index.html)")

# %%
ids = reports.report_id.tolist()
findings = nbs.query(con, """
    select f.*, g.region_name
    from validation_findings as f left join dim_region as g using (region_code)
    where f.report_id in (select unnest(?::varchar[]))
    order by f.severity, f.region_code, f.year, f.rule_id
""", [ids]) if validated else pd.DataFrame()
rules = nbs.query(con, "select * from validation_rules order by severity desc, rule_id") \
    if validated and nbs.has_table(con, "validation_rules") else pd.DataFrame()
results = nbs.query(con, """
    select * from validation_results where report_id in (select unnest(?::varchar[]))
""", [ids]) if validated and nbs.has_table(con, "validation_results") else pd.DataFrame()

if validated:
    publisher = int((findings.severity == "publisher").sum()) if not findings.empty else 0
    pipeline = int((findings.severity == "pipeline").sum()) if not findings.empty else 0
    nbs.heading(f"**{publisher} finding(s) about publishers**, {pipeline} pipeline finding(s), in "
                f"{findings.report_id.nunique() if not findings.empty else 0} of {len(reports)} report(s).")
    if publisher == 0 and not reports.empty:
        nbs.note("Every report in scope satisfies every rule: no finding about publishers. The "
                 "charts below still show what was checked.")

# %% [markdown]
# ## Findings by rule
# How many reports each rule was checked on, and how many broke it.

# %%
if validated and not results.empty:
    per_rule = results.groupby(["rule_id", "severity"], as_index=False).agg(
        checked=("status", lambda s: int((s != "not_evaluable").sum())),
        failed=("failed", lambda s: int((s > 0).sum())))
    if not rules.empty:
        per_rule = rules[["rule_id", "severity", "description_en"]].merge(
            per_rule, on=["rule_id", "severity"], how="left").fillna({"checked": 0, "failed": 0})
    per_rule = per_rule.sort_values(["severity", "rule_id"], ascending=[False, False])
    fig, ax = plt.subplots(figsize=(8.5, 0.32 * len(per_rule) + 1.4))
    y = np.arange(len(per_rule))
    ax.barh(y, per_rule.checked - per_rule.failed, color=nbs.PALETTE[6], label="passed")
    ax.barh(y, per_rule.failed, left=per_rule.checked - per_rule.failed, color=nbs.PALETTE[2], label="failed")
    ax.set_yticks(y, [f"{r} ({s})" for r, s in zip(per_rule.rule_id, per_rule.severity)], fontsize=8)
    for yi, (c, f) in enumerate(zip(per_rule.checked, per_rule.failed)):
        ax.text(c, yi, f"  {int(f)} / {int(c)}", va="center", fontsize=8)
    ax.set_xlabel("reports checked")
    nbs.whole_numbers(ax, "x")
    ax.set_xlim(0, max(1, per_rule.checked.max()) * 1.25)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    nbs.finish(fig, "reports failing each rule (failed / checked)")
    if not rules.empty:
        nbs.table(rules.set_index("rule_id"))
elif validated:
    nbs.note("No per-rule results recorded (table `validation_results` is empty).")

# %% [markdown]
# ## Findings by county and year
# Number of findings about publishers for each county-level unit and year (0 = every rule held).

# %%
if validated and not reports.empty:
    pub = findings[findings.severity == "publisher"] if not findings.empty else findings
    counts = (pub.groupby("report_id").size() if not pub.empty else pd.Series(dtype=int))
    grid = reports.assign(findings=reports.report_id.map(counts).fillna(0).astype(int))
    matrix = grid.pivot_table(index="unit", columns="year", values="findings", aggfunc="sum")
    matrix = matrix.sort_index()
    fig, ax = plt.subplots(figsize=(1.0 * len(matrix.columns) + 3, 0.35 * len(matrix) + 1.6))
    shown = matrix.astype(float).to_numpy()
    im = ax.imshow(np.nan_to_num(shown, nan=-1), cmap="OrRd", vmin=0, vmax=max(1, np.nanmax(shown)),
                   aspect="auto")
    ax.set_xticks(range(len(matrix.columns)), [str(int(c)) for c in matrix.columns])
    ax.set_yticks(range(len(matrix.index)), matrix.index, fontsize=8)
    for (i, j), v in np.ndenumerate(shown):
        ax.text(j, i, "–" if np.isnan(v) else f"{int(v)}", ha="center", va="center", fontsize=8,
                color="black" if np.isnan(v) or v < max(1, np.nanmax(shown)) * 0.6 else "white")
    ax.grid(False)
    fig.colorbar(im, ax=ax, shrink=0.8, label="findings")
    nbs.finish(fig, "findings about publishers by county and year (– = no report)")

# %% [markdown]
# ## Completeness
# Share of the template's cells each report printed (a cell printed blank counts as printed:
# blank is "not reported", which is different from a table the layout lacks).

# %%
if not reports.empty:
    comp = reports.assign(share=100 * reports.cells_printed / reports.cells_expected.replace(0, np.nan))
    fig, ax = plt.subplots()
    bins = [0, 50, 80, 90, 95, 99.999, 100.001]
    names = ["<50%", "50–80%", "80–90%", "90–95%", "95–<100%", "100%"]
    buckets = pd.cut(comp.share, bins=bins, labels=names, include_lowest=True).value_counts().reindex(names)
    bars = ax.bar(names, buckets.fillna(0), color=nbs.PALETTE[0], width=0.6)
    ax.bar_label(bars, fontsize=8, padding=2)
    ax.set_xlabel("share of the template's cells printed")
    ax.set_ylabel("reports")
    nbs.whole_numbers(ax)
    nbs.finish(fig, "completeness of the reports")
    partial = comp[comp.share < 100].sort_values("share")
    if partial.empty:
        nbs.heading("Every report in scope prints every cell of its template.")
    else:
        nbs.table(partial[["issuer", "region_code", "year", "template", "cells_expected", "cells_printed",
                         "share"]].head(50))
    blanks = int(reports.cells_blank.sum())
    nbs.heading(f"{blanks} cell(s) printed blank or with a null mark (/, —, 无) across these reports.")

# %% [markdown]
# ## The findings themselves
# Expected is what the rule computes from the other printed cells, actual what was printed,
# difference = actual − expected. Open the report at its source URL (`dim_report`) to check.

# %%
if validated and not findings.empty:
    nbs.table(findings[["severity", "issuer", "region_code", "year", "rule_id", "table_key", "row_key",
                      "column_key", "expected", "actual", "difference", "message"]].head(200))
    if len(findings) > 200:
        nbs.note(f"Showing 200 of {len(findings)}; query `validation_findings` for the rest.")
elif validated:
    nbs.heading("No finding to list.")

# %% [markdown]
# ## Coverage: which reports are missing, and why
# Every county-level unit × year from 2019 to the last complete year (`mart_coverage_county_year`):
# the county government's report is in the warehouse, or the reason it is not — no known portal
# (the registry says `portal: unknown`), a portal known but not yet crawled, the source unreachable
# (last error and date), its report column not found, the column reached but listing no report
# for the year, fetched but not a report, a parse failure, a table the parser could not read, or
# not yet due (31 March of the next year).

# %%
COVERAGE_ORDER = ["in_warehouse", "tables_unread", "not_yet_due", "no_report_for_year", "not_a_report",
                  "parse_failure", "not_loaded", "column_not_found", "source_unreachable", "not_crawled",
                  "no_known_portal"]
COVERAGE_COLOURS = dict(zip(COVERAGE_ORDER, [nbs.PALETTE[6], nbs.PALETTE[7], "#c8c8c8", nbs.PALETTE[1],
                                             nbs.PALETTE[3], nbs.PALETTE[2], nbs.PALETTE[4], nbs.PALETTE[5],
                                             "#b0b0b0", "#d8d8d8", "#e8e8e8"]))
assert len(COVERAGE_COLOURS) == len(COVERAGE_ORDER)
if nbs.has_table(con, "mart_coverage_county_year"):
    cov_area = area_sql.replace("r.region_code", "c.region_code")
    coverage = nbs.query(con, f"""
        select c.* from mart_coverage_county_year as c
        where true {cov_area} {nbs.year_clause(years, 'c.year')}
    """, area_params)
    by = "prefecture_name" if AREA is not None or coverage.province_name.nunique() <= 1 else "province_name"
    counts = coverage.pivot_table(index=by, columns="status", values="region_code", aggfunc="count",
                                  fill_value=0).reindex(columns=[c for c in COVERAGE_ORDER
                                                                 if c in set(coverage.status)])
    if counts.empty:
        nbs.note("No county-level unit in scope.")
    else:
        counts["units"] = coverage.groupby(by).region_code.nunique()
        counts["share_in_warehouse"] = (counts.get("in_warehouse", 0)
                                        / counts.drop(columns=["units"]).sum(axis=1))
        counts = counts.sort_values(["share_in_warehouse", "units"], ascending=False)
        nbs.heading(f"**{int((coverage.status == 'in_warehouse').sum())} of {len(coverage)}** unit-years in "
                    f"scope have the county government's report (as of {str(coverage.as_of.iloc[0])[:10]}).")
        nbs.table(counts)
        shown = counts.head(40).drop(columns=["units", "share_in_warehouse"])
        fig, ax = plt.subplots(figsize=(9, 0.3 * len(shown) + 1.6))
        left = np.zeros(len(shown))
        names = [nbs.label(n, n) for n in shown.index]
        for status in shown.columns:
            ax.barh(names, shown[status], left=left, color=COVERAGE_COLOURS.get(status), label=status)
            left += shown[status].to_numpy()
        ax.invert_yaxis()
        ax.set_xlabel("unit-years")
        nbs.whole_numbers(ax, "x")
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
        nbs.finish(fig, f"coverage by {by.replace('_name', '')} and status"
                   + (" (the 40 best covered)" if len(counts) > 40 else ""))
        # the cases someone can act on: not the units no registry entry covers yet
        missing = coverage[~coverage.status.isin(["in_warehouse", "not_yet_due", "no_known_portal"])]
        if missing.empty:
            nbs.heading("No registered unit is missing a report that is due.")
        else:
            nbs.table(missing.sort_values(["region_code", "year"])[
                ["province_name", "prefecture_name", "region_name", "year", "status", "reason"]].head(200))
            if len(missing) > 200:
                nbs.note(f"Showing 200 of {len(missing)}; query `mart_coverage_county_year` for the rest.")
else:
    nbs.note("This warehouse has no coverage mart (built before `mart_coverage_county_year` existed).")

# %% [markdown]
# ## Revised reports
# Reports whose source published a new version (same URL, or the same issuer and year replaced in
# a later crawl): both documents' hashes and dates and the cells that changed
# (`mart_report_revisions`, `mart_revision_cells`). The marts use the newest version.

# %%
if nbs.has_table(con, "mart_report_revisions"):
    rev_area = area_sql.replace("r.region_code", "v.region_code")
    revisions = nbs.query(con, f"""
        select v.* from mart_report_revisions as v
        where true {rev_area} {nbs.year_clause(years, 'v.year')}
        order by v.region_code, v.year, v.new_first_seen
    """, area_params)
    if revisions.empty:
        nbs.heading("No report in scope was revised by its source.")
    else:
        nbs.heading(f"**{len(revisions)} revision(s)** of {revisions.new_report_id.nunique()} report(s).")
        nbs.table(revisions[["issuer", "region_name", "year", "revision_kind", "old_sha256", "new_sha256",
                           "old_first_seen", "new_first_seen", "cells_changed", "is_latest"]]
                .assign(old_sha256=lambda d: d.old_sha256.str.slice(0, 12),
                        new_sha256=lambda d: d.new_sha256.str.slice(0, 12)))
        cells = nbs.query(con, """
            select c.* from mart_revision_cells as c
            where c.old_report_id in (select unnest(?::varchar[]))
            order by c.old_report_id, c.table_key, c.row_key, c.column_key
        """, [revisions.old_report_id.tolist()])
        cells = cells.merge(revisions[["old_report_id", "new_report_id"]], on=["old_report_id", "new_report_id"])
        nbs.table(cells[["old_report_id", "table_key", "row_key", "column_key", "change_kind", "old_value",
                       "new_value", "old_raw_text", "new_raw_text"]]
                .assign(old_report_id=lambda d: d.old_report_id.str.slice(0, 12)).head(200))
else:
    nbs.note("This warehouse has no revisions mart (built before `mart_report_revisions` existed).")

# %% [markdown]
# ## Corrections
# Cells a reviewed correction changed (`dbt_project/corrections/corrections.csv`, applied over the
# parsed values; `parsed_value` keeps what was read), and the findings of the printed values that
# the corrections resolved (`validation_resolved_findings`).

# %%
if nbs.has_table(con, "int_cell_corrections"):
    corrected = nbs.query(con, """
        select k.correction_id, d.issuer, d.year, k.table_key, k.row_key, k.column_key, k.printed_value,
               k.parsed_value, k.corrected_value, k.reason, k.evidence_page, k.evidence_text,
               k.corrected_by, k.corrected_at
        from intermediate.int_cell_corrections as k join dim_report as d using (report_id)
        where k.report_id in (select unnest(?::varchar[]))
        order by d.issuer, d.year, k.correction_id
    """, [ids])
    if corrected.empty:
        nbs.heading("No correction applies to the reports in scope.")
    else:
        nbs.table(corrected)
    if nbs.has_table(con, "validation_resolved_findings"):
        resolved = nbs.query(con, """
            select issuer, year, rule_id, table_key, row_key, column_key, message, correction_ids
            from validation_resolved_findings where report_id in (select unnest(?::varchar[]))
        """, [ids])
        if not resolved.empty:
            nbs.heading(f"**{len(resolved)} finding(s) of the printed values resolved by correction:**")
            nbs.table(resolved)
con.close()
