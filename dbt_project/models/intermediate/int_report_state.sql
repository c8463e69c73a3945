-- The digests of the reports this build wrote, kept for the next build's int_report_changes.
-- Rewritten only after int_report_changes has read the previous build's copy.
-- depends_on: {{ ref('int_report_changes') }}
select report_id, issuer_id, region_code, year, fingerprint
from {{ ref('int_report_fingerprints') }}
