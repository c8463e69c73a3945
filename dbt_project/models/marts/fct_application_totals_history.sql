{{ incremental_by_report(batched=true) }}
-- Printed totals and subtotals of table 3, for checks only, beside the sum of the detail cells
-- they should equal. Never add these to fct_applications.
--
-- A total spans rows (its own detail/intake row; every detail outcome row for （七）总计; its
-- group's outcome rows for a subtotal row) and columns (its own; all six for 总计; its group's
-- for 小计). The sums for every such span are computed in one pass over the detail cells with
-- GROUPING SETS, and each printed total is joined to the set that matches its span.
--
-- At national size this is the heaviest model (about 100 M sums): a full build makes it in
-- batches of reports (macros/report_batches.sql).
with rows_ as (select * from {{ ref('template_table3_rows') }}),
cols as (select * from {{ ref('template_applicant_types') }}),

-- the cells of table 3 with the attributes of their row and column; the detail cells feed the
-- sums, the others are the printed totals. Not materialised: read twice, once per use, rather
-- than written out whole with its text columns.
t3 as not materialized (
    select
        c.*,
        r.section, r.outcome_group, r.is_subtotal, r.is_detail_outcome,
        a.applicant_group, a.is_detail as detail_column,
        (r.is_detail_outcome or r.section in ('intake', 'carry_forward')) as detail_row
    from {{ ref('int_report_cells') }} as c
    join rows_ as r on r.row_key = c.row_key
    join cols as a on a.applicant_type = c.column_key
    where c.table_key = 'table3' and {{ changed_report('c.report_id') }}
        and {{ report_batch('c.report_key') }}
),

sums as (
    select
        report_key, row_key, outcome_group, column_key, applicant_group,
        grouping(row_key, outcome_group, column_key, applicant_group) as span_set,
        sum(value) as sum_rows,
        count(value) as n_rows,
        sum(value) filter (where is_detail_outcome) as sum_outcomes,
        count(value) filter (where is_detail_outcome) as n_outcomes
    from t3
    where detail_column and detail_row
    group by grouping sets (
        (report_key, row_key),
        (report_key, row_key, applicant_group),
        (report_key, column_key),
        (report_key, applicant_group),
        (report_key),
        (report_key, outcome_group, column_key),
        (report_key, outcome_group, applicant_group),
        (report_key, outcome_group)
    )
),

totals as (
    select
        t.*,
        -- the span of this printed total, as the grouping set that sums it
        case when t.detail_row then t.row_key end as span_row,
        case when t.is_subtotal then t.outcome_group end as span_group,
        case when t.detail_column then t.column_key end as span_column,
        case when not t.detail_column and t.applicant_group <> 'total' then t.applicant_group end as span_applicant_group
    from t3 as t
    where not (t.detail_column and t.detail_row)
)

select
    {{ fact_keys('t') }},
    t.table3_shape,
    t.row_key,
    t.column_key,
    case
        when t.is_subtotal or t.span_applicant_group is not null then 'subtotal'
        when t.section = 'handled_total' and t.applicant_group = 'total' then 'grand_total'
        when t.section = 'handled_total' then 'outcome_total'
        else 'applicant_total'
    end as total_kind,
    cast(t.value as bigint) as printed_total,
    cast(case when t.detail_row then s.sum_rows else s.sum_outcomes end as bigint) as computed_from_detail,
    case when t.detail_row then s.n_rows else s.n_outcomes end as detail_cells_with_value,
    cast(t.value - case when t.detail_row then s.sum_rows else s.sum_outcomes end as bigint) as difference,
    {{ fact_provenance('t') }}
from totals as t
{{ join_versions('t') }}
left join sums as s
    on s.report_key = t.report_key
    and s.span_set = (case when t.span_row is null then 8 else 0 end
                      + case when t.span_group is null then 4 else 0 end
                      + case when t.span_column is null then 2 else 0 end
                      + case when t.span_applicant_group is null then 1 else 0 end)
    and s.row_key is not distinct from t.span_row
    and s.outcome_group is not distinct from t.span_group
    and s.column_key is not distinct from t.span_column
    and s.applicant_group is not distinct from t.span_applicant_group
