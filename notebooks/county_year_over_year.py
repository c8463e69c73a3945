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
# # One county, year over year
#
# How one county-level government's disclosure work changed from year to year: applications
# received and how they were handled (outcome mix, disclosure rate), administrative review and
# litigation, and the permits, penalties and fees it reported under 第二十条.
#
# Source: `mart_county_year` (one row per county-level government × year) in the published
# warehouse, opened **read-only**. Figures are as the reports printed them; a report whose own
# numbers do not add up is still shown here, and flagged in the `data_quality` notebook.
#
# Change the parameters below, or render from a shell:
# `python -m ingest notebooks --only county_year_over_year --county 汉阴县 --years 2020-2023`.

# %% tags=["parameters"]
WAREHOUSE = None  # path of warehouse.duckdb; None → $WAREHOUSE_DB, else $DATA_DIR/warehouse.duckdb
COUNTY = None  # region code ("610921") or name ("汉阴县", "汉阴"); None → the county with the most years
YEARS = None  # None for every year, or 2023, "2020-2023", [2021, 2023]

# %%
import matplotlib.pyplot as plt
import pandas as pd

import notebook_support as nbs

con = nbs.connect(WAREHOUSE)
nbs.setup_charts()
years = nbs.normalise_years(YEARS)
nbs.about(con, WAREHOUSE)

counties = nbs.query(con, """
    select region_code, any_value(region_name) as region_name, any_value(prefecture_code) as prefecture_code,
           any_value(prefecture_name) as prefecture_name, any_value(province_name) as province_name,
           count(*) as years, min(year) as first_year, max(year) as last_year
    from mart_county_year
    group by region_code
    order by years desc, last_year desc, region_code
""")
county = nbs.resolve_region(con, COUNTY, counties) if not counties.empty else None
if county is None:
    nbs.note("The warehouse holds no county-level government report yet: run `make refresh`.")
    df = pd.DataFrame()
else:
    df = nbs.query(con, "select * from mart_county_year where region_code = ?" + nbs.year_clause(years)
                   + " order by year", [county.region_code])
    name = nbs.label(county.region_name, county.region_code)
    nbs.heading(f"## {county.region_name}（{county.prefecture_name}，{county.province_name}；"
                f"{county.region_code}）")
    if df.empty:
        nbs.note(f"No report of {county.region_name} for the years {years}; it has "
                 f"{county.first_year}–{county.last_year}.")
    elif len(df) == 1:
        nbs.note(f"Only {int(df.year.iloc[0])} is in the warehouse for {county.region_name}: the charts "
                 "show that one year, and year-over-year changes need at least two. Add the "
                 "county's other years to the archive (the registry crawl finds them) to see trends.")
    else:
        missing = sorted(set(range(int(df.year.min()), int(df.year.max()) + 1)) - set(df.year.astype(int)))
        if missing:
            nbs.note(f"No report for {missing}: the charts leave those years empty rather than "
                     "joining across the gap.")

# %%
YEAR_LABELS = df.year.astype(int).astype(str).tolist() if not df.empty else []


def by_year(columns: dict[str, str]) -> pd.DataFrame:
    """The chosen mart columns, one row per year, renamed to their chart labels."""
    out = df.set_index(df.year.astype(int).astype(str))[list(columns)].astype("Float64")
    return out.rename(columns=columns)


if not df.empty:
    shown = df.set_index(df.year.astype(int))[[
        "applications_new", "carried_over", "handled", "carried_forward", "disclosed",
        "disclosure_rate", "review_cases", "litigation_cases", "permit_decisions",
        "penalty_decisions", "fee_amount_yuan", "info_processing_fee_yuan", "template",
        "published_date"]].T
    shown.columns.name = "year"
    nbs.table(shown, rows_are_measures=True)

# %% [markdown]
# ## Applications received (表三 一、二、四)
# New applications this year, those carried over from last year, and those carried forward to
# next year; `handled` is the （七）总计 row, summed from the detail outcome rows.

# %%
if not df.empty:
    fig, ax = plt.subplots()
    by_year({"applications_new": "本年新收 new", "carried_over": "上年结转 carried over",
             "handled": "办理 handled", "carried_forward": "结转下年 carried forward"}).plot.bar(ax=ax, rot=0)
    ax.set_ylabel("applications")
    ax.set_xlabel("")
    nbs.whole_numbers(ax)
    nbs.bar_values(ax)
    nbs.finish(fig, f"{name}: applications by year")
    if df.applications_new_yoy_pct.notna().any():
        yoy = df[["year", "applications_new", "applications_new_yoy_change", "applications_new_yoy_pct"]]
        nbs.table(yoy)

# %% [markdown]
# ## Outcome mix (表三 三、本年度办理结果)
# Share of the handled applications in each outcome group: （一）予以公开, （二）部分公开,
# （三）不予公开, （四）无法提供, （五）不予处理, （六）其他处理.

# %%
OUTCOMES = {"granted": "予以公开 granted", "partially_granted": "部分公开 partial",
            "denied": "不予公开 denied", "unable": "无法提供 unable",
            "not_processed": "不予处理 not processed", "other_handling": "其他处理 other"}
if not df.empty:
    counts = by_year(OUTCOMES)
    total = counts.sum(axis=1).replace(0, pd.NA)
    shares = counts.div(total, axis=0).fillna(0) * 100
    fig, ax = plt.subplots()
    shares.plot.bar(ax=ax, stacked=True, rot=0, width=0.6, color=nbs.PALETTE[: len(OUTCOMES)])
    ax.set_ylabel("% of handled applications")
    ax.set_xlabel("")
    ax.set_ylim(0, 100)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    for container, col in zip(ax.containers, shares.columns):
        ax.bar_label(container, labels=[f"{v:.0f}%" if v >= 5 else "" for v in shares[col]],
                     label_type="center", fontsize=8, color="white")
    nbs.finish(fig, f"{name}: outcome mix")
    nbs.table(counts)

# %% [markdown]
# ## Disclosure rate
# (予以公开 + 部分公开) ÷ handled, beside the median of the other counties of the same
# prefecture in the warehouse for the same year.

# %%
if not df.empty:
    peers = nbs.query(con, """
        select year, median(disclosure_rate) as prefecture_median, count(*) as counties
        from mart_county_year
        where prefecture_code = ? and region_code <> ? and disclosure_rate is not null
        group by year order by year
    """, [county.prefecture_code, county.region_code])
    rate = df[["year", "disclosure_rate"]].merge(peers, on="year", how="left")
    fig, ax = plt.subplots()
    x = rate.year.astype(int).astype(str)
    bars = ax.bar(x, rate.disclosure_rate.astype(float).fillna(0) * 100, width=0.5, label=name)
    nbs.few_bars(ax, len(x))
    ax.bar_label(bars, labels=[f"{v:.1f}%" if pd.notna(v) else "n/a" for v in rate.disclosure_rate.astype(float) * 100],
                 fontsize=8)
    if rate.prefecture_median.notna().any():
        ax.plot(x, rate.prefecture_median.astype(float) * 100, marker="o", color=nbs.PALETTE[2],
                label="prefecture median (other counties)")
    else:
        nbs.note("No other county of this prefecture is in the warehouse for these years, so "
                 "there is no prefecture median to compare with.")
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.legend(fontsize=8)
    nbs.finish(fig, f"{name}: disclosure rate")

# %% [markdown]
# ## Administrative review and litigation (表四)
# Cases concluded or pending in the year, and those whose result was corrected (结果纠正).

# %%
if not df.empty:
    fig, ax = plt.subplots()
    by_year({"review_cases": "行政复议 review", "litigation_cases": "行政诉讼 litigation",
             "corrected_cases": "结果纠正 corrected"}).plot.bar(ax=ax, rot=0)
    ax.set_ylabel("cases")
    ax.set_xlabel("")
    nbs.whole_numbers(ax)
    nbs.bar_values(ax)
    if (by_year({"review_cases": "r", "litigation_cases": "l"}).fillna(0) == 0).all().all():
        ax.text(0.5, 0.5, "no review or litigation reported", transform=ax.transAxes, ha="center",
                color="grey")
        ax.set_ylim(0, 1)
    nbs.finish(fig, f"{name}: review and litigation")

# %% [markdown]
# ## Permits, penalties and coercive measures (表二 第二十条第（五）（六）项)
# Decisions made in the year. The scales differ by orders of magnitude, so each has its own
# axis.

# %%
if not df.empty:
    measures = {"permit_decisions": "行政许可 permits", "penalty_decisions": "行政处罚 penalties",
                "coercive_measure_decisions": "行政强制 coercive measures"}
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
    for ax, (col, title), colour in zip(axes, measures.items(), nbs.PALETTE):
        values = by_year({col: title})[title]
        ax.bar(values.index, values.fillna(0).astype(float), color=colour, width=0.5)
        ax.bar_label(ax.containers[0], labels=[f"{v:,.0f}" if pd.notna(v) else "n/a" for v in values],
                     fontsize=8)
        ax.set_title(title, fontsize=10)
        nbs.whole_numbers(ax)
        nbs.few_bars(ax, len(values))
    nbs.finish(fig, f"{name}: decisions by year")

# %% [markdown]
# ## Fees (表二 第二十条第（八）项, and the 信息处理费 of section 六)
# The 2021 template prints the administrative fees charged in 万元 (shown here in yuan); the
# 2019 template printed counts of fee *items* instead, which are not money and are listed
# separately.

# %%
if not df.empty:
    fees = by_year({"fee_amount_yuan": "行政事业性收费 fees (yuan)",
                    "info_processing_fee_yuan": "信息处理费 processing fee (yuan)"})
    fig, ax = plt.subplots()
    series = fees.iloc[:, 0]
    bars = ax.bar(series.index, series.fillna(0).astype(float) / 10_000, width=0.5)
    old_template = set(df.loc[df.template == "2019", "year"].astype(int).astype(str))
    ax.bar_label(bars, labels=[f"{v / 10_000:,.2f} 万元" if pd.notna(v)
                               else ("fee items, not money (2019 template)" if y in old_template else "not printed")
                               for y, v in series.items()], fontsize=8)
    nbs.few_bars(ax, len(series))
    ax.set_ylabel("万元 (10,000 yuan)")
    nbs.finish(fig, f"{name}: administrative fees charged")
    nbs.table(fees)
    old = df[df.template == "2019"]
    if not old.empty:
        nbs.note("Years on the 2019 template report fee *items* (上一年项目数量 / 本年增减), not "
                 "amounts: " + ", ".join(f"{int(r.year)}: {r.fee_items_prev_year} items, change "
                                          f"{r.fee_items_change}" for r in old.itertuples()))

# %% [markdown]
# ## The reports behind these figures

# %%
if not df.empty:
    nbs.table(nbs.query(con, """
        select year, issuer, title, published_date, template, table3_shape, source_url, report_id
        from dim_report where report_id in (select report_id from mart_county_year where region_code = ?)
        order by year
    """, [county.region_code]))
con.close()
