{#
  Report batches: the largest report-grain models built in slices of reports
  (ARCHITECTURE.md, "Incremental builds" → "Batches").

  Why: a full build of fct_application_totals at 805,000 reports groups about 100 M detail
  sums and joins them to the printed totals; DuckDB spills what does not fit in
  WAREHOUSE_MEMORY_LIMIT, and at that size the spill of this model and its neighbour filled
  55 GB of disk. Every row of these models depends on one report only, so the work splits by
  report without changing a single row: batch i takes the reports whose report_key mod n is i.
  Memory and spill are then bounded by the batch, not by the country.

  How: the model's filter `{{ report_batch('c.report_key') }}` renders, in a full build of more
  than one batch, the predicate of batch 0 with a marker; the table is created from it, and the
  post-hook `insert_report_batches` (added by `incremental_by_report(batched=true)`) appends
  batches 1 … n-1 from the same compiled SQL with the marker's batch number replaced. An
  incremental build reads only the changed reports: one batch, the filter renders `true`.

  n = ceil(reports / WAREHOUSE_REPORT_BATCH), the batch size in reports (default 50,000). Measured
  at 805,000 reports with memory_limit 3 GB: one batch of 89,000 reports alone fits (some spill);
  17 batches of 47,000 take the same total time as 9 (the repeated scans are cheap next to the
  per-report work) with half the memory, which leaves room for the model dbt runs beside it.
  One batch (the predicate `true`) below the batch size, so small warehouses compile as before.

  The two batched models also never run side by side (fct_applications depends on
  fct_application_totals): two of them writing at once within 3 GB failed with "Out of Memory:
  failed to pin block" even in batches, where either alone succeeded. Except in a warehouse of
  half a batch of reports or less (WAREHOUSE_BIG_FACTS_APART=0, set by ingest build): the two
  together then read no more reports than one batch alone.
#}

{% macro report_batch_count() -%}
{#- ref() before any return: dbt records the model's dependency on int_reports while parsing -#}
{%- set reports_relation = ref('int_reports') -%}
{%- if not execute or is_incremental() -%}{{ return(1) }}{%- endif -%}
{%- set size = env_var('WAREHOUSE_REPORT_BATCH', '50000') | int -%}
{%- if size < 1 -%}{{ exceptions.raise_compiler_error('WAREHOUSE_REPORT_BATCH must be a positive number of reports') }}{%- endif -%}
{%- set reports = run_query('select count(*) from ' ~ reports_relation).columns[0].values()[0] -%}
{{ return([(reports + size - 1) // size, 1] | max) }}
{%- endmacro %}

{# The filter of batch 0 (the others are made from it by insert_report_batches); `true` when one batch. #}
{% macro report_batch(column) -%}
{%- set n = report_batch_count() -%}
{%- if n > 1 -%}
({{ column }} % {{ n }} = 0 /* report batch */)
{%- else -%}
true
{%- endif -%}
{%- endmacro %}

{#
  Post-hook: append batches 1 … n-1. It finds n in the compiled SQL rather than asking again:
  once the table exists, is_incremental() would be true here and the count would say one batch.
  One batch: nothing (dbt runs no statement for an empty hook).
#}
{% macro insert_report_batches() -%}
{#- compiled_code is none while dbt parses the project -#}
{%- set marker = modules.re.search('% (\\d+) = 0 /\\* report batch \\*/', compiled_code or '') -%}
{%- if marker is not none -%}
{%- set n = marker.group(1) | int -%}
{%- for i in range(1, n) %}
insert into {{ this }}
{{ compiled_code.replace('% ' ~ n ~ ' = 0 /* report batch */', '% ' ~ n ~ ' = ' ~ i ~ ' /* report batch */') }};
{%- endfor -%}
{%- endif -%}
{%- endmacro %}
