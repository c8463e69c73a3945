-- One row per report: whether it is its report's current version, and if not, the version that
-- replaced it (int_report_revisions: the newest new version when several replaced it), with the
-- provenance every fact row repeats (source URL, synthetic flag). The facts join it on
-- report_key (macros/facts.sql). A report that becomes superseded changes its fingerprint
-- (int_report_fingerprints digests the revisions it takes part in), so the incremental
-- report-grain models rewrite its rows with is_current false; so does this model (report grain).
{{ incremental_by_report() }}

with replaced as (
    select old_report_id as report_id, arg_max(new_report_id, new_first_seen) as superseded_by
    from {{ ref('int_report_revisions') }}
    group by old_report_id
)

select
    r.report_id,
    r.report_key,
    v.superseded_by is null as is_current,
    v.superseded_by,
    r.source_url,
    r.is_synthetic
from {{ ref('int_reports') }} as r
left join replaced as v using (report_id)
where {{ changed_report('r.report_id') }}
