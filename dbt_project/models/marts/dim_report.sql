{{ incremental_by_report() }}
-- One row per report in the warehouse (the current parse of one archived document), every
-- version: is_current says whether it is its report's current version.
with cell_counts as (
    select
        report_id,
        count(*) filter (where is_expected) as cells_expected,
        count(*) filter (where is_expected and is_printed) as cells_printed,
        count(*) filter (where value is not null) as cells_with_value,
        count(*) filter (where is_blank) as cells_blank,
        {%- for t in ['table2', 'table3', 'table4'] %}
        count(*) filter (where table_key = '{{ t }}' and is_printed) as {{ t }}_printed,
        {%- endfor %}
    from {{ ref('int_report_cells') }}
    where {{ changed_report('report_id') }}
    group by report_id
)

select
    r.report_id,
    r.issuer_id,
    r.issuer,
    r.issuer_source,
    r.issuer_level,
    r.region_code,
    r.region_match_method,
    r.region_evidence,
    r.year,
    r.year_source,
    r.template,
    r.table3_template,
    r.table3_shape,
    r.table3_found,
    r.title,
    r.source_url,
    r.source_url_count,
    r.source_id,
    r.content_sha256,
    r.published_date,
    r.index_no,
    r.info_processing_fee_yuan,
    r.warnings,
    r.warning_count,
    r.source_kind,
    r.encoding,
    r.archive_kind,
    r.first_seen,
    coalesce(c.cells_expected, 0) as cells_expected,
    coalesce(c.cells_printed, 0) as cells_printed,
    coalesce(c.cells_with_value, 0) as cells_with_value,
    coalesce(c.cells_blank, 0) as cells_blank,
    -- tables the report prints (the parse found the section, with figures under its heading) of
    -- which the parser read no cell: ours to fix, never a finding against the publisher; the
    -- parser's warnings about them say why
    {{ unread_tables('r.warnings', 'c') }} as tables_unread,
    nullif(array_to_string(list_filter(coalesce(r.warnings, []),
        lambda w: list_contains({{ unread_tables('r.warnings', 'c') }}, split_part(split_part(w, ':', 1), ' ', 1))), '; '), '')
        as unread_reason,
    r.parser_version,
    r.parsed_at,
    r.is_synthetic,
    -- whether a newer version replaced this report at its source, and which (int_report_versions)
    v.is_current,
    v.superseded_by
from {{ ref('int_reports') }} as r
join {{ ref('int_report_versions') }} as v using (report_id)
left join cell_counts as c using (report_id)
where {{ changed_report('r.report_id') }}
