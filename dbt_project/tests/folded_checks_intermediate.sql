-- The checks of the intermediate tables that `ingest build` runs folded: one node, one query
-- (macros/folded_checks.sql says which and why). Every table checked here, and every table a
-- relationship check reads, is a dependency below; the build stops, naming it, if one is missing.
-- depends_on: {{ ref('int_cell_corrections') }}
-- depends_on: {{ ref('int_coverage_documents') }}
-- depends_on: {{ ref('int_coverage_sources') }}
-- depends_on: {{ ref('int_regions') }}
-- depends_on: {{ ref('int_report_changes') }}
-- depends_on: {{ ref('int_report_fingerprints') }}
-- depends_on: {{ ref('int_report_revisions') }}
-- depends_on: {{ ref('int_report_state') }}
-- depends_on: {{ ref('int_report_versions') }}
-- depends_on: {{ ref('int_reports') }}
-- depends_on: {{ ref('int_source_changes') }}
-- depends_on: {{ ref('int_checks_start') }}

{{ folded_checks('intermediate') }}
