-- The reports an incremental build rewrites: every report added, changed (a new digest in
-- int_report_fingerprints: a new parse, another issuer or county, a correction, a revision) or
-- removed since the previous build, with its partition keys before and after, from which the
-- partition-grain models derive the partitions they recompute (macros/incremental.sql).
-- The previous build's digests are int_report_state, read here by name, before this build
-- rewrites it. In a full build there is no previous state: every report is 'added'.
{%- set previous = adapter.get_relation(database=this.database, schema=this.schema,
                                        identifier='int_report_state') if execute else none %}
{%- set incremental = previous is not none and is_incremental_build() %}

with current_state as (
    select report_id, issuer_id, region_code, year, fingerprint
    from {{ ref('int_report_fingerprints') }}
),

previous_state as (
{%- if incremental %}
    select report_id, issuer_id, region_code, year, fingerprint from {{ previous }}
{%- else %}
    select report_id, issuer_id, region_code, year, fingerprint from current_state where false
{%- endif %}
)

select
    coalesce(n.report_id, o.report_id) as report_id,
    case
        when o.report_id is null then 'added'
        when n.report_id is null then 'removed'
        else 'changed'
    end as change,
    n.issuer_id,
    n.region_code,
    n.year,
    o.issuer_id as prev_issuer_id,
    o.region_code as prev_region_code,
    o.year as prev_year
from current_state as n
full join previous_state as o on o.report_id = n.report_id
where n.fingerprint is distinct from o.fingerprint
