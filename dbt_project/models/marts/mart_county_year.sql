{{ incremental_by_partition(['province_code', 'year'], 'province_years') }}
-- One row per county-level government × year: what was asked, how it was handled, and how
-- the county compares with last year and with its prefecture and province. Every measure is
-- summed from detail cells (int_report_measures); rates are null when their denominator is
-- null or zero; year-over-year compares with year - 1 exactly (a gap gives null).
with base as (
    -- incremental: the provinces touched, every year (a touched year compares with the one before)
    select * from {{ ref('int_county_year') }} as b
    where {{ in_touched_partition('b', ['province_code'], 'province_years') }}
),

rates as (
    select
        *,
        {{ null_sum(['granted', 'partially_granted']) }} as disclosed,
        {{ safe_ratio(null_sum(['granted', 'partially_granted']), 'handled') }} as disclosure_rate,
        {{ safe_ratio('denied', 'handled') }} as denial_share,
        {{ safe_ratio('not_held', 'handled') }} as not_held_share,
        {{ null_sum(['review_corrected', 'litigation_corrected']) }} as corrected_cases,
        {{ null_sum(['review_concluded', 'litigation_concluded']) }} as concluded_cases,
        {{ safe_ratio(null_sum(['review_corrected', 'litigation_corrected']),
                      null_sum(['review_concluded', 'litigation_concluded'])) }} as correction_rate,
        {{ safe_ratio('review_corrected', 'review_concluded') }} as review_correction_rate
    from base
),

with_previous as (
    select
        c.*,
        p.applications_new as applications_new_prev_year,
        p.handled as handled_prev_year,
        p.disclosure_rate as disclosure_rate_prev_year
    from rates as c
    left join rates as p on p.region_code = c.region_code and p.year = c.year - 1
)

select
    region_code,
    year,
    region_name,
    region_type,
    province_code,
    province_name,
    prefecture_code,
    prefecture_name,
    report_id,
    issuer_id,
    issuer,
    source_url,
    published_date,
    template,
    table3_shape,
    reports_for_year,
    reports_for_year > 1 as has_duplicate_reports,
    -- the source replaced this report's earlier version(s): the newest is used (mart_report_revisions)
    revision_count,
    is_synthetic,
    applications_new,
    carried_over,
    carried_forward,
    handled,
    granted,
    partially_granted,
    disclosed,
    denied,
    unable,
    not_held,
    not_processed,
    other_handling,
    disclosure_rate,
    denial_share,
    not_held_share,
    review_cases,
    litigation_cases,
    corrected_cases,
    concluded_cases,
    correction_rate,
    review_correction_rate,
    permit_decisions,
    penalty_decisions,
    coercive_measure_decisions,
    fee_amount_yuan,
    fee_items_prev_year,
    fee_items_change,
    info_processing_fee_yuan,
    applications_new_prev_year,
    applications_new - applications_new_prev_year as applications_new_yoy_change,
    {{ safe_ratio('applications_new - applications_new_prev_year', 'applications_new_prev_year') }}
        as applications_new_yoy_pct,
    handled_prev_year,
    handled - handled_prev_year as handled_yoy_change,
    disclosure_rate - disclosure_rate_prev_year as disclosure_rate_yoy_change,
    {{ rank_where_known('applications_new', 'prefecture_code, year') }} as applications_new_rank_in_prefecture,
    {{ rank_where_known('applications_new', 'province_code, year') }} as applications_new_rank_in_province,
    {{ rank_where_known('disclosure_rate', 'prefecture_code, year') }} as disclosure_rate_rank_in_prefecture,
    {{ rank_where_known('disclosure_rate', 'province_code, year') }} as disclosure_rate_rank_in_province,
    {{ rank_of('applications_new', 'prefecture_code, year') }} as applications_new_rank_in_prefecture_of,
    {{ rank_of('applications_new', 'province_code, year') }} as applications_new_rank_in_province_of,
    {{ rank_of('disclosure_rate', 'prefecture_code, year') }} as disclosure_rate_rank_in_prefecture_of,
    {{ rank_of('disclosure_rate', 'province_code, year') }} as disclosure_rate_rank_in_province_of
from with_previous as w
-- whole (province, year) partitions, so the ranks below see every county they rank
where {{ in_touched_partition('w', ['province_code', 'year'], 'province_years') }}
