{{ incremental_by_report() }}
-- One row per printed or expected cell of the current parse of every report: every cell the
-- parser emitted, flagged is_expected when the report's templates call for it
-- (template_expected_cells: table 2 by its template, table 3 by its shape, all of table 4),
-- plus a null row for each expected cell the parse lacks. The contract validation reads
-- (ARCHITECTURE.md Stage 4).
--
-- Millions of rows: the expected cells are matched through a hash join against the small seed,
-- and only reports that lack some expected cell are expanded to look for the missing ones.
with reports as (
    select report_id, report_key, issuer_id, issuer, region_code, year, template, table3_shape
    from {{ ref('int_reports') }}
    where {{ changed_report('report_id') }}
),

seed as (
    select * from {{ ref('template_expected_cells') }}
),

actual as (
    select
        c.report_id,
        c.table_key,
        c.row_key,
        c.column_key,
        c.value,
        c.raw_text,
        c.is_blank,
        c.read_method,
        c.read_confidence,
        c.page_no,
        c.bbox,
        c.raw_text is not null as is_printed,
        e.row_key is not null as is_expected
    from {{ ref('stg_cells') }} as c
    join reports as r on r.report_id = c.report_id
    left join seed as e
        on e.table_key = c.table_key
        and e.row_key = c.row_key
        and e.column_key = c.column_key
        and coalesce(e.template, r.template, '') = coalesce(r.template, '')
        and coalesce(e.table3_shape, r.table3_shape, '') = coalesce(r.table3_shape, '')
),

expected_per_report as (
    select
        r.report_id,
        coalesce(t2.n, 0) + coalesce(t3.n, 0) + (select count(*) from seed where table_key = 'table4') as n
    from reports as r
    left join (select template, count(*) as n from seed where table_key = 'table2' group by template) as t2
        on t2.template = r.template
    left join (select table3_shape, count(*) as n from seed where table_key = 'table3' group by table3_shape) as t3
        on t3.table3_shape = r.table3_shape
),

found_per_report as (
    select report_id, count(*) as n from actual where is_expected group by report_id
),

incomplete as (
    select x.report_id
    from expected_per_report as x
    left join found_per_report as f using (report_id)
    where coalesce(f.n, 0) < x.n
),

missing as (
    select r.report_id, e.table_key, e.row_key, e.column_key
    from reports as r
    semi join incomplete as i on i.report_id = r.report_id
    join seed as e
        on (e.table_key = 'table2' and e.template = r.template)
        or (e.table_key = 'table3' and e.table3_shape = r.table3_shape)
        or e.table_key = 'table4'
    anti join actual as a
        on a.report_id = r.report_id and a.table_key = e.table_key
        and a.row_key = e.row_key and a.column_key = e.column_key
),

cells as (
    select * from actual
    union all
    select report_id, table_key, row_key, column_key,
           cast(null as decimal(24, 6)), cast(null as varchar), false,
           cast(null as varchar), cast(null as double), cast(null as integer), cast(null as double[]),
           false, true
    from missing
)

select
    c.report_id,
    r.report_key,
    r.issuer_id,
    r.issuer,
    r.region_code,
    r.year,
    r.template,
    r.table3_shape,
    c.table_key,
    c.row_key,
    c.column_key,
    -- the corrections layer (int_cell_corrections): a reviewed correction replaces the parsed
    -- value here, once, so every fact and validation reads the corrected value; the parsed
    -- value stays beside it
    cast(case when k.correction_id is not null then k.corrected_value else c.value end
         as decimal(24, 6)) as value,
    cast(c.value as decimal(24, 6)) as parsed_value,
    k.correction_id is not null as is_corrected,
    k.correction_id,
    c.raw_text,
    c.is_blank,
    c.is_printed,
    c.is_expected,
    c.read_method,
    c.read_confidence,
    c.page_no,
    c.bbox
from cells as c
join reports as r on r.report_id = c.report_id
left join {{ ref('int_cell_corrections') }} as k
    on k.report_id = c.report_id and k.table_key = c.table_key
    and k.row_key = c.row_key and k.column_key = c.column_key
