{#
  A combination of columns identifies one row (the grain of a fact table). Grouping millions
  of rows by long text keys is the slowest test of the build, so rows are first grouped by a
  64-bit hash of the key; only keys whose hash repeats are compared exactly (a hash collision
  can never fail the test, only cost a second look).
#}
{% test unique_combination(model, columns) %}
{#- every test depends on int_checks_start, which no model reads: no test holds back a model
    (models/intermediate/int_checks_start.sql says why) #}
/* depends_on: {{ ref('int_checks_start') }} */
with hashed as (
    select hash({{ columns | join(', ') }}) as key_hash
    from {{ model }}
),
repeated as (
    select key_hash from hashed group by key_hash having count(*) > 1
)
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
where hash({{ columns | join(', ') }}) in (select key_hash from repeated)
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#
  Every column check of one model in one test node (ARCHITECTURE.md, "dbt's fixed cost"): each
  dbt test costs a node (compile, query, bookkeeping, a place on the critical path of `dbt
  build`) whatever its table's size, and 250 single-column tests were most of a 21,000-report
  build. `checks` lists {column, test} with test one of not_null, unique, accepted_values
  (values: a list, or codes: the name of a list of macros/template_codes.sql, looked up here
  rather than written "{{ accepted_codes(…) }}" in the YAML, which dbt compiled as a template of
  its own for every test argument of every build), between_zero_and_one, relationships (to: a
  model name, field). The table is scanned
  once for all the row checks; a relationship is one anti join (written as ANTI JOIN: DuckDB ran
  the correlated NOT EXISTS form 30× slower, 1.6 s against 0.05 s on 2.3 M rows). One row per failing check: the
  check, its column and how many rows break it (a failure names them; `dbt build` fails on any).
  Same semantics as dbt's own tests: a null passes every check but not_null; unique counts a
  repeated non-null value.
  Two more checks fold a table's other tests into the same node (one node per table, not two or
  three): `unique_combination` (columns: the grain; the same hash-first query as the test
  unique_combination above, counting the repeated keys) and `single_value` (the column holds at
  most one distinct non-null value: a warehouse is all synthetic or all real, never a mix).
#}
{% test column_checks(model, checks) %}
{#- as unique_combination: after int_checks_start, holding back no model #}
/* depends_on: {{ ref('int_checks_start') }} */
{%- set row_checks = checks | rejectattr('test', 'in', ['relationships', 'unique_combination']) | list -%}
{%- set joins = checks | selectattr('test', 'equalto', 'relationships') | list -%}
{%- set keys = checks | selectattr('test', 'equalto', 'unique_combination') | list -%}
{#- `model` is text, not a relation, when an incremental build narrowed it to the rows it wrote
    (get_where_subquery): those few rows are picked out once, not by each of the checks below,
    which each scanned the report ids of a 100 M-row fact (six reads, 4 s at 805,000 reports). -#}
{%- set narrowed = model is string -%}
{%- set rows = 'narrowed_rows' if narrowed else model -%}
with {% if narrowed %}narrowed_rows as materialized (select * from {{ model }}),
{% endif %}counted as materialized (
    select
        {%- for c in row_checks %}
        {%- set col = adapter.quote(c.column) %}
        {%- if c.test == 'not_null' %}
        count(*) filter (where {{ col }} is null)
        {%- elif c.test == 'unique' %}
        count({{ col }}) - count(distinct {{ col }})
        {%- elif c.test == 'accepted_values' %}
        {#- the values and their counts (a small hash table), checked below: 7× faster than a
            per-row IN list of 22 values on 2.3 M rows #}
        histogram(cast({{ col }} as varchar))
        {%- elif c.test == 'between_zero_and_one' %}
        count(*) filter (where {{ col }} < 0 or {{ col }} > 1)
        {%- elif c.test == 'single_value' %}
        {#- every row fails when the column mixes values: there is no "wrong" one #}
        case when count(distinct {{ col }}) > 1 then count(*) else 0 end
        {%- else %}
        {{ exceptions.raise_compiler_error('column_checks: unknown test ' ~ c.test) }}
        {%- endif %} as check_{{ loop.index }}{% if not loop.last %},{% endif %}
        {%- endfor %}
        {%- if not row_checks %} 0 as none_{% endif %}
    from {{ rows }}
),

failures as (
    {%- for c in row_checks %}
    select '{{ c.test }}' as check_name, '{{ c.column }}' as column_name,
        {%- if c.test == 'accepted_values' %}
           coalesce(list_sum(list_transform(list_filter(map_entries(check_{{ loop.index }}),
               lambda e: e.key not in ({%- for v in (accepted_codes(c.codes) if c.codes is defined else c['values']) %}'{{ v | string | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %})),
               lambda e: e.value)), 0)
        {%- else %} check_{{ loop.index }}{% endif %} as failing_rows
    from counted
    union all
    {%- endfor %}
    {%- for c in joins %}
    select 'relationships' as check_name, '{{ c.column }} → {{ c.to }}.{{ c.field }}' as column_name,
           (select count(*) from (select * from {{ rows }}) as m
            anti join {{ ref(c.to) }} as t on t.{{ adapter.quote(c.field) }} = m.{{ adapter.quote(c.column) }}
            where m.{{ adapter.quote(c.column) }} is not null) as failing_rows
    union all
    {%- endfor %}
    {%- for k in keys %}
    {%- set cols = k.columns | join(', ') %}
    select 'unique_combination' as check_name, '{{ cols }}' as column_name,
           (select count(*) from (
                select {{ cols }} from {{ rows }}
                where hash({{ cols }}) in (
                    select key_hash from (select hash({{ cols }}) as key_hash from {{ rows }})
                    group by key_hash having count(*) > 1)
                group by {{ cols }} having count(*) > 1)) as failing_rows
    union all
    {%- endfor %}
    select null, null, 0
)

select * from failures where failing_rows > 0
{% endtest %}
