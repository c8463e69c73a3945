{{ incremental_by_partition(['issuer_id'], 'issuers') }}
-- One row per issuing body. The id joins the names a body used over the years
-- (洪泽区人民政府 / 淮安市洪泽区人民政府 are one issuer; 平潭综合实验区管委会 / 平潭县人民政府 too).
-- issuer_level is its type: county_government, general_office, department, township,
-- area_office, prefecture_body, province_body, other (ingest/load/issuers.py).
with reports as (
    select * from {{ ref('int_reports') }} as r
    where {{ in_touched_partition('r', ['issuer_id'], 'issuers') }}
),

named as (
    select
        issuer_id,
        arg_max(coalesce(issuer, archive_issuer), coalesce(year, 0)) as issuer_name,
        list(distinct coalesce(issuer, archive_issuer) order by coalesce(issuer, archive_issuer)) as names_seen,
        any_value(issuer_level) as issuer_level,
        any_value(region_code) as region_code,
        any_value(region_match_method) as region_match_method,
        arg_max(region_evidence, coalesce(year, 0)) as region_evidence,
        list(distinct source_id order by source_id) filter (where source_id is not null) as source_ids,
        min(year) as first_year,
        max(year) as last_year,
        count(*) as reports,
        bool_or(is_synthetic) as is_synthetic
    from reports
    group by issuer_id
)

select
    n.issuer_id,
    n.issuer_name,
    n.names_seen,
    n.issuer_level,
    n.region_code,
    g.region_name,
    g.province_name,
    g.prefecture_name,
    n.region_match_method,
    n.region_evidence,
    n.source_ids,
    n.first_year,
    n.last_year,
    n.reports,
    n.is_synthetic
from named as n
left join {{ ref('int_regions') }} as g using (region_code)
