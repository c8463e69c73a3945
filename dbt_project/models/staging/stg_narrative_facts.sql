select n.*
from {{ source('parsed', 'narrative_facts') }} as n
semi join {{ ref('stg_reports') }} as r
    on n.report_id = r.report_id and n.parser_version = r.parser_version
