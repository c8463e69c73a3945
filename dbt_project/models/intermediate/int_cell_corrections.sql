-- The reviewed corrections (stg_corrections), each checked against the report it names, ready
-- to be laid over the parsed cells by int_report_cells. The archive and the parse are never
-- changed: a correction is a row here, and every fact row says whether it was corrected.
--
-- A correction must still match its report: the report has no newer version, the cell exists
-- (printed, or expected by the report's template), and the warehouse holds exactly the printed
-- text the correction says it corrects. Anything else fails the build
-- with one line naming the correction (DuckDB's error() below), so a correction never silently
-- lands on a revised report or on a cell that now reads differently. A correction of a report
-- this archive does not hold is kept with status report_not_archived and applies to nothing.
with c as (
    select * from {{ ref('stg_corrections') }}
),

latest_revision as (
    select old_report_id, arg_max(new_report_id, new_first_seen) as new_report_id,
           max(new_first_seen) as new_first_seen
    from {{ ref('int_report_revisions') }}
    group by old_report_id
),

reports as (
    select report_id, template, table3_shape from {{ ref('int_reports') }}
),

printed as (
    select k.report_id, k.table_key, k.row_key, k.column_key, k.value, k.raw_text
    from {{ ref('stg_cells') }} as k
    semi join c on c.report_id = k.report_id
),

expected as (
    select r.report_id, e.table_key, e.row_key, e.column_key
    from reports as r
    semi join c on c.report_id = r.report_id
    join {{ ref('template_expected_cells') }} as e
        on (e.table_key = 'table2' and e.template = r.template)
        or (e.table_key = 'table3' and e.table3_shape = r.table3_shape)
        or e.table_key = 'table4'
),

checked as (
    select
        c.*,
        try_cast(replace(c.corrected_value_text, ',', '') as decimal(24, 6)) as corrected_value,
        try_cast(c.evidence_page_text as integer) as evidence_page,
        try_cast(c.corrected_at_text as date) as corrected_at,
        r.report_id is not null as report_found,
        v.new_report_id as revised_by,
        v.new_first_seen as revised_at,
        p.raw_text as parsed_raw_text,
        p.value as parsed_value,
        p.report_id is not null or e.report_id is not null as cell_found,
        count(*) over (partition by c.report_id, c.table_key, c.row_key, c.column_key) as copies,
        count(*) over (partition by c.correction_id) as id_copies
    from c
    left join reports as r on r.report_id = c.report_id
    left join latest_revision as v on v.old_report_id = c.report_id
    left join printed as p
        on p.report_id = c.report_id and p.table_key = c.table_key
        and p.row_key = c.row_key and p.column_key = c.column_key
    left join expected as e
        on e.report_id = c.report_id and e.table_key = c.table_key
        and e.row_key = c.row_key and e.column_key = c.column_key
),

problems as (
    select
        *,
        case
            when correction_id is null
                then 'a row without a correction_id (report ' || coalesce(report_id, '?') || ')'
            when id_copies > 1 then 'the correction_id is used ' || id_copies || ' times'
            when report_id is null or table_key is null or row_key is null or column_key is null
                then 'report_id, table_key, row_key and column_key are all required'
            when reason is null then 'no reason given'
            when corrected_by is null then 'no corrected_by given'
            when corrected_at is null
                then 'corrected_at ' || coalesce('''' || corrected_at_text || '''', 'is empty')
                     || ': not a date (YYYY-MM-DD)'
            when evidence_page_text is not null and evidence_page is null
                then 'evidence_page ''' || evidence_page_text || ''' is not a page number'
            when corrected_value_text is not null and corrected_value is null
                then 'corrected_value ''' || corrected_value_text || ''' is not a number'
            when revised_by is not null
                then 'report ' || left(report_id, 12) || ' was revised: its source published version '
                     || left(revised_by, 12) || ' (first seen ' || strftime(revised_at, '%Y-%m-%d')
                     || '); check the cell in the new version and point the correction at it'
            -- a report this archive never held (the file serves every deployment, a fresh
            -- clone holds only the snapshot): nothing to check or apply here
            when not report_found then null
            when not cell_found
                then 'report ' || left(report_id, 12) || ' has no cell ' || table_key || '.' || row_key
                     || '.' || column_key
            when coalesce(parsed_raw_text, '') <> printed_value
                then 'report ' || left(report_id, 12) || ' ' || table_key || '.' || row_key || '.'
                     || column_key || ' reads ' || coalesce('''' || parsed_raw_text || '''', 'nothing')
                     || ', but the correction says it printed ''' || printed_value || ''''
            when copies > 1
                then 'another correction names the same cell ' || table_key || '.' || row_key || '.'
                     || column_key || ' of report ' || left(report_id, 12)
        end as problem
    from checked
),

failing as (
    select
        *,
        count(problem) over () as problem_count,
        row_number() over (partition by problem is null order by correction_id) as problem_rank
    from problems
)

select
    correction_id,
    report_id,
    table_key,
    row_key,
    column_key,
    corrected_value,
    parsed_value,
    printed_value,
    reason,
    evidence_page,
    evidence_text,
    corrected_by,
    corrected_at,
    case when report_found then 'applied' else 'report_not_archived' end as status
from failing
-- the first problem (by correction id) stops the build, naming how many more there are
where case
    when problem is not null and problem_rank = 1
        then error('corrections file: correction ' || coalesce(correction_id, '?') || ': ' || problem
                   || case when problem_count > 1 then ' (+' || (problem_count - 1) || ' more)' else '' end)
    else problem is null
end
