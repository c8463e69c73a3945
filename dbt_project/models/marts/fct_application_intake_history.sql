{{ incremental_by_report() }}
-- Grain: report × applicant type (six detail columns) × intake measure: 一、本年新收 (new),
-- 二、上年结转 (carried_over), 四、结转下年度继续办理 (carry_forward).
select
    {{ fact_keys() }},
    c.column_key as applicant_type,
    c.row_key as intake_measure,
    r.name_zh as intake_measure_zh,
    cast(c.value as bigint) as applications,
    {{ fact_provenance() }}
{{ fact_cells() }}
join {{ ref('template_applicant_types') }} as a
    on a.applicant_type = c.column_key and a.is_detail
join {{ ref('template_table3_rows') }} as r
    on r.row_key = c.row_key and r.section in ('intake', 'carry_forward')
where c.table_key = 'table3' and {{ changed_report('c.report_id') }}
