{#
  Null stays null. Adding columns with `+` turns one missing value into a missing total, and
  coalescing to 0 invents zeros. `null_sum` adds what was reported and is null only when
  nothing was; `safe_ratio` is null when the denominator is null or zero.
#}
{% macro null_sum(columns) -%}
    (case when {% for c in columns %}{{ c }} is null{% if not loop.last %} and {% endif %}{% endfor %}
          then null
          else {% for c in columns %}coalesce({{ c }}, 0){% if not loop.last %} + {% endif %}{% endfor %}
     end)
{%- endmacro %}

{% macro safe_ratio(numerator, denominator) -%}
    (case when {{ denominator }} is null or {{ denominator }} = 0 then null
          else cast({{ numerator }} as double) / cast({{ denominator }} as double) end)
{%- endmacro %}

{# Rank among the units that have a value; units without one get no rank (null), not the last. #}
{% macro rank_where_known(value, partition_by) -%}
    (case when {{ value }} is null then null
          else rank() over (partition by {{ partition_by }}, ({{ value }} is null) order by {{ value }} desc) end)
{%- endmacro %}

{# The N of a rank "k of N": how many units of the partition have a value (null where the rank is). #}
{% macro rank_of(value, partition_by) -%}
    (case when {{ value }} is null then null
          else count({{ value }}) over (partition by {{ partition_by }}) end)
{%- endmacro %}
