{#
  A combination of columns identifies one row (the grain of a fact table). Grouping millions
  of rows by long text keys is the slowest test of the build, so rows are first grouped by a
  64-bit hash of the key; only keys whose hash repeats are compared exactly (a hash collision
  can never fail the test, only cost a second look).
#}
{% test unique_combination(model, columns) %}
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

{# Every row of `model` has a partner in `to` with the same values in `columns` (composite keys). #}
{% test relationships_combination(model, columns, to, to_columns=none) %}
{%- set to_columns = to_columns or columns -%}
select {% for c in columns %}m.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
from {{ model }} m
where not exists (
    select 1 from {{ to }} t
    where {% for c in columns %}t.{{ to_columns[loop.index0] }} is not distinct from m.{{ c }}{% if not loop.last %} and {% endif %}{% endfor %}
)
{% endtest %}


{# A rate or share lies in [0, 1] when it is known. #}
{% test between_zero_and_one(model, column_name) %}
select {{ column_name }} from {{ model }} where {{ column_name }} < 0 or {{ column_name }} > 1
{% endtest %}
