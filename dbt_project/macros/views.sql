{#
  The view materialization, one statement: `create or replace view`. dbt's own makes a view
  under a temporary name, renames the old one aside, renames the new one in, drops the old one
  and commits (five catalog statements and as many relation-cache look-ups a view); the nine
  current-version views (macros/facts.sql, current_versions) cost 0.2–0.3 s each that way in a
  21,000-report build, more than most tables. A relation of another type under the name (a
  table of an older project) is dropped first.
#}
{%- materialization view, adapter='duckdb' -%}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {%- if existing_relation is not none and not existing_relation.is_view %}
  {{ drop_relation_if_exists(existing_relation) }}
  {%- endif %}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% call statement('main') -%}
    create or replace view {{ target_relation }} as (
    {{ sql }}
    )
  {%- endcall %}
  {% do persist_docs(target_relation, model) %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{%- endmaterialization -%}
