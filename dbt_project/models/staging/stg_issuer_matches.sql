select
    issuer,
    archive_issuer,
    issuer_id,
    issuer_level,
    region_code,
    match_method,
    region_dataset
from {{ source('parsed', 'issuer_matches') }}
