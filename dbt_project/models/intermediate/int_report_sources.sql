-- The source digests of the reports this build read (int_source_changes), kept for the next
-- build's int_source_changes. Rewritten only after int_source_changes has read the previous
-- build's copy.
{{ incremental_by_source() }}

select report_id, source_digest
from {{ ref('int_source_changes') }}
where change <> 'removed'
