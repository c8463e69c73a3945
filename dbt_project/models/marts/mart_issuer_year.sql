{{ incremental_by_partition(['issuer_id', 'year'], 'issuer_years') }}
-- One row per issuing body × report year: the county government, its general office, every
-- department, township / street office and area office, with its county-level unit and issuer
-- type, so "every 公安局 in 安康" or "all issuers of one county" is one query. Reports whose
-- county stays unknown are rows too (region_code null; mart_unassigned_reports says why).
-- Two reports of one issuer and year are resolved as in mart_county_year (never a version the
-- source replaced, then most reported cells, latest published, first archived, smallest id);
-- reports_for_year counts them, revision_count the replaced versions among them.
with candidates as (
    select
        r.report_id, r.issuer_id, r.issuer, r.issuer_level, r.region_code, r.region_match_method,
        r.region_evidence, r.source_id, r.year, r.template, r.table3_shape, r.source_url,
        r.published_date, r.first_seen, r.is_synthetic, d.cells_with_value,
        exists (select 1 from {{ ref('int_report_revisions') }} as v
                where v.old_report_id = r.report_id) as is_superseded
    from {{ ref('int_reports') }} as r
    join {{ ref('dim_report') }} as d using (report_id)
    where r.year is not null
        and {{ in_touched_partition('r', ['issuer_id', 'year'], 'issuer_years') }}
),

ranked as (
    select
        *,
        count(*) over (partition by issuer_id, year) as reports_for_year,
        count(*) filter (where is_superseded) over (partition by issuer_id, year) as revision_count,
        row_number() over (
            partition by issuer_id, year
            order by is_superseded, cells_with_value desc, published_date desc nulls last, first_seen,
                     report_id
        ) as pick
    from candidates
)

select
    k.issuer_id,
    k.year,
    k.issuer,
    k.issuer_level,
    k.region_code,
    g.region_name,
    g.province_code,
    g.province_name,
    g.prefecture_code,
    g.prefecture_name,
    k.region_match_method,
    k.region_evidence,
    k.source_id,
    k.report_id,
    k.template,
    k.table3_shape,
    k.source_url,
    k.published_date,
    k.reports_for_year,
    k.revision_count,
    k.is_synthetic,
    m.* exclude (report_id)
from ranked as k
left join {{ ref('int_regions') }} as g using (region_code)
join {{ ref('int_report_measures') }} as m using (report_id)
where k.pick = 1
