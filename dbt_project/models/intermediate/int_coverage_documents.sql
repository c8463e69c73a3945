-- Every archived document with what became of it (report, not_a_report, parse_failure,
-- not_loaded), the year it is for and the issuer and county-level unit it is filed under.
-- The one place coverage takes issuer type and county from: int_reports for parsed reports
-- (issuer identity is decided there); for a document that did not parse, the issuer name the
-- crawler recorded, matched as the loader matched that name for some report, else the registry
-- entry of the source that fetched it (its county government when the name is its own or none).
with docs as (
    select
        sha256 as document_id,
        arg_min(url, first_seen) as url,
        arg_min(source_id, first_seen) as source_id,
        arg_min(issuer, first_seen) as archive_issuer,
        arg_min(title, first_seen) as title,
        max(year_hint) as year_hint,
        min(first_seen) as first_seen,
        max(last_seen) as last_seen
    from {{ source('archive', 'document_versions') }}
    group by sha256
),

-- issuer name → identity, from the matches of parsed reports (the parser's name first)
names as (
    select name, arg_min(issuer_id, priority) as issuer_id, arg_min(issuer_level, priority) as issuer_level,
           arg_min(region_code, priority) as region_code
    from (
        select issuer as name, issuer_id, issuer_level, region_code, 1 as priority
        from {{ ref('int_reports') }} where issuer is not null
        union all
        select archive_issuer, issuer_id, issuer_level, region_code, 2
        from {{ ref('int_reports') }} where archive_issuer is not null
    )
    group by name
),

registry as (
    select source_id, code as region_code, government
    from {{ source('archive', 'registry_sources') }}
)

select
    d.document_id,
    d.url,
    d.source_id,
    d.title,
    d.first_seen,
    d.last_seen,
    case
        when r.report_id is not null then 'report'
        when f.error_kind = 'not_a_report' then 'not_a_report'
        when f.sha256 is not null then 'parse_failure'
        else 'not_loaded'
    end as outcome,
    f.error_kind,
    f.error,
    coalesce(r.year, d.year_hint) as year,
    case
        when r.report_id is not null then r.issuer_id
        when n.issuer_id is not null then n.issuer_id
        when d.archive_issuer is null or d.archive_issuer = g.government
            -- the id ingest/load/issuers.py gives a county government
            then coalesce(g.region_code || ':county_government', 'unmatched:?')
        else 'unmatched:' || d.archive_issuer
    end as issuer_id,
    coalesce(r.issuer, d.archive_issuer, g.government) as issuer_name,
    case
        when r.report_id is not null then r.issuer_level
        when n.issuer_id is not null then n.issuer_level
        when g.region_code is not null and (d.archive_issuer is null or d.archive_issuer = g.government)
            then 'county_government'
        else 'other'
    end as issuer_level,
    case
        when r.report_id is not null then r.region_code
        when n.issuer_id is not null then n.region_code
        else g.region_code
    end as region_code,
    r.report_id is not null and r.report_id in (select old_report_id from {{ ref('int_report_revisions') }})
        as is_superseded
from docs as d
left join {{ ref('int_reports') }} as r on r.report_id = d.document_id
left join {{ ref('stg_parse_failures') }} as f on f.sha256 = d.document_id and r.report_id is null
left join names as n on r.report_id is null and n.name = d.archive_issuer
left join registry as g on g.source_id = d.source_id
