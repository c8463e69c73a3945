-- Incremental: only the reports whose source rows changed are rewritten (int_source_changes).
{{ incremental_by_source() }}

select
    report_id,
    parser_version,
    issuer,
    issuer_id,
    issuer_level,
    region_code,
    match_method,
    evidence,
    source_code
from {{ source('parsed', 'report_issuers') }}
where {{ changed_source('report_id') }}
