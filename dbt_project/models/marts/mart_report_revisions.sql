-- One row per revision of a report: the earlier version, the version that replaced it, both
-- documents' hashes, URLs and dates, and how many cells changed (mart_revision_cells lists
-- them). The marts use the newest version (int_county_year); is_latest says whether the new
-- version is itself the newest.
with cell_changes as (
    select old_report_id, new_report_id, count(*) as cells_changed,
           count(*) filter (where change_kind = 'value') as values_changed
    from {{ ref('mart_revision_cells') }}
    group by all
)

select
    v.old_report_id,
    v.new_report_id,
    v.revision_kind,
    n.issuer_id,
    n.issuer,
    n.issuer_level,
    n.region_code,
    g.region_name,
    g.province_name,
    g.prefecture_name,
    n.year,
    o.year as old_year,
    o.content_sha256 as old_sha256,
    n.content_sha256 as new_sha256,
    o.source_url as old_url,
    n.source_url as new_url,
    v.old_first_seen,
    v.old_last_seen,
    v.new_first_seen,
    o.published_date as old_published_date,
    n.published_date as new_published_date,
    coalesce(c.cells_changed, 0) as cells_changed,
    coalesce(c.values_changed, 0) as values_changed,
    not exists (select 1 from {{ ref('int_report_revisions') }} as later
                where later.old_report_id = v.new_report_id) as is_latest,
    o.is_synthetic or n.is_synthetic as is_synthetic
from {{ ref('int_report_revisions') }} as v
join {{ ref('int_reports') }} as o on o.report_id = v.old_report_id
join {{ ref('int_reports') }} as n on n.report_id = v.new_report_id
left join {{ ref('int_regions') }} as g on g.region_code = n.region_code
left join cell_changes as c
    on c.old_report_id = v.old_report_id and c.new_report_id = v.new_report_id
