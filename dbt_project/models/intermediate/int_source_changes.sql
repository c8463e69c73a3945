-- The reports whose source rows changed since the previous build: the rows staging and
-- int_reports are made of (the newest parse in parsed.duckdb, the report's issuer rows, the
-- issuer match of its names, its archive URL count and first sighting), digested per report and
-- compared with the previous build's digests (int_report_sources, read here by name before this
-- build rewrites it). The source-grain models (macros/incremental.sql, incremental_by_source)
-- rewrite these reports only. A parse is identified by (report_id, parser_version, parsed_at):
-- the loader never rewrites one in place (parsed.duckdb is append-only; report_issuers and
-- issuer_matches are upserted, so their rows are digested whole). In a full build every report
-- is 'added'. A record of one build, like int_report_changes.
{%- set previous = adapter.get_relation(database=this.database, schema=this.schema,
                                        identifier='int_report_sources') if execute else none %}
{%- set incremental = previous is not none and is_incremental_build() %}

with parses as (
    select report_id, parser_version, parsed_at, issuer, archive_issuer
    from {{ source('parsed', 'reports') }}
    qualify row_number() over (partition by report_id order by parsed_at desc, parser_version desc) = 1
),

issuers as (
    select report_id,
           -- one row per parser version: combined in no particular order
           {{ unordered_digest(row_text(source('parsed', 'report_issuers'), 'i')) }} as digest
    from {{ source('parsed', 'report_issuers') }} as i
    group by report_id
),

current_state as (
    select
        p.report_id,
        md5(p.parser_version || '|' || cast(p.parsed_at as varchar) || '|' || coalesce(i.digest, '')
            || '|' || case when m.issuer is not null then md5({{ row_text(ref('stg_issuer_matches'), 'm') }}) else '' end
            || '|' || coalesce(cast(d.url_count as varchar), '') || '|' || coalesce(cast(d.first_seen as varchar), ''))
            as source_digest
    from parses as p
    left join issuers as i using (report_id)
    left join {{ ref('stg_issuer_matches') }} as m
        on coalesce(p.issuer, '') = m.issuer and coalesce(p.archive_issuer, '') = m.archive_issuer
    left join {{ ref('stg_document_versions') }} as d on d.report_id = p.report_id
),

{{ state_changes(previous if incremental else none, 'source_digest', ['source_digest']) }}
