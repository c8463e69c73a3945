{#
  What every fact shares (ARCHITECTURE.md, "Current versions and history"): one definition, so a
  new provenance column is one edit here.

  fct_<fact>_history   a table, one row per cell of every version of every report, incremental
                       at report grain; `is_current` / `superseded_by` say whether the row's
                       report is its current version (int_report_versions).
  fct_<fact>           a view of the history's current versions: what an analyst adds up.
#}

{# The report keys every fact row starts with. #}
{% macro fact_keys(c='c') -%}
    {{ c }}.report_id,
    {{ c }}.issuer_id,
    {{ c }}.region_code,
    {{ c }}.year
{%- endmacro %}

{# How the cell was read and corrected (int_report_cells). #}
{% macro cell_provenance(c='c') -%}
    {{ c }}.parsed_value,
    {{ c }}.is_corrected,
    {{ c }}.correction_id,
    {{ c }}.raw_text,
    {{ c }}.is_blank,
    {{ c }}.is_printed,
    {{ c }}.read_method,
    {{ c }}.read_confidence,
    {{ c }}.page_no,
    {{ c }}.bbox
{%- endmacro %}

{# Where the report came from and whether it is its current version (int_report_versions). #}
{% macro version_columns(v='v') -%}
    {{ v }}.source_url,
    {{ v }}.is_synthetic,
    {{ v }}.is_current,
    {{ v }}.superseded_by
{%- endmacro %}

{% macro fact_provenance(c='c', v='v') -%}
    {{ cell_provenance(c) }},
    {{ version_columns(v) }}
{%- endmacro %}

{# The versions join, on the integer report key. #}
{% macro join_versions(c='c', v='v') -%}
join {{ ref('int_report_versions') }} as {{ v }} on {{ v }}.report_key = {{ c }}.report_key
{%- endmacro %}

{# The cells of one table of the reports this build writes, with their report's version. #}
{% macro fact_cells(c='c', v='v') -%}
from {{ ref('int_report_cells') }} as {{ c }}
{{ join_versions(c, v) }}
{%- endmacro %}

{#
  A table-2 fact (fct_permits, fct_penalties, fct_regulations): report × table-2 row (named
  `row_column`) × measure of the report's template, the rows of template_table2_measures whose
  `fact` is `fact`.
#}
{% macro table2_fact(fact, row_column) -%}
select
    {{ fact_keys() }},
    c.template,
    c.row_key as {{ row_column }},
    m.row_zh as {{ row_column }}_zh,
    c.column_key as measure,
    m.column_zh as measure_zh,
    m.kind as measure_kind,
    cast(c.value as bigint) as value,
    {{ fact_provenance() }}
{{ fact_cells() }}
join {{ ref('template_table2_measures') }} as m
    on m.template = c.template and m.row_key = c.row_key and m.column_key = c.column_key
where c.table_key = 'table2' and m.fact = '{{ fact }}' and {{ changed_report('c.report_id') }}
{%- endmacro %}

{#
  The current-version view of a history table. Named without its database, so the view binds in
  whichever file holds it (the build, the published warehouse, a copy attached under any name).
#}
{% macro current_versions(history) -%}
{{ config(materialized='view') }}
select * from {{ ref(history).include(database=false) }} where is_current
{%- endmacro %}
