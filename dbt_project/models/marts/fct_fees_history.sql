{{ incremental_by_report() }}
-- Grain: report × fee measure. Three measures that must never share a column:
--   fee_amount_yuan      2021 template, 行政事业性收费 本年收费金额, printed in 万元, × 10,000
--   fee_items_prev_year / fee_items_change
--                        2019 template: counts of fee ITEMS, not money
--   info_processing_fee_yuan
--                        section 六: the 信息处理费 charged for disclosure, in yuan
with table2 as (
    select
        {{ fact_keys() }},
        c.template,
        'table2' as source_section,
        case m.kind when 'money' then 'fee_amount_yuan' else 'fee_' || c.column_key end as measure,
        case m.kind when 'money' then 'yuan' else 'items' end as unit,
        case when m.kind = 'money' and m.unit = '万元'
             then cast(c.value * 10000 as decimal(24, 2)) end as amount_yuan,
        case when m.kind <> 'money' then cast(c.value as bigint) end as item_count,
        c.value as printed_value,
        m.unit as printed_unit,
        c.column_key,
        {{ fact_provenance() }}
    {{ fact_cells() }}
    join {{ ref('template_table2_measures') }} as m
        on m.template = c.template and m.row_key = c.row_key and m.column_key = c.column_key
    where c.table_key = 'table2' and m.fact = 'fees' and {{ changed_report('c.report_id') }}
),

section6 as (
    select
        {{ fact_keys('r') }},
        r.template,
        'section6' as source_section,
        'info_processing_fee_yuan' as measure,
        'yuan' as unit,
        cast(r.info_processing_fee_yuan as decimal(24, 2)) as amount_yuan,
        cast(null as bigint) as item_count,
        cast(r.info_processing_fee_yuan as decimal(24, 6)) as printed_value,
        '元' as printed_unit,
        cast(null as varchar) as column_key,
        cast(null as decimal(24, 6)) as parsed_value,
        false as is_corrected,
        cast(null as varchar) as correction_id,
        n.raw_text,
        false as is_blank,
        r.info_processing_fee_yuan is not null as is_printed,
        -- stated in the running text of section 六 (no cell, no page geometry)
        case when n.raw_text is not null then 'printed' end as read_method,
        {{ version_columns('v') }}
    from {{ ref('int_reports') }} as r
    {{ join_versions('r') }}
    left join {{ ref('int_narrative_facts') }} as n
        on n.report_id = r.report_id and n.fact_key = 'info_processing_fee_yuan'
    where r.info_processing_fee_yuan is not null and {{ changed_report('r.report_id') }}
)

select * from table2
union all by name
select * from section6
