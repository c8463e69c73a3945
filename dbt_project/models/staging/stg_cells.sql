-- Cells of the current parse only (the parse stg_reports picked for each document).
select c.*
from {{ source('parsed', 'cells') }} as c
semi join {{ ref('stg_reports') }} as r
    on c.report_id = r.report_id and c.parser_version = r.parser_version
