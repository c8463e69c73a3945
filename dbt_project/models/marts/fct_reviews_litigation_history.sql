{{ incremental_by_report() }}
-- Grain: report × proceeding (行政复议 / 未经复议直接起诉 / 复议后起诉) × result (维持 / 纠正 /
-- 其他 / 尚未审结). The printed 总计 of each proceeding is in fct_reviews_litigation_totals.
select
    {{ fact_keys() }},
    c.row_key as proceeding,
    t.proceeding_zh,
    c.column_key as result,
    t.result_zh,
    cast(c.value as bigint) as cases,
    {{ fact_provenance() }}
{{ fact_cells() }}
join {{ ref('template_table4_cells') }} as t
    on t.proceeding = c.row_key and t.result = c.column_key and not t.is_total
where c.table_key = 'table4' and {{ changed_report('c.report_id') }}
