-- Where the build's data tests start (macros/tests.sql: every test depends on this view, and
-- no model does). dbt build holds a model back until the tests of its parents pass, but only
-- when the model descends from every parent of the test: with this view among each test's
-- parents, no test holds back a model, and the tests run while int_report_cells, which comes
-- right after int_report_changes, keeps DuckDB busy and leaves the Python side of dbt idle,
-- instead of one by one on the way to it. Nothing is published unless every test passed
-- (ingest build). A view: the changes of this build, counted, cost nothing until read.
{{ config(materialized='view') }}
select change, count(*) as reports
from {{ ref('int_report_changes') }}
group by change
