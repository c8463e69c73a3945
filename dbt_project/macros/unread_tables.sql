{#
  The tables of a report that the parser left unread: no cell of the table printed (counts
  `<table>_printed` of the relation `counts`), although the parse found its section with figures
  under the heading. A table the parse did not find ("prints no such table") or found as a
  heading with no figures under it (an image, a blank) is the publisher's: not listed — unless
  the figures were there, run together (a glued-text warning of the table: text the decoder
  could not take apart is printed, only unread).
#}
{% macro unread_tables(warnings, counts) -%}
list_filter([
    {%- for t in ['table2', 'table3', 'table4'] %}
    case when coalesce({{ counts }}.{{ t }}_printed, 0) = 0
              and not {{ warned(warnings, "w LIKE '" ~ t ~ ": the report prints no such table%'") }}
              and (not {{ warned(warnings, "w LIKE '" ~ t ~ ": its heading is printed but no %numbers%'") }}
                   or {{ warned(warnings, "w LIKE '" ~ t ~ "%glued%'") }})
         then '{{ t }}' end{% if not loop.last %},{% endif %}
    {%- endfor %}
], lambda x: x is not null)
{%- endmacro %}

{# Whether any of the report's warnings `w` satisfies `condition`. #}
{% macro warned(warnings, condition) -%}
coalesce(list_bool_or(list_transform(coalesce({{ warnings }}, []), lambda w: {{ condition }})), false)
{%- endmacro %}
