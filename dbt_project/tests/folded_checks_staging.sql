-- The checks of the seeds' and staging tables that `ingest build` runs folded: one node, one query
-- (macros/folded_checks.sql says which and why). Every table checked here, and every table a
-- relationship check reads, is a dependency below; the build stops, naming it, if one is missing.
-- depends_on: {{ ref('regions') }}
-- depends_on: {{ ref('stg_document_versions') }}
-- depends_on: {{ ref('template_table3_rows') }}
-- depends_on: {{ ref('stg_issuer_matches') }}
-- depends_on: {{ ref('stg_parse_failures') }}
-- depends_on: {{ ref('stg_report_issuers') }}
-- depends_on: {{ ref('stg_reports') }}
-- depends_on: {{ source('parsed', 'issuer_matches') }}
-- depends_on: {{ source('parsed', 'report_issuers') }}
-- depends_on: {{ source('parsed', 'reports') }}
-- depends_on: {{ ref('int_checks_start') }}

{{ folded_checks('staging') }}
