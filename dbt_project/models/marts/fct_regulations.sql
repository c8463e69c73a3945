{{ incremental_by_report() }}
-- Grain: report × document_kind (table-2 row) × measure (table-2 column of the report's template).
-- 规章 and (行政)规范性文件 under 第二十条第（一）项, with either template's measures (2021: issued / repealed / in force; 2019: made / published / total published).
select
    c.report_id,
    c.issuer_id,
    c.region_code,
    c.year,
    c.template,
    c.row_key as document_kind,
    m.row_zh as document_kind_zh,
    c.column_key as measure,
    m.column_zh as measure_zh,
    m.kind as measure_kind,
    cast(c.value as bigint) as value,
    c.parsed_value,
    c.is_corrected,
    c.correction_id,
    c.raw_text,
    c.is_blank,
    c.is_printed,
    c.read_method,
    c.read_confidence,
    c.page_no,
    c.bbox,
    rep.source_url,
    rep.is_synthetic
from {{ ref('int_report_cells') }} as c
join {{ ref('int_reports') }} as rep on rep.report_key = c.report_key
join {{ ref('template_table2_measures') }} as m
    on m.template = c.template and m.row_key = c.row_key and m.column_key = c.column_key
where c.table_key = 'table2' and m.fact = 'regulations' and {{ changed_report('c.report_id') }}
