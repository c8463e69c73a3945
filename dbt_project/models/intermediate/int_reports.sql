-- Each current report with its issuer resolved: stable issuer id, level and county-level region.
-- Incremental: only the reports whose source rows changed are rewritten (int_source_changes
-- digests every row read here).
{{ incremental_by_source() }}

select
    r.report_id,
    -- a compact integer for the heavy joins and aggregations over millions of cells (a
    -- 64-character sha256 makes every hash table ten times larger). Derived from the id alone
    -- (60 bits of its md5), so it is the same in every build: incremental builds keep the rows
    -- of unchanged reports, and those must still join. A collision fails the unique test.
    cast(('0x' || left(md5(r.report_id), 15)) as bigint) as report_key,
    -- identity per report (registry source first, then name, alias, 索引号, host); a parsed
    -- file from before report_issuers existed falls back to the name-only match
    coalesce(i.issuer_id, m.issuer_id, 'unmatched:' || coalesce(r.issuer, r.archive_issuer, '?')) as issuer_id,
    r.issuer,
    r.issuer_source,
    r.archive_issuer,
    coalesce(i.issuer_level, m.issuer_level, 'other') as issuer_level,
    case when i.report_id is not null then i.region_code else m.region_code end as region_code,
    coalesce(i.match_method, m.match_method, 'unmatched') as region_match_method,
    coalesce(i.evidence, 'name-only match (parsed before per-report identity)') as region_evidence,
    i.source_code,
    r.year,
    r.year_source,
    r.template,
    r.table3_template,
    -- a report without a recognisable table 3 still has an expected shape: its template's
    coalesce(r.table3_shape,
             case coalesce(r.table3_template, r.template)
                 when '2019' then 'one_row' when '2021' then 'three_rows' end) as table3_shape,
    r.table3_shape is not null as table3_found,
    r.title,
    r.url as source_url,
    coalesce(d.url_count, r.url_count, 1) as source_url_count,
    r.source_id,
    r.report_id as content_sha256,
    r.published_date,
    r.index_no,
    r.info_processing_fee_yuan,
    r.warnings,
    len(coalesce(r.warnings, [])) as warning_count,
    r.source_kind,
    r.encoding,
    r.content_type,
    r.archive_kind,
    coalesce(d.first_seen, r.first_seen) as first_seen,
    r.parser_version,
    r.parsed_at,
    r.is_synthetic
from {{ ref('stg_reports') }} as r
left join {{ ref('stg_report_issuers') }} as i
    on i.report_id = r.report_id and i.parser_version = r.parser_version
left join {{ ref('stg_issuer_matches') }} as m
    on coalesce(r.issuer, '') = m.issuer and coalesce(r.archive_issuer, '') = m.archive_issuer
left join {{ ref('stg_document_versions') }} as d
    on d.report_id = r.report_id
where {{ changed_source('r.report_id') }}
