-- The latest failure of each document, kept only while no parser version has parsed it.
with ranked as (
    select
        *,
        row_number() over (partition by sha256 order by failed_at desc, parser_version desc) as failure_rank
    from {{ source('parsed', 'parse_failures') }}
)

select f.* exclude (failure_rank)
from ranked as f
where failure_rank = 1
    and not exists (select 1 from {{ ref('stg_reports') }} as r where r.report_id = f.sha256)
