{{ incremental_by_report() }}
-- Grain: report × permit_item (table-2 row) × measure (table-2 column of the report's template).
-- 行政许可 (and, in the 2019 template, 其他对外管理服务事项) under 第二十条第（五）项.
select
    c.report_id,
    c.issuer_id,
    c.region_code,
    c.year,
    c.template,
    c.row_key as permit_item,
    m.row_zh as permit_item_zh,
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
where c.table_key = 'table2' and m.fact = 'permits' and {{ changed_report('c.report_id') }}
