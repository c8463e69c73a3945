{#- Layers as schemas an analyst can see past: marts and dimensions in the default schema (what
    `show tables` lists), staging, intermediate and seeds in schemas of those names (dbt's default
    would prefix them with the target schema: main_staging …). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
