{{ incremental_by_report() }}
-- One row per report: the headline measures the comparison mart uses, summed from the detail
-- facts. SUM ignores unreported cells and is null when none was reported: null stays null.
with apps as (
    select
        report_id,
        cast(sum(applications) as bigint) as handled,
        cast(sum(applications) filter (where outcome_group = 'granted') as bigint) as granted,
        cast(sum(applications) filter (where outcome_group = 'partial') as bigint) as partially_granted,
        cast(sum(applications) filter (where outcome_group = 'deny') as bigint) as denied,
        cast(sum(applications) filter (where outcome_group = 'unable') as bigint) as unable,
        cast(sum(applications) filter (where outcome_key = 'unable_not_held') as bigint) as not_held,
        cast(sum(applications) filter (where outcome_group = 'reject') as bigint) as not_processed,
        cast(sum(applications) filter (where outcome_group = 'other') as bigint) as other_handling,
        count(applications) as outcome_cells_reported
    from {{ ref('fct_applications_history') }}
    where {{ changed_report('report_id') }}
    group by report_id
),

intake as (
    select
        report_id,
        cast(sum(applications) filter (where intake_measure = 'new') as bigint) as applications_new,
        cast(sum(applications) filter (where intake_measure = 'carried_over') as bigint) as carried_over,
        cast(sum(applications) filter (where intake_measure = 'carry_forward') as bigint) as carried_forward
    from {{ ref('fct_application_intake_history') }}
    where {{ changed_report('report_id') }}
    group by report_id
),

cases as (
    select
        report_id,
        cast(sum(cases) filter (where proceeding = 'review') as bigint) as review_cases,
        cast(sum(cases) filter (where proceeding = 'review' and result = 'corrected') as bigint) as review_corrected,
        cast(sum(cases) filter (where proceeding = 'review' and result <> 'pending') as bigint) as review_concluded,
        cast(sum(cases) filter (where proceeding <> 'review') as bigint) as litigation_cases,
        cast(sum(cases) filter (where proceeding <> 'review' and result = 'corrected') as bigint) as litigation_corrected,
        cast(sum(cases) filter (where proceeding <> 'review' and result <> 'pending') as bigint) as litigation_concluded
    from {{ ref('fct_reviews_litigation_history') }}
    where {{ changed_report('report_id') }}
    group by report_id
),

permits as (
    select report_id,
        cast(sum(value) filter (where permit_item = 'permits' and measure = 'decisions') as bigint) as permit_decisions
    from {{ ref('fct_permits_history') }}
    where {{ changed_report('report_id') }}
    group by report_id
),

penalties as (
    select report_id,
        cast(sum(value) filter (where enforcement_kind = 'penalties' and measure = 'decisions') as bigint) as penalty_decisions,
        cast(sum(value) filter (where enforcement_kind = 'coercive_measures' and measure = 'decisions') as bigint) as coercive_measure_decisions
    from {{ ref('fct_penalties_history') }}
    where {{ changed_report('report_id') }}
    group by report_id
),

fees as (
    select report_id,
        sum(amount_yuan) filter (where measure = 'fee_amount_yuan') as fee_amount_yuan,
        cast(sum(item_count) filter (where measure = 'fee_items_prev_year') as bigint) as fee_items_prev_year,
        cast(sum(item_count) filter (where measure = 'fee_items_change') as bigint) as fee_items_change,
        sum(amount_yuan) filter (where measure = 'info_processing_fee_yuan') as info_processing_fee_yuan
    from {{ ref('fct_fees_history') }}
    where {{ changed_report('report_id') }}
    group by report_id
)

select
    r.report_id,
    intake.applications_new,
    intake.carried_over,
    intake.carried_forward,
    apps.handled,
    apps.granted,
    apps.partially_granted,
    apps.denied,
    apps.unable,
    apps.not_held,
    apps.not_processed,
    apps.other_handling,
    apps.outcome_cells_reported,
    cases.review_cases,
    cases.review_corrected,
    cases.review_concluded,
    cases.litigation_cases,
    cases.litigation_corrected,
    cases.litigation_concluded,
    permits.permit_decisions,
    penalties.penalty_decisions,
    penalties.coercive_measure_decisions,
    fees.fee_amount_yuan,
    fees.fee_items_prev_year,
    fees.fee_items_change,
    fees.info_processing_fee_yuan
from {{ ref('int_reports') }} as r
left join apps using (report_id)
left join intake using (report_id)
left join cases using (report_id)
left join permits using (report_id)
left join penalties using (report_id)
left join fees using (report_id)
where {{ changed_report('r.report_id') }}
