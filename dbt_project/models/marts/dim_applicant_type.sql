select
    applicant_type,
    name_zh,
    name_en,
    applicant_group,
    is_detail,
    is_optional,
    sort_order
from {{ ref('template_applicant_types') }}
