-- One row per cell that differs between two versions of a report (int_report_revisions): its
-- old and new value and printed text. Cells as parsed (before corrections): this is what the
-- source changed. change_kind: value (the number changed), text (same number, other printed
-- text), added / removed (the cell exists in one version only).
with pairs as (
    select old_report_id, new_report_id from {{ ref('int_report_revisions') }}
),

-- the current parse's cells of the reports in some pair, picked out of parsed.duckdb's cells
-- first (the whole table would be read twice otherwise: a national warehouse has 160 M cells)
pair_cells as (
    select c.report_id, c.table_key, c.row_key, c.column_key, c.value, c.raw_text
    from {{ source('parsed', 'cells') }} as c
    semi join (select old_report_id as report_id from pairs
               union select new_report_id from pairs) as p on p.report_id = c.report_id
    semi join {{ ref('stg_reports') }} as r
        on r.report_id = c.report_id and r.parser_version = c.parser_version
),

old_cells as (
    select p.old_report_id, p.new_report_id, c.table_key, c.row_key, c.column_key, c.value, c.raw_text
    from pairs as p
    join pair_cells as c on c.report_id = p.old_report_id
),

new_cells as (
    select p.old_report_id, p.new_report_id, c.table_key, c.row_key, c.column_key, c.value, c.raw_text
    from pairs as p
    join pair_cells as c on c.report_id = p.new_report_id
),

compared as (
    select
        coalesce(o.old_report_id, n.old_report_id) as old_report_id,
        coalesce(o.new_report_id, n.new_report_id) as new_report_id,
        coalesce(o.table_key, n.table_key) as table_key,
        coalesce(o.row_key, n.row_key) as row_key,
        coalesce(o.column_key, n.column_key) as column_key,
        o.value as old_value,
        n.value as new_value,
        o.raw_text as old_raw_text,
        n.raw_text as new_raw_text,
        case
            when o.table_key is null then 'added'
            when n.table_key is null then 'removed'
            when o.value is distinct from n.value then 'value'
            when coalesce(o.raw_text, '') <> coalesce(n.raw_text, '') then 'text'
        end as change_kind
    from old_cells as o
    full join new_cells as n
        on n.old_report_id = o.old_report_id and n.new_report_id = o.new_report_id
        and n.table_key = o.table_key and n.row_key = o.row_key and n.column_key = o.column_key
)

select
    c.old_report_id,
    c.new_report_id,
    r.issuer_id,
    r.region_code,
    r.year,
    c.table_key,
    c.row_key,
    c.column_key,
    c.change_kind,
    c.old_value,
    c.new_value,
    c.new_value - c.old_value as difference,
    c.old_raw_text,
    c.new_raw_text,
    r.is_synthetic
from compared as c
join {{ ref('int_reports') }} as r on r.report_id = c.new_report_id
where c.change_kind is not null
