{{ incremental_by_partition(['region_code', 'year'], 'county_years') }}
-- One report per county-level government and year, with its measures and region.
-- Two reports of the same government and year (a re-publication, a mirror with other bytes)
-- are resolved deterministically: a version the source has replaced never wins
-- (int_report_revisions: the newest version is used, and revision_count says so), then the one
-- with most reported cells, then the latest publication date, then the first archived, then
-- the smallest id. reports_for_year says how many there were (validation flags the duplicate).
with candidates as (
    select
        r.report_id, r.issuer_id, r.issuer, r.region_code, r.year, r.template, r.table3_shape,
        r.source_url, r.published_date, r.first_seen, r.is_synthetic, d.cells_with_value,
        exists (select 1 from {{ ref('int_report_revisions') }} as v
                where v.old_report_id = r.report_id) as is_superseded
    from {{ ref('int_reports') }} as r
    join {{ ref('dim_report') }} as d using (report_id)
    where r.issuer_level = 'county_government'
        and r.region_code is not null
        and r.year is not null
        and {{ in_touched_partition('r', ['region_code', 'year'], 'county_years') }}
),

ranked as (
    select
        *,
        count(*) over (partition by region_code, year) as reports_for_year,
        count(*) filter (where is_superseded) over (partition by region_code, year) as revision_count,
        row_number() over (
            partition by region_code, year
            order by is_superseded, cells_with_value desc, published_date desc nulls last, first_seen,
                     report_id
        ) as pick
    from candidates
)

select
    k.region_code,
    k.year,
    g.region_name,
    g.region_type,
    g.province_code,
    g.province_name,
    g.prefecture_code,
    g.prefecture_name,
    k.report_id,
    k.issuer_id,
    k.issuer,
    k.template,
    k.table3_shape,
    k.source_url,
    k.published_date,
    k.reports_for_year,
    k.revision_count,
    k.is_synthetic,
    m.* exclude (report_id)
from ranked as k
join {{ ref('int_regions') }} as g using (region_code)
join {{ ref('int_report_measures') }} as m using (report_id)
where k.pick = 1
