{#
  Coverage is judged as of today, or as of INGEST_COVERAGE_AS_OF (YYYY-MM-DD) when set: a
  rebuild on another day may move a year from not_yet_due to missing, and tests pin the date.
  A year's report is due by 31 March of the next year; the last complete year is last year.
#}
{% macro coverage_as_of() -%}
    coalesce(try_cast(nullif('{{ env_var("INGEST_COVERAGE_AS_OF", "") }}', '') as date), current_date)
{%- endmacro %}

{% macro coverage_years() -%}
    (select unnest(generate_series(2019, year({{ coverage_as_of() }}) - 1)) as year)
{%- endmacro %}

{#
  The status of one unit (or issuer) × year, from the counts the coverage marts gather.
  tables_unread: the report is here, but a table it prints was not read by the parser
  (dim_report.tables_unread: ours to fix, not the publisher's).
#}
{% macro coverage_status() -%}
    case
        when report_id is not null and len(tables_unread) > 0 then 'tables_unread'
        when report_id is not null then 'in_warehouse'
        when documents_not_loaded > 0 then 'not_loaded'
        when parse_failures > 0 then 'parse_failure'
        when not_reports > 0 then 'not_a_report'
        when {{ coverage_as_of() }} <= make_date(year + 1, 3, 31) then 'not_yet_due'
        when sources = 0 then 'no_known_portal'
        when not crawled then 'not_crawled'
        when not reached_in_last_crawl then 'source_unreachable'
        when not column_found then 'column_not_found'
        else 'no_report_for_year'
    end
{%- endmacro %}
