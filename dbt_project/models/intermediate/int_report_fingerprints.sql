-- One row per current report: a digest of everything a report's rows in the warehouse are made
-- of, so an incremental build can tell which reports changed since the previous build
-- (int_report_changes). The digest covers the report as resolved (int_reports: parse, issuer,
-- county, year, template, URLs), the corrections that apply to it, the revisions it takes part
-- in, and the set of units the warehouse reports on (int_regions: real, or the demo's). The
-- report's cells and narrative facts belong to its parse (report_id, parser_version, parsed_at
-- are in int_reports), and a parse is never rewritten in place (parsed.duckdb is append-only).
-- Models, seeds and macros are not in it: a build whose project differs from the previous
-- build's is a full build (ingest/load/build.py).
with units as (
    select md5(coalesce(string_agg(md5(cast(g as varchar)), '' order by g.region_code), '')) as digest
    from {{ ref('int_regions') }} as g
),

corrections as (
    select report_id,
           string_agg(md5(cast(k as varchar)), '' order by k.correction_id) as digest
    from {{ ref('int_cell_corrections') }} as k
    group by report_id
),

revisions as (
    select report_id, string_agg(pair, ',' order by pair) as digest
    from (
        select old_report_id as report_id, 'superseded by ' || new_report_id || ' ' || revision_kind as pair
        from {{ ref('int_report_revisions') }}
        union all
        select new_report_id, 'supersedes ' || old_report_id || ' ' || revision_kind
        from {{ ref('int_report_revisions') }}
    )
    group by report_id
)

select
    r.report_id,
    r.issuer_id,
    r.region_code,
    r.year,
    md5(cast(r as varchar) || '|' || coalesce(c.digest, '') || '|' || coalesce(v.digest, '') || '|'
        || (select digest from units)) as fingerprint
from {{ ref('int_reports') }} as r
left join corrections as c using (report_id)
left join revisions as v using (report_id)
