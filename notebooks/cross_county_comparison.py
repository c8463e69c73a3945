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
# # Counties compared, within a prefecture or a province
#
# For one year, the county-level governments of one prefecture (地级市) or province side by
# side: how many applications each received, how it handled them (outcome mix) and its
# disclosure rate, with the ranks the warehouse computes.
#
# Source: `mart_county_year` in the published warehouse, opened **read-only**. Only counties
# whose report is in the warehouse appear; the note below says how many of the area's
# county-level units that is.
#
# Render from a shell: `python -m ingest notebooks --only cross_county_comparison --area 安康市 --years 2023`.

# %% tags=["parameters"]
WAREHOUSE = None  # path of warehouse.duckdb; None → $WAREHOUSE_DB, else $DATA_DIR/warehouse.duckdb
AREA = None  # prefecture or province: code ("610900", "6109", "61") or name ("安康市", "陕西");
#              None → the prefecture with the most counties in the warehouse
COUNTY = None  # a county to highlight (code or name); it also picks the area when AREA is None
YEARS = None  # the year to compare: None → the latest year with data in the area; a list → its last year

# %%
import matplotlib.pyplot as plt
import pandas as pd

import notebook_support as nbs

con = nbs.connect(WAREHOUSE)
nbs.setup_charts()
years = nbs.normalise_years(YEARS)
nbs.about(con, WAREHOUSE)

areas = nbs.query(con, """
    select 'prefecture' as level, prefecture_code as region_code, any_value(prefecture_name) as region_name,
           count(distinct region_code) as counties, max(year) as last_year
    from mart_county_year where prefecture_code is not null group by prefecture_code
    union all
    select 'province', province_code, any_value(province_name), count(distinct region_code), max(year)
    from mart_county_year where province_code is not null group by province_code
    order by counties desc, level, region_code
""")
area = None
highlight = None
if areas.empty:
    nbs.note("The warehouse holds no county-level government report yet: run `make refresh`.")
else:
    if COUNTY is not None:
        counties = nbs.query(con, "select distinct region_code, region_name, prefecture_code "
                                  "from mart_county_year order by region_code")
        highlight = nbs.resolve_region(con, COUNTY, counties)
    spec = AREA
    if spec is None and highlight is not None:
        spec = highlight.prefecture_code
    if spec is not None and str(spec).isdigit() and len(str(spec)) in (2, 4):
        spec = str(spec).ljust(6, "0")  # "6109" → "610900", "61" → "610000"
    if spec is None:
        area = areas[areas.level == "prefecture"].iloc[0]
    else:
        area = nbs.resolve_region(con, spec, areas, what="prefecture or province")
    column = "prefecture_code" if area.level == "prefecture" else "province_code"
    available = nbs.query(con, f"select distinct year from mart_county_year where {column} = ? order by year",
                          [area.region_code]).year.tolist()
    wanted = [y for y in available if years is None or y in years]
    year = wanted[-1] if wanted else None
    if year is None:
        nbs.note(f"No report of {area.region_name} for {years}; the warehouse has {available}.")
        df = pd.DataFrame()
    else:
        df = nbs.query(con, f"""
            select * from mart_county_year where {column} = ? and year = ?
            order by applications_new desc nulls last, region_code
        """, [area.region_code, year])
        units = nbs.query(con, f"select count(*) as n from dim_region where {column} = ?",
                          [area.region_code]).n.iloc[0]
        nbs.heading(f"## {area.region_name}, {year}: {len(df)} of its {units} county-level units "
                    "have a report in the warehouse")
        if len(df) == 1:
            nbs.note(f"Only {df.region_name.iloc[0]} of {area.region_name} is in the warehouse for {year}, "
                     "so the rankings below have a single entry. Add the area's other counties to "
                     "the registry (README: adding a county) to compare them.")
        if years is not None and len(years) > 1:
            nbs.note(f"A comparison is for one year: showing {year}, the last of {years} with data.")

# %%
if area is not None and not df.empty:
    df["label"] = [nbs.label(n, c) for n, c in zip(df.region_name, df.region_code)]
    ranks = ["applications_new_rank_in_prefecture", "disclosure_rate_rank_in_prefecture",
             "applications_new_rank_in_province", "disclosure_rate_rank_in_province"]
    shown = df[["region_code", "region_name", "applications_new", "handled", "disclosed", "disclosure_rate",
                *ranks, "review_cases", "litigation_cases", "permit_decisions", "penalty_decisions",
                "fee_amount_yuan"]].copy()
    # A rank means little without its N: "2 of 12" (the units of the group and year with a value).
    for r in ranks:
        shown[r] = [f"{int(k)} of {int(n)}" if pd.notna(k) and pd.notna(n) else None
                    for k, n in zip(df[r], df[f"{r}_of"])]
    nbs.table(shown)


def colours(labels) -> list[str]:
    """The highlighted county in orange, the others in blue."""
    mark = nbs.label(highlight.region_name, highlight.region_code) if highlight is not None else None
    return [nbs.PALETTE[2] if lab == mark else nbs.PALETTE[0] for lab in labels]


# %% [markdown]
# ## Applications received — ranking
# New applications in the year (表三 一、本年新收), largest first.

# %%
if area is not None and not df.empty:
    ranked = df.sort_values("applications_new", ascending=True, na_position="first")
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(ranked) + 1.4))
    bars = ax.barh(ranked.label, ranked.applications_new.fillna(0).astype(float), color=colours(ranked.label))
    ax.bar_label(bars, labels=[f"{v:,.0f}" if pd.notna(v) else "n/a" for v in ranked.applications_new],
                 fontsize=8, padding=2)
    ax.set_xlabel("applications received")
    ax.grid(axis="x", alpha=0.3)
    ax.grid(axis="y", visible=False)
    nbs.finish(fig, f"{area.region_name} {year}: applications received")

# %% [markdown]
# ## Outcome mix
# Share of each county's handled applications in each outcome group.

# %%
OUTCOMES = {"granted": "予以公开 granted", "partially_granted": "部分公开 partial",
            "denied": "不予公开 denied", "unable": "无法提供 unable",
            "not_processed": "不予处理 not processed", "other_handling": "其他处理 other"}
if area is not None and not df.empty:
    mix = df.set_index("label")[list(OUTCOMES)].astype("Float64").rename(columns=OUTCOMES)
    total = mix.sum(axis=1).replace(0, pd.NA)
    shares = (mix.div(total, axis=0) * 100).fillna(0)
    shares = shares.loc[df.sort_values("disclosure_rate", na_position="first").label]
    fig, ax = plt.subplots(figsize=(8.5, 0.4 * len(shares) + 1.6))
    shares.plot.barh(ax=ax, stacked=True, width=0.7, color=nbs.PALETTE[: len(OUTCOMES)])
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of handled applications")
    ax.set_ylabel("")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    nbs.finish(fig, f"{area.region_name} {year}: outcome mix (sorted by disclosure rate)")
    no_handled = df[df.handled.fillna(0) == 0]
    if not no_handled.empty:
        nbs.note("No handled application, so no outcome mix, for: " + ", ".join(no_handled.region_name))

# %% [markdown]
# ## Disclosure rate
# (予以公开 + 部分公开) ÷ handled. The dashed line is the median of the counties shown.

# %%
if area is not None and not df.empty:
    rated = df.sort_values("disclosure_rate", ascending=True, na_position="first")
    pct = rated.disclosure_rate.astype(float) * 100
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(rated) + 1.4))
    bars = ax.barh(rated.label, pct.fillna(0), color=colours(rated.label))
    ax.bar_label(bars, labels=[f"{v:.1f}%" if pd.notna(v) else "n/a" for v in pct], fontsize=8, padding=2)
    if pct.notna().sum() > 1:
        ax.axvline(pct.median(), color="grey", linestyle="--", linewidth=1)
    ax.set_xlim(0, 110)
    ax.set_xlabel("%")
    ax.grid(axis="x", alpha=0.3)
    ax.grid(axis="y", visible=False)
    nbs.finish(fig, f"{area.region_name} {year}: disclosure rate")

# %% [markdown]
# ## Volume against openness
# Each dot a county: applications received against disclosure rate.

# %%
if area is not None and not df.empty:
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.scatter(df.applications_new.astype(float), df.disclosure_rate.astype(float) * 100,
               c=colours(df.label), s=40)
    for r in df.itertuples():
        if pd.notna(r.applications_new) and pd.notna(r.disclosure_rate):
            ax.annotate(r.label, (float(r.applications_new), float(r.disclosure_rate) * 100), fontsize=8,
                        xytext=(4, 2), textcoords="offset points")
    ax.set_xlabel("applications received")
    ax.set_ylabel("disclosure rate %")
    ax.set_ylim(0, 105)
    ax.set_xlim(0, max(1.0, float(df.applications_new.astype(float).fillna(0).max())) * 1.15)
    nbs.whole_numbers(ax, "x")
    ax.grid(axis="x", alpha=0.3)
    nbs.finish(fig, f"{area.region_name} {year}: applications and disclosure rate")
con.close()
