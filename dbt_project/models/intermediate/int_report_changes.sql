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

{{ state_changes(previous if incremental else none, 'fingerprint', ['issuer_id', 'region_code', 'year'],
                 ['issuer_id', 'region_code', 'year']) }}
