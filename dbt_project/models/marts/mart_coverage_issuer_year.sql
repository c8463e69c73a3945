-- Every issuer the crawl has seen (county governments, their departments, townships, …; any
-- document archived under it) × report year 2019 … the last complete year: is its report in
-- the warehouse, and if not, why. Statuses as in mart_coverage_county_year (no_known_portal:
-- none of the issuer's documents came from a registry source, e.g. imported files).
with docs as (
    select * from {{ ref('int_coverage_documents') }}
),

issuers as (
    select
        issuer_id,
        arg_max(issuer_name, coalesce(year, 0)) as issuer_name,
        any_value(issuer_level) as issuer_level,
        any_value(region_code) as region_code,
        list(distinct source_id order by source_id) filter (where source_id is not null) as source_ids
    from docs
    group by issuer_id
),

years as {{ coverage_years() }},

by_year as (
    select
        issuer_id,
        year,
        arg_min(document_id, document_id) filter (where outcome = 'report' and not is_superseded) as report_id,
        count(*) filter (where outcome = 'report' and is_superseded) as revision_count,
        count(*) as documents_archived,
        count(*) filter (where outcome = 'not_loaded') as documents_not_loaded,
        count(*) filter (where outcome = 'parse_failure') as parse_failures,
        count(*) filter (where outcome = 'not_a_report') as not_reports,
        arg_min(error_kind, document_id) filter (where outcome = 'parse_failure') as failure_kind,
        arg_min(error, document_id) filter (where outcome in ('parse_failure', 'not_a_report')) as failure_error
    from docs
    where year is not null
    group by all
),

sources as (
    select
        i.issuer_id,
        count(s.source_id) as sources,
        coalesce(bool_or(s.crawled), false) as crawled,
        coalesce(bool_or(s.reached_in_last_crawl), false) as reached_in_last_crawl,
        coalesce(bool_or(s.column_found), false) as column_found,
        max(s.last_reached_at) as last_reached_at,
        arg_max(s.last_error, s.last_error_at) as last_error,
        max(s.last_error_at) as last_error_at
    from issuers as i
    left join (select issuer_id, unnest(source_ids) as source_id from issuers) as u using (issuer_id)
    left join {{ ref('int_coverage_sources') }} as s on s.source_id = u.source_id
    group by i.issuer_id
),

joined as (
    select
        i.issuer_id, i.issuer_name, i.issuer_level, i.region_code, g.region_name, g.province_name,
        g.prefecture_name, y.year,
        b.report_id,
        coalesce(b.revision_count, 0) as revision_count,
        coalesce(r.tables_unread, []) as tables_unread,
        coalesce(b.documents_archived, 0) as documents_archived,
        coalesce(b.documents_not_loaded, 0) as documents_not_loaded,
        coalesce(b.parse_failures, 0) as parse_failures,
        coalesce(b.not_reports, 0) as not_reports,
        b.failure_kind,
        b.failure_error,
        i.source_ids,
        coalesce(s.sources, 0) as sources,
        coalesce(s.crawled, false) as crawled,
        coalesce(s.reached_in_last_crawl, false) as reached_in_last_crawl,
        coalesce(s.column_found, false) as column_found,
        s.last_reached_at,
        s.last_error,
        s.last_error_at,
        coalesce(g.is_fictional, false) as is_synthetic
    from issuers as i
    cross join years as y
    left join by_year as b on b.issuer_id = i.issuer_id and b.year = y.year
    left join sources as s on s.issuer_id = i.issuer_id
    left join {{ ref('int_regions') }} as g on g.region_code = i.region_code
    left join {{ ref('dim_report') }} as r on r.report_id = b.report_id
)

select
    issuer_id,
    issuer_name,
    issuer_level,
    region_code,
    region_name,
    province_name,
    prefecture_name,
    year,
    {{ coverage_status() }} as status,
    report_id,
    revision_count,
    tables_unread,
    documents_archived,
    parse_failures,
    not_reports,
    failure_kind,
    failure_error,
    source_ids,
    last_error,
    last_error_at,
    make_date(year + 1, 3, 31) as due_date,
    {{ coverage_as_of() }} as as_of,
    is_synthetic
from joined
