{{ incremental_by_report() }}
select
    n.report_id,
    n.fact_key,
    n.value,
    n.raw_text,
    n.parser_version
from {{ ref('stg_narrative_facts') }} as n
where {{ changed_report('n.report_id') }}
