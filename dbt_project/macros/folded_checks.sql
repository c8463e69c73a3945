{#
  The checks of one layer's small tables in one test node (tests/folded_checks_<layer>.sql).

  Each check stays declared beside its model (column_checks or unique_combination in the model's
  or source's YAML). dbt_project.yml gives a test declared under models/<layer>/ the meta
  `fold: <layer>`; a test's own YAML may name another fold (a table built late, after the
  facts, goes with the marts), or `fold: own` (the tables with a row per cell or per fact,
  whose checks read millions of rows and run as nodes of their own beside the models).
  `ingest build` leaves the folded tests out (--exclude config.meta.fold:<layer>, ingest/load/
  build.py FOLDS) and runs this node per fold instead: the same SQL, each test's query rendered by its own macro with its
  own arguments and its table narrowed as the test itself would be (get_where_subquery), all in
  one query. A dbt node costs ~30 ms of dbt's Python whatever its query; 38 of them, run while
  int_report_cells keeps DuckDB busy, slowed that model, the build's critical path, by as much
  (ARCHITECTURE.md, "dbt's fixed cost"). A plain `dbt build` or `dbt test --select <model>`
  still runs every test on its own.

  One row per failing check: the table, the test, the check, its column(s), the rows that fail.
  The node must depend on every table it checks and every table a relationship check reads
  (its `-- depends_on:` lines): one it does not would be checked before it is built. A missing
  one stops the build at once, naming the line to add.
#}
{% macro folded_checks(layer) %}
{%- set members = [] -%}
{%- if execute -%}
    {%- set mine = model.depends_on.nodes -%}
    {%- for node in graph.nodes.values()
            if node.resource_type == 'test' and node.config.meta.get('fold') == layer
               and node.test_metadata is not none -%}
        {%- set meta = node.test_metadata -%}
        {%- set args = meta.kwargs -%}
        {%- set found = namespace(target=node.attached_node) -%}
        {%- for d in node.depends_on.nodes if found.target is none and d.startswith('source.') -%}
            {%- set found.target = d -%}
        {%- endfor -%}
        {%- set target = found.target -%}
        {%- if target is none or target not in mine -%}
            {{ exceptions.raise_compiler_error('add a depends_on line for ' ~ (target or node.name)
                ~ ' to tests/' ~ model.name ~ '.sql: its checks are folded there') }}
        {%- endif -%}
        {%- for c in args.get('checks', []) if c.test == 'relationships' -%}
            {%- if ('model.' ~ project_name ~ '.' ~ c.to) not in mine and ('seed.' ~ project_name ~ '.' ~ c.to) not in mine -%}
                {{ exceptions.raise_compiler_error('add a depends_on line for ' ~ c.to ~ ' to tests/' ~ model.name
                    ~ '.sql: a check folded there (' ~ node.name[:60] ~ ') reads it') }}
            {%- endif -%}
        {%- endfor -%}
        {%- if target.startswith('source.') -%}
            {%- set t = graph.sources[target] -%}
            {%- set relation = api.Relation.create(database=t.database, schema=t.schema, identifier=t.identifier) -%}
        {%- else -%}
            {%- set t = graph.nodes[target] -%}
            {%- set relation = api.Relation.create(database=t.database, schema=t.schema, identifier=t.alias) -%}
        {%- endif -%}
        {%- set table = get_where_subquery(relation) -%}
        {%- if meta.name == 'column_checks' -%}
            {%- set sql = test_column_checks(model=table, checks=args.checks) -%}
        {%- elif meta.name == 'unique_combination' -%}
            {%- set sql = test_unique_combination(model=table, columns=args.columns) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(model.name ~ ': ' ~ node.name ~ ' is a ' ~ meta.name
                ~ ' test, which is not folded here: give it meta {fold: own}') }}
        {%- endif -%}
        {%- do members.append((t.name, meta.name, sql)) -%}
    {%- endfor -%}
{%- endif -%}
{%- for table, test, sql in members %}
select '{{ table }}' as table_name, '{{ test }}' as test_name,
       {% if test == 'column_checks' %}check_name, column_name, failing_rows{% else %}'unique_combination' as check_name, null as column_name, n as failing_rows{% endif %}
from (
{{ sql }}
) as folded_{{ loop.index }}
union all
{%- endfor %}
select null as table_name, null as test_name, null as check_name, null as column_name, null as failing_rows
where false
{% endmacro %}
