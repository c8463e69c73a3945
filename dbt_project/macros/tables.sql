{#
  The table materialization, one statement: `create or replace table … as`. dbt-duckdb's own
  builds the table under a temporary name, renames any old one aside, renames the new one in
  and drops the old one, with a relation-cache look-up for each name: the swap that keeps a
  table readable while it is rebuilt. Nobody reads a warehouse while it is built here: every
  build writes a file of its own (DATA_DIR/build/warehouse.duckdb, ingest/load/build.py) that
  is published whole or not at all, and the statement runs in the model's transaction, so a
  failure leaves the previous table. A relation of another type under the name (a view of an
  older project) is dropped first.
#}
{%- materialization table, adapter='duckdb' -%}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {%- if existing_relation is not none and not existing_relation.is_table %}
  {{ drop_relation_if_exists(existing_relation) }}
  {%- endif %}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% call statement('main') -%}
    create or replace table {{ target_relation }} as (
    {{ sql }}
    )
  {%- endcall %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{%- endmaterialization -%}
