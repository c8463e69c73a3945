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
