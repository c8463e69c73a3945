{{ incremental_by_report(batched=true) }}
-- Grain: report × applicant type (the six detail columns) × detail outcome row. Printed totals
-- (总计 column, （七）总计 row, subtotals) live in fct_application_totals and are never summed
-- here; intake rows (new / carried over / carried forward) live in fct_application_intake.
-- Built in batches of reports at national size (macros/report_batches.sql), and then after
-- fct_application_totals, never beside it: the two together overflow the memory limit. Beside it
-- when the warehouse holds half a batch of reports or less (ingest/load/build.big_facts_apart).
{% if env_var('WAREHOUSE_BIG_FACTS_APART', '1') != '0' -%}
-- depends_on: {{ ref('fct_application_totals_history') }}
{% endif -%}
select
    {{ fact_keys() }},
    c.table3_shape,
    c.column_key as applicant_type,
    c.row_key as outcome_key,
    o.outcome_group,
    cast(c.value as bigint) as applications,
    {{ fact_provenance() }}
{{ fact_cells() }}
join {{ ref('template_applicant_types') }} as a
    on a.applicant_type = c.column_key and a.is_detail
join {{ ref('template_table3_rows') }} as o
    on o.row_key = c.row_key and o.is_detail_outcome
where c.table_key = 'table3' and {{ changed_report('c.report_id') }}
    and {{ report_batch('c.report_key') }}
