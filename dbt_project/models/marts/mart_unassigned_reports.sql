-- Every report that no county-year mart can place, with the reason: its county-level unit
-- stays unknown (the evidence that was weighed and why it did not settle), or it has no
-- report year. Nothing is dropped silently: a report is in mart_county_year /
-- mart_issuer_year or here (or both, for a county government without a year).
select
    r.report_id,
    r.issuer,
    r.archive_issuer,
    r.issuer_id,
    r.issuer_level,
    r.region_code,
    r.year,
    r.source_id,
    r.source_code,
    r.index_no,
    r.source_url,
    r.title,
    case
        when r.region_code is null and r.year is null then 'county_and_year_unknown'
        when r.region_code is null then 'county_unknown'
        else 'year_unknown'
    end as reason,
    r.region_match_method,
    case
        when r.region_code is null then r.region_evidence
        else 'neither the title nor a publication date nor the archive gives the report year'
    end as reason_detail,
    r.is_synthetic
from {{ ref('int_reports') }} as r
where r.region_code is null or r.year is null
