{#
  Incremental builds (ARCHITECTURE.md, "Incremental builds").

  `python -m ingest build` builds on a copy of the published warehouse when the project that
  built it is the one here (same models, seeds, macros, dbt and DuckDB); otherwise, or with
  `--full`, on a fresh file. dbt's own rule then decides per model: a model whose table exists
  is incremental, one that does not is built whole. Every incremental model rewrites only what
  the reports in int_report_changes (added, changed or removed since the previous build) touch:

    report grain     rows keyed by report_id: the changed reports' rows are deleted, the added
                     and changed reports' rows computed and appended (`incremental_by_report`);
    source grain     staging and int_reports, upstream of the fingerprints: keyed by report_id,
                     rewritten for the reports whose source rows changed (int_source_changes,
                     `incremental_by_source`);
    partition grain  rows keyed by a partition that mixes reports (a county-year with its
                     duplicate resolution, a province-year with its ranks, an issuer): the
                     touched partitions are deleted and recomputed whole
                     (`incremental_by_partition`).

  A full build computes the same rows: the test tests/warehouse/test_incremental.py compares
  the two warehouses table by table.
#}

{#
  Config of a model whose rows belong to one report each. `batched`: a full build makes it in
  slices of reports (macros/report_batches.sql); the model filters on report_batch(...).
#}
{% macro incremental_by_report(key='report_id', batched=false) -%}
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook=["{{ delete_changed_reports('" ~ key ~ "') }}"],
          post_hook=(["{{ insert_report_batches() }}"] if batched else []),
          meta={'incremental_grain': 'report', 'report_batched': batched}) }}
-- depends_on: {{ ref('int_report_changes') }}
{%- endmacro %}

{# Incremental: delete the rows of every changed or removed report (of `changes`) before the new ones go in.
   A full build renders nothing, and dbt runs no statement for an empty hook (one per model saved). #}
{% macro delete_changed_reports(key, changes='int_report_changes') -%}
{%- if is_incremental() -%}
delete from {{ this }} where {{ key }} in (select report_id from {{ ref(changes) }})
{%- endif -%}
{%- endmacro %}

{# A filter on report ids: the added and changed reports in an incremental build, all otherwise. #}
{% macro changed_report(column, changes='int_report_changes') -%}
{%- if is_incremental() -%}
{{ column }} in (select report_id from {{ ref(changes) }} where change <> 'removed')
{%- else -%}
true
{%- endif -%}
{%- endmacro %}

{#
  Config of a model whose rows are a report's source rows resolved (staging → int_reports), read
  before int_report_changes can be known (the fingerprints that decide it are made from them):
  the reports whose source rows changed (int_source_changes: a new parse, another issuer match,
  other archive URLs; added or removed) have their rows deleted, and the added and changed ones
  computed and appended.
#}
{% macro incremental_by_source(key='report_id') -%}
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook=["{{ delete_changed_reports('" ~ key ~ "', 'int_source_changes') }}"],
          meta={'incremental_grain': 'source'}) }}
-- depends_on: {{ ref('int_source_changes') }}
{%- endmacro %}

{# The filter of a source-grain model: changed_report over int_source_changes. #}
{% macro changed_source(column) -%}
{{ changed_report(column, 'int_source_changes') }}
{%- endmacro %}

{#
  Config of a model rebuilt per partition: `columns` name the partition, `touched` is the name
  of a touched_* macro below listing the partitions this build's changes reach.
#}
{% macro incremental_by_partition(columns, touched) -%}
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook=["{{ delete_touched_partitions(" ~ columns ~ ", '" ~ touched ~ "') }}"],
          meta={'incremental_grain': 'partition', 'partition_by': columns}) }}
-- depends_on: {{ ref('int_report_changes') }}, {{ ref('int_regions') }}
{%- endmacro %}

{% macro delete_touched_partitions(columns, touched) -%}
{%- if is_incremental() -%}
delete from {{ this }} as t
using ({{ touched_partitions(touched) }}) as p
where {% for c in columns %}t.{{ c }} is not distinct from p.{{ c }}{% if not loop.last %} and {% endif %}{% endfor %}
{%- endif -%}
{%- endmacro %}

{# A filter keeping the rows of touched partitions (all rows in a full build). #}
{% macro in_touched_partition(alias, columns, touched) -%}
{%- if is_incremental() -%}
exists (select 1 from ({{ touched_partitions(touched) }}) as p
        where {% for c in columns %}p.{{ c }} is not distinct from {{ alias }}.{{ c }}{% if not loop.last %} and {% endif %}{% endfor %})
{%- else -%}
true
{%- endif -%}
{%- endmacro %}

{% macro touched_partitions(kind) -%}
{%- if kind == 'county_years' -%}{{ touched_keys(['region_code', 'year']) }}
{%- elif kind == 'province_years' -%}{{ touched_province_years() }}
{%- elif kind == 'issuer_years' -%}{{ touched_keys(['issuer_id', 'year']) }}
{%- elif kind == 'issuers' -%}{{ touched_keys(['issuer_id']) }}
{%- else -%}{{ exceptions.raise_compiler_error('unknown partition kind ' ~ kind) }}
{%- endif -%}
{%- endmacro %}

{#
  The values of `columns` (of int_report_changes: issuer_id, region_code, year) of every changed
  report, before (prev_…) and after the change: the partitions it leaves and enters.
#}
{% macro touched_keys(columns) -%}
select {{ columns | join(', ') }} from {{ ref('int_report_changes') }}
where {% for c in columns %}{{ c }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
union
select {% for c in columns %}prev_{{ c }}{% if not loop.last %}, {% endif %}{% endfor %} from {{ ref('int_report_changes') }}
where {% for c in columns %}prev_{{ c }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
{%- endmacro %}

{#
  The (province_code, year) partitions of mart_county_year: ranks are taken within a province
  (and its prefectures) and year, and a county-year's row compares with the year before, so a
  change in year Y reaches the province's rows of Y and Y + 1.
#}
{% macro touched_province_years() -%}
select g.province_code, k.year
from ({{ touched_keys(['region_code', 'year']) }}) as k
join {{ ref('int_regions') }} as g using (region_code)
union
select g.province_code, k.year + 1
from ({{ touched_keys(['region_code', 'year']) }}) as k
join {{ ref('int_regions') }} as g using (region_code)
{%- endmacro %}

{#
  Data tests of report-grain models check, in an incremental build, only the rows of the
  reports this build wrote: the other rows passed the same tests in the build that wrote them
  and have not changed since. A test on a key of the report grain cannot miss a duplicate this
  way (both rows carry a changed report's id). Tests on other models, and singular tests, read
  whole tables as before. `dbt build --full-refresh` (`ingest build --full`) checks everything.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {#- a namespace: a plain `set` inside the loop would be local to the loop and lost -#}
    {%- set found = namespace(grain=none) -%}
    {%- if execute and is_incremental_build() -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model'
                and node.alias == relation.identifier and node.schema == relation.schema -%}
            {%- set found.grain = node.config.meta.get('incremental_grain') -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if found.grain == 'report' -%}
        {%- set filtered -%}
            (select * from {{ relation }}
             where report_id in ({{ changed_report_ids() }})
             {%- if where %} and ({{ where }}){% endif %}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- elif where -%}
        {%- do return("(select * from " ~ relation ~ " where " ~ where ~ ") dbt_subquery") -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#
  The added and changed reports' ids for a test's filter: a subquery, which DuckDB runs as a
  semi join. Measured at 805,000 reports (session 29), picking the 10 changed reports' rows out
  of int_report_cells took 0.3–0.9 s this way and 3.0–3.4 s as a literal IN list checked inside
  the scan (the list had been the faster one when each check read the table anew).
#}
{% macro changed_report_ids() -%}
select report_id from {{ changes_relation() }} where change <> 'removed'
{%- endmacro %}

{#
  int_report_changes by name, not ref(): a test's dependencies are fixed when dbt parses it, and
  this filter is only rendered while the build runs.
#}
{% macro changes_relation() -%}
{%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == 'int_report_changes' -%}
{{ adapter.quote(node.database) }}.{{ adapter.quote(node.schema) }}.{{ adapter.quote(node.alias) }}
{%- endfor -%}
{%- endmacro %}

{# Whether this dbt invocation builds incrementally: set by ingest/load/build.py. #}
{% macro is_incremental_build() -%}
{%- do return(env_var('WAREHOUSE_BUILD_MODE', 'full') == 'incremental' and not flags.FULL_REFRESH) -%}
{%- endmacro %}

{#
  int_report_fingerprints, incremental: a report's digest is made of its int_reports row (which
  changes only with its source rows: int_source_changes), its corrections, the revisions it takes
  part in and the units reported on. Deleted before the model appends the digests of the reports
  it then lacks: the reports whose source rows changed, every report with a correction or a
  revision now or in the previous build (`linked` in int_report_state, read by name: it is
  rewritten after int_report_changes has read it), and every report when the units changed.
#}
{% macro delete_fingerprint_scope() -%}
{%- set state = adapter.get_relation(database=this.database, schema=this.schema,
                                     identifier='int_report_state') if execute else none -%}
{%- if is_incremental() and state is not none -%}
delete from {{ this }}
where report_id in (
    select report_id from {{ ref('int_source_changes') }}
    union all select report_id from {{ ref('int_cell_corrections') }}
    union all select old_report_id from {{ ref('int_report_revisions') }}
    union all select new_report_id from {{ ref('int_report_revisions') }}
    union all select report_id from {{ state }} where linked
) or exists (select 1 from {{ state }} where units_digest is distinct from ({{ units_digest() }}))
{%- elif is_incremental() -%}
delete from {{ this }}
{%- endif -%}
{%- endmacro %}

{# One digest of the units the warehouse reports on (int_regions): every report's digest has it. #}
{% macro units_digest() -%}
select md5(coalesce(string_agg(md5(cast(g as varchar)), '' order by g.region_code), ''))
from {{ ref('int_regions') }} as g
{%- endmacro %}

{#
  The change list of a state model (int_report_changes, int_source_changes): `current_state`
  (a CTE of the calling model: report_id, `keep` columns, `digest`) against `previous` (the
  previous build's state table, none in a full build): one row per report added, removed or
  whose digest differs, with the `keep` columns now and the `prev` columns before (prev_…).
#}
{% macro state_changes(previous, digest, keep, prev=[]) -%}
previous_state as (
    select report_id, {% for c in prev %}{{ c }}, {% endfor %}{{ digest }}
    {%- if previous is not none %} from {{ previous }}
    {%- else %} from current_state where false
    {%- endif %}
)

select
    coalesce(n.report_id, o.report_id) as report_id,
    case
        when o.report_id is null then 'added'
        when n.report_id is null then 'removed'
        else 'changed'
    end as change,
    {%- for c in keep %}
    n.{{ c }}{% if not loop.last or prev %},{% endif %}
    {%- endfor %}
    {%- for c in prev %}
    o.{{ c }} as prev_{{ c }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from current_state as n
full join previous_state as o on o.report_id = n.report_id
where n.{{ digest }} is distinct from o.{{ digest }}
{%- endmacro %}

{#
  Every column of `relation` in the row `alias` as one text, for change detection (md5 it, or
  unordered_digest(…) over several rows): the columns' text joined by
  a separator no text holds, a null marked apart from any value. Twice as fast to digest as
  cast(row as varchar) (casting a whole row to text is the slow part: 14 µs a row of
  report_issuers), and a column added to the table is digested without an edit here.
#}
{% macro row_text(relation, alias) -%}
{%- if execute -%}
concat_ws(chr(31)
{%- for c in adapter.get_columns_in_relation(relation) -%}
, coalesce(cast({{ alias }}.{{ adapter.quote(c.name) }} as varchar), chr(30))
{%- endfor -%}
)
{%- else -%}
''
{%- endif -%}
{%- endmacro %}

{#
  One digest of the texts `text` of a group's rows, in no order (an aggregate): md5 of each row,
  xor-ed. The 128-bit md5 is xor-ed as its two 64-bit halves: DuckDB has no fast bit_xor over
  UHUGEINT, and bit_xor(md5_number(…)) over 805,000 reports' issuer rows took 35–39 s, the two
  halves 1.1 s (session 29, int_source_changes).
#}
{% macro unordered_digest(text) -%}
cast(bit_xor(md5_number_upper({{ text }})) as varchar) || ':' || cast(bit_xor(md5_number_lower({{ text }})) as varchar)
{%- endmacro %}
