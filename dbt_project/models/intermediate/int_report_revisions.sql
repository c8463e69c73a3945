-- Every revision of a report: a pair (old, new) of parsed documents where the new one replaced
-- the old one at the source. Two ways a publisher revises:
--   same_url          the URL the old version was fetched from later served other bytes;
--   same_issuer_year  another document of the same issuer and year appeared in a later crawl
--                     run than the last one that still saw the old document (a replacement
--                     under a new URL). Two documents seen side by side in one run — a page and
--                     its PDF, a mirror — are not a revision: the old one was still served.
-- Only consecutive versions pair up (v1→v2, v2→v3); a report with a newer version is
-- superseded, and the marts use the newest (int_county_year).
with seen as (
    select
        sha256 as report_id,
        min(first_seen) as first_seen,
        max(last_seen) as last_seen,
        arg_min(first_run_id, first_seen) as first_run_id,
        arg_max(last_run_id, last_seen) as last_run_id
    from {{ source('archive', 'document_versions') }}
    group by sha256
),

url_versions as (
    select dv.url, dv.sha256 as report_id, dv.first_seen
    from {{ source('archive', 'document_versions') }} as dv
    semi join {{ ref('stg_reports') }} as r on r.report_id = dv.sha256
),

url_pairs as (
    select
        lag(report_id) over (partition by url order by first_seen, report_id) as old_report_id,
        report_id as new_report_id,
        'same_url' as revision_kind
    from url_versions
    qualify old_report_id is not null
),

issuer_year as (
    select r.report_id, r.issuer_id, r.year, s.first_seen, s.last_seen, s.first_run_id, s.last_run_id
    from {{ ref('int_reports') }} as r
    join seen as s using (report_id)
    where r.year is not null
),

issuer_pairs as (
    select
        lag(report_id) over w as old_report_id,
        report_id as new_report_id,
        lag(last_seen) over w as old_last_seen,
        lag(last_run_id) over w as old_last_run_id,
        first_seen,
        first_run_id,
        'same_issuer_year' as revision_kind
    from issuer_year
    window w as (partition by issuer_id, year order by first_seen, report_id)
),

pairs as (
    select old_report_id, new_report_id, revision_kind from url_pairs
    union all
    select old_report_id, new_report_id, revision_kind
    from issuer_pairs
    where old_report_id is not null
        and first_seen > old_last_seen
        and first_run_id is not null
        and first_run_id is distinct from old_last_run_id
)

select
    p.old_report_id,
    p.new_report_id,
    -- a pair found both ways is a same-URL revision
    case when bool_or(p.revision_kind = 'same_url') then 'same_url' else 'same_issuer_year' end
        as revision_kind,
    any_value(o.first_seen) as old_first_seen,
    any_value(o.last_seen) as old_last_seen,
    any_value(n.first_seen) as new_first_seen
from pairs as p
join seen as o on o.report_id = p.old_report_id
join seen as n on n.report_id = p.new_report_id
where p.old_report_id <> p.new_report_id
group by p.old_report_id, p.new_report_id
