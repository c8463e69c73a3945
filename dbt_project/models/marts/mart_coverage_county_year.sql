-- Every county-level unit (the region dataset) × report year 2019 … the last complete year:
-- is the county government's report in the warehouse, and if not, why. One status per row:
--   in_warehouse        the report is here (the newest version: revision_count > 0 if revised)
--   tables_unread       the report is here, but the parser read no cell of a table it prints
--                       (tables_unread; the parser's warnings in the reason)
--   not_loaded          a document for the year is archived but not parsed yet
--   parse_failure       the document for the year could not be parsed (failure_kind, error)
--   not_a_report        what was fetched for the year is not a report (error)
--   not_yet_due         due by 31 March of the next year, and that day has not passed
--   no_known_portal     no portal of the unit is known (the registry says `portal: unknown`, or the
--                       unit's entry was never recorded by a crawl, even an offline one)
--   not_crawled         a portal is known (registry entry), but no crawl of it has finished yet
--   source_unreachable  its sources' latest crawl fetched nothing (last_error, last_error_at)
--   column_not_found    the portal was reached, but no report column was found on it (nothing
--                       ever archived from it; the crawl's diagnosis says what it tried)
--   no_report_for_year  the column was found but listed no county-government report for the year
-- Documents are filed under units and issuers in one place, int_coverage_documents.
with units as (
    select * from {{ ref('int_regions') }}
),

years as {{ coverage_years() }},

reports as (
    select k.region_code, k.year, k.report_id, k.revision_count, d.tables_unread, d.unread_reason
    from {{ ref('int_county_year') }} as k
    left join {{ ref('dim_report') }} as d using (report_id)
),

documents as (
    select
        region_code,
        year,
        count(*) as documents_archived,
        count(*) filter (where outcome = 'not_loaded') as documents_not_loaded,
        count(*) filter (where outcome = 'parse_failure') as parse_failures,
        count(*) filter (where outcome = 'not_a_report') as not_reports,
        arg_min(error_kind, document_id) filter (where outcome = 'parse_failure') as failure_kind,
        arg_min(error, document_id) filter (where outcome in ('parse_failure', 'not_a_report')) as failure_error,
        arg_min(url, document_id) filter (where outcome in ('parse_failure', 'not_a_report', 'not_loaded'))
            as failed_url
    from {{ ref('int_coverage_documents') }}
    where issuer_level = 'county_government' and region_code is not null and year is not null
    group by all
),

other_reports as (
    select region_code, year, count(*) as other_issuer_reports
    from {{ ref('int_coverage_documents') }}
    where outcome = 'report' and issuer_level <> 'county_government' and not is_superseded
        and region_code is not null and year is not null
    group by all
),

sources as (
    select
        region_code,
        count(*) as sources,
        list(source_id order by source_id) as source_ids,
        bool_or(crawled) as crawled,
        bool_or(reached_in_last_crawl) as reached_in_last_crawl,
        bool_or(column_found) as column_found,
        max(last_crawled_at) as last_crawled_at,
        max(last_reached_at) as last_reached_at,
        arg_max(last_error, last_error_at) as last_error,
        max(last_error_at) as last_error_at
    from {{ ref('int_coverage_sources') }}
    group by region_code
),

joined as (
    select
        u.region_code, u.region_name, u.region_type, u.province_code, u.province_name,
        u.prefecture_code, u.prefecture_name,
        y.year,
        r.report_id,
        coalesce(r.revision_count, 0) as revision_count,
        coalesce(r.tables_unread, []) as tables_unread,
        r.unread_reason,
        coalesce(d.documents_archived, 0) as documents_archived,
        coalesce(d.documents_not_loaded, 0) as documents_not_loaded,
        coalesce(d.parse_failures, 0) as parse_failures,
        coalesce(d.not_reports, 0) as not_reports,
        d.failure_kind,
        d.failure_error,
        d.failed_url,
        coalesce(o.other_issuer_reports, 0) as other_issuer_reports,
        coalesce(s.sources, 0) as sources,
        s.source_ids,
        coalesce(s.crawled, false) as crawled,
        coalesce(s.reached_in_last_crawl, false) as reached_in_last_crawl,
        coalesce(s.column_found, false) as column_found,
        s.last_crawled_at,
        s.last_reached_at,
        s.last_error,
        s.last_error_at,
        u.is_fictional as is_synthetic
    from units as u
    cross join years as y
    left join reports as r on r.region_code = u.region_code and r.year = y.year
    left join documents as d on d.region_code = u.region_code and d.year = y.year
    left join other_reports as o on o.region_code = u.region_code and o.year = y.year
    left join sources as s on s.region_code = u.region_code
)

select
    region_code,
    region_name,
    region_type,
    province_code,
    province_name,
    prefecture_code,
    prefecture_name,
    year,
    {{ coverage_status() }} as status,
    case {{ coverage_status() }}
        when 'in_warehouse' then 'report ' || left(report_id, 12)
            || case when revision_count > 0 then ' (the newest of ' || (revision_count + 1) || ' versions)' else '' end
        when 'tables_unread' then 'report ' || left(report_id, 12) || ': ' || array_to_string(tables_unread, ', ')
            || ' printed but not read by the parser: ' || coalesce(unread_reason, '')
        when 'not_loaded' then documents_not_loaded || ' archived document(s) not parsed yet: run `python -m ingest load`'
        when 'parse_failure' then failure_kind || ': ' || coalesce(failure_error, '')
        when 'not_a_report' then 'fetched, but not a report: ' || coalesce(failure_error, '')
        when 'not_yet_due' then 'due by ' || strftime(make_date(year + 1, 3, 31), '%Y-%m-%d')
        when 'no_known_portal' then 'no known portal: not yet discovered (`python -m ingest registry discover '
            || 'PROVINCE_PORTAL --recursive`, docs/registry.md), or its registry entry never crawled'
        when 'not_crawled' then 'portal known (' || array_to_string(source_ids, ', ')
            || '), but no crawl of it has finished yet'
        when 'source_unreachable' then 'the latest crawl reached no page'
            || coalesce(': ' || last_error, '')
            || coalesce(' (' || strftime(last_error_at, '%Y-%m-%d %H:%M') || ' UTC)', '')
        when 'column_not_found' then 'the portal was reached'
            || coalesce(' (' || strftime(last_reached_at, '%Y-%m-%d') || ')', '')
            || ' but no report column was found on it: nothing archived from it yet'
        else 'the source was reached' || coalesce(' (' || strftime(last_reached_at, '%Y-%m-%d') || ')', '')
            || ' but no county-government report for ' || year || ' was found'
            || case when other_issuer_reports > 0
                    then '; ' || other_issuer_reports || ' report(s) of its departments/townships are' else '' end
    end as reason,
    report_id,
    revision_count,
    tables_unread,
    documents_archived,
    parse_failures,
    not_reports,
    failure_kind,
    failure_error,
    failed_url,
    other_issuer_reports,
    source_ids,
    last_crawled_at,
    last_error,
    last_error_at,
    make_date(year + 1, 3, 31) as due_date,
    {{ coverage_as_of() }} as as_of,
    is_synthetic
from joined
