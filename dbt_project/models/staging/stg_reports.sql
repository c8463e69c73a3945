-- The newest successful parse of each document. Older parser versions stay in parsed.duckdb
-- for comparison; a document a newer version fails on keeps its last good parse. Incremental:
-- only the reports whose source rows changed are rewritten (int_source_changes).
{{ incremental_by_source() }}

with ranked as (
    select
        *,
        row_number() over (
            partition by report_id order by parsed_at desc, parser_version desc
        ) as parse_rank
    from {{ source('parsed', 'reports') }}
    where {{ changed_source('report_id') }}
)

select * exclude (parse_rank)
from ranked
where parse_rank = 1
