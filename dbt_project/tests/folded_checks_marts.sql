-- The checks of the marts tables that `ingest build` runs folded: one node, one query
-- (macros/folded_checks.sql says which and why). Every table checked here, and every table a
-- relationship check reads, is a dependency below; the build stops, naming it, if one is missing.
-- depends_on: {{ ref('dim_applicant_type') }}
-- depends_on: {{ ref('dim_issuer') }}
-- depends_on: {{ ref('dim_outcome') }}
-- depends_on: {{ ref('dim_region') }}
-- depends_on: {{ ref('dim_table2_measure') }}
-- depends_on: {{ ref('mart_report_revisions') }}
-- depends_on: {{ ref('mart_revision_cells') }}
-- depends_on: {{ ref('int_checks_start') }}

{{ folded_checks('marts') }}
