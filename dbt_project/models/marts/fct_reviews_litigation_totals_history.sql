{{ incremental_by_report() }}
-- The printed 总计 of each proceeding of table 4, beside the sum of its four results.
with detail as (
    select report_id, proceeding, sum(cases) as computed_from_detail, count(cases) as detail_cells_with_value
    from {{ ref('fct_reviews_litigation_history') }}
    where {{ changed_report('report_id') }}
    group by report_id, proceeding
)

select
    {{ fact_keys() }},
    c.row_key as proceeding,
    cast(c.value as bigint) as printed_total,
    cast(d.computed_from_detail as bigint) as computed_from_detail,
    d.detail_cells_with_value,
    cast(c.value - d.computed_from_detail as bigint) as difference,
    {{ fact_provenance() }}
{{ fact_cells() }}
join {{ ref('template_table4_cells') }} as t
    on t.proceeding = c.row_key and t.result = c.column_key and t.is_total
left join detail as d on d.report_id = c.report_id and d.proceeding = c.row_key
where c.table_key = 'table4' and {{ changed_report('c.report_id') }}
