-- The digests of the reports this build wrote, kept for the next build's int_report_changes
-- and its int_report_fingerprints (`linked`, `units_digest`: the digests it recomputes whatever
-- the sources do). Rewritten only after int_report_changes has read the previous build's copy;
-- incremental: the changed reports' rows only.
{{ incremental_by_report() }}

select report_id, issuer_id, region_code, year, fingerprint, linked, units_digest
from {{ ref('int_report_fingerprints') }}
where {{ changed_report('report_id') }}
