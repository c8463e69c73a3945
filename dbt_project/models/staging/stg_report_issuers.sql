-- The rows of the reports in the parse (stg_reports): a row whose report left parsed.duckdb is
-- no one's. Incremental: only the reports whose source rows changed are rewritten
-- (int_source_changes), so an incremental build keeps exactly the rows a full build would.
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
    and report_id in (select report_id from {{ ref('stg_reports') }})
