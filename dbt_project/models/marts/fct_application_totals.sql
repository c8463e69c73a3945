-- Printed totals and subtotals of table 3, for checks only, beside the sum of the detail cells
-- they should equal. Never add these to fct_applications.
with rows_ as (select * from {{ ref('template_table3_rows') }}),
cols as (select * from {{ ref('template_applicant_types') }}),

-- Which detail rows each row spans: itself (detail/intake rows), every detail outcome row
-- (（七）总计), or its group's detail rows (a subtotal row).
row_span as (
    select row_key, row_key as detail_row_key from rows_
    where is_detail_outcome or section in ('intake', 'carry_forward')
    union all
    select t.row_key, d.row_key from rows_ as t join rows_ as d on d.is_detail_outcome
    where t.section = 'handled_total'
    union all
    select t.row_key, d.row_key from rows_ as t
    join rows_ as d on d.is_detail_outcome and d.outcome_group = t.outcome_group
    where t.is_subtotal
),

-- Which detail columns each column spans: itself, all six (总计), or its group's (小计).
col_span as (
    select applicant_type, applicant_type as detail_column from cols where is_detail
    union all
    select t.applicant_type, d.applicant_type from cols as t join cols as d on d.is_detail
    where t.applicant_group = 'total'
    union all
    select t.applicant_type, d.applicant_type from cols as t
    join cols as d on d.is_detail and d.applicant_group = t.applicant_group
    where not t.is_detail and t.applicant_group <> 'total'
),

t3 as (
    select c.*
    from {{ ref('int_report_cells') }} as c
    where c.table_key = 'table3'
),

totals as (
    select t.*, r.section, r.is_subtotal, a.applicant_group, a.is_detail as detail_column
    from t3 as t
    join rows_ as r on r.row_key = t.row_key
    join cols as a on a.applicant_type = t.column_key
    where not (a.is_detail and (r.is_detail_outcome or r.section in ('intake', 'carry_forward')))
),

computed as (
    select
        t.report_id, t.row_key, t.column_key,
        sum(d.value) as computed_from_detail,
        count(d.value) as detail_cells_with_value
    from totals as t
    join row_span as rs on rs.row_key = t.row_key
    join col_span as cs on cs.applicant_type = t.column_key
    join t3 as d
        on d.report_id = t.report_id and d.row_key = rs.detail_row_key and d.column_key = cs.detail_column
    group by t.report_id, t.row_key, t.column_key
)

select
    t.report_id,
    t.issuer_id,
    t.region_code,
    t.year,
    t.table3_shape,
    t.row_key,
    t.column_key,
    case
        when t.is_subtotal or (not t.detail_column and t.applicant_group <> 'total') then 'subtotal'
        when t.section = 'handled_total' and t.applicant_group = 'total' then 'grand_total'
        when t.section = 'handled_total' then 'outcome_total'
        else 'applicant_total'
    end as total_kind,
    cast(t.value as bigint) as printed_total,
    cast(c.computed_from_detail as bigint) as computed_from_detail,
    c.detail_cells_with_value,
    cast(t.value - c.computed_from_detail as bigint) as difference,
    t.raw_text,
    t.is_blank,
    t.is_printed,
    t.source_url
from totals as t
left join computed as c using (report_id, row_key, column_key)
