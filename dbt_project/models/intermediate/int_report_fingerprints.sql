-- One row per current report: a digest of everything a report's rows in the warehouse are made
-- of, so an incremental build can tell which reports changed since the previous build
-- (int_report_changes). The digest covers the report as resolved (int_reports: parse, issuer,
-- county, year, template, URLs), the corrections that apply to it, the revisions it takes part
-- in, and the set of units the warehouse reports on (int_regions: real, or the demo's). The
-- report's cells and narrative facts belong to its parse (report_id, parser_version, parsed_at
-- are in int_reports), and a parse is never rewritten in place (parsed.duckdb is append-only).
-- Models, seeds and macros are not in it: a build whose project differs from the previous
-- build's is a full build (ingest/load/build.py).
-- Incremental: the pre-hook deletes the digests that may have changed (macros/incremental.sql,
-- delete_fingerprint_scope); the digests of the reports the table then lacks are appended.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook=["{{ delete_fingerprint_scope() }}"],
          meta={'incremental_grain': 'fingerprint'}) }}
-- depends_on: {{ ref('int_source_changes') }}

with units as (
    select ({{ units_digest() }}) as digest
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
    md5({{ row_text(ref('int_reports'), 'r') }} || '|' || coalesce(c.digest, '') || '|' || coalesce(v.digest, '') || '|'
        || (select digest from units)) as fingerprint,
    -- a correction or a revision: the next build recomputes this digest whatever its sources do
    c.report_id is not null or v.report_id is not null as linked,
    (select digest from units) as units_digest
from {{ ref('int_reports') }} as r
left join corrections as c using (report_id)
left join revisions as v using (report_id)
{%- if is_incremental() %}
where not exists (select 1 from {{ this }} as kept where kept.report_id = r.report_id)
{%- endif %}
