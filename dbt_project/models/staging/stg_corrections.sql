-- The reviewed corrections file (dbt_project/corrections/corrections.csv, or the file
-- $INGEST_CORRECTIONS_FILE names; `python -m ingest build` passes its path as CORRECTIONS_FILE),
-- read as text: int_cell_corrections checks every field and fails the build with one line on a
-- bad one, which a typed seed load could not do. Written by `python -m ingest correct`.
select
    trim(correction_id) as correction_id,
    lower(trim(report_id)) as report_id,
    trim(table_key) as table_key,
    trim(row_key) as row_key,
    trim(column_key) as column_key,
    nullif(trim(corrected_value), '') as corrected_value_text,
    coalesce(printed_value, '') as printed_value,
    nullif(trim(reason), '') as reason,
    nullif(trim(evidence_page), '') as evidence_page_text,
    nullif(trim(evidence_text), '') as evidence_text,
    nullif(trim(corrected_by), '') as corrected_by,
    nullif(trim(corrected_at), '') as corrected_at_text
from read_csv(
    '{{ env_var("CORRECTIONS_FILE", "corrections/corrections.csv") }}',
    header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
    auto_detect = false,
    columns = {
        'correction_id': 'VARCHAR', 'report_id': 'VARCHAR', 'table_key': 'VARCHAR',
        'row_key': 'VARCHAR', 'column_key': 'VARCHAR', 'corrected_value': 'VARCHAR',
        'printed_value': 'VARCHAR', 'reason': 'VARCHAR', 'evidence_page': 'VARCHAR',
        'evidence_text': 'VARCHAR', 'corrected_by': 'VARCHAR', 'corrected_at': 'VARCHAR'
    }
)
