-- Per crawled registry source: its county-level unit, whether its latest finished crawl
-- reached it (fetched a page), when it was last reached, and its last error with the time. An
-- interrupted or still-running crawl says nothing about the portal: only finished runs count
-- (none → crawled is false, and coverage says not_crawled rather than unreachable).
-- column_found: some document was ever archived from the source — a portal reached where no
-- report column was found has none (coverage says column_not_found, not "no report for the year").
with registry as (
    select source_id, code as region_code from {{ source('archive', 'registry_sources') }}
),

runs as (
    select
        source_id,
        max(started_at) as last_crawled_at,
        arg_max(coalesce(pages_fetched, 0), started_at) as last_run_pages,
        arg_max(status, started_at) as last_run_status,
        max(started_at) filter (where pages_fetched > 0) as last_reached_at
    from {{ source('archive', 'crawl_runs') }}
    where status in ('complete', 'failed')
    group by source_id
),

documents as (
    select source_id, count(distinct url) as documents_found
    from {{ source('archive', 'document_versions') }}
    where source_id is not null
    group by source_id
),

errors as (
    select source_id, arg_max(coalesce(error, 'HTTP ' || status), started_at) as last_error,
           max(started_at) as last_error_at
    from {{ source('archive', 'fetch_attempts') }}
    where outcome in ('failed', 'skipped')
    group by source_id
)

select
    g.source_id,
    g.region_code,
    r.last_crawled_at,
    r.last_run_status,
    r.last_crawled_at is not null as crawled,
    coalesce(r.last_run_pages > 0, false) as reached_in_last_crawl,
    r.last_reached_at,
    e.last_error,
    e.last_error_at,
    coalesce(d.documents_found, 0) as documents_found,
    coalesce(d.documents_found, 0) > 0 as column_found
from registry as g
left join runs as r using (source_id)
left join errors as e using (source_id)
left join documents as d using (source_id)
