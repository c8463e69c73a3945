-- One row per printed or expected cell of the current parse of every report: the cells the
-- report's templates call for (template_expected_cells: table 2 by its template, table 3 by its
-- shape, all of table 4), plus any extra cell the parser found (subtotals of local variants).
-- The contract validation reads (ARCHITECTURE.md Stage 4).
with reports as (
    select report_id, issuer_id, issuer, region_code, year, template, table3_shape, source_url,
           parser_version
    from {{ ref('int_reports') }}
),

expected as (
    select r.report_id, e.table_key, e.row_key, e.column_key
    from reports as r
    join {{ ref('template_expected_cells') }} as e
        on e.table_key = 'table2' and e.template = r.template
    union all
    select r.report_id, e.table_key, e.row_key, e.column_key
    from reports as r
    join {{ ref('template_expected_cells') }} as e
        on e.table_key = 'table3' and e.table3_shape = r.table3_shape
    union all
    select r.report_id, e.table_key, e.row_key, e.column_key
    from reports as r
    join {{ ref('template_expected_cells') }} as e
        on e.table_key = 'table4'
),

cells as (
    select
        coalesce(c.report_id, e.report_id) as report_id,
        coalesce(c.table_key, e.table_key) as table_key,
        coalesce(c.row_key, e.row_key) as row_key,
        coalesce(c.column_key, e.column_key) as column_key,
        c.value,
        c.raw_text,
        coalesce(c.is_blank, false) as is_blank,
        c.raw_text is not null as is_printed,
        e.report_id is not null as is_expected
    from {{ ref('stg_cells') }} as c
    full outer join expected as e
        on c.report_id = e.report_id
        and c.table_key = e.table_key
        and c.row_key = e.row_key
        and c.column_key = e.column_key
)

select
    c.report_id,
    r.issuer_id,
    r.issuer,
    r.region_code,
    r.year,
    r.template,
    r.table3_shape,
    c.table_key,
    c.row_key,
    c.column_key,
    cast(c.value as decimal(24, 6)) as value,
    c.raw_text,
    c.is_blank,
    c.is_printed,
    c.is_expected,
    r.source_url,
    r.parser_version
from cells as c
join reports as r on r.report_id = c.report_id
