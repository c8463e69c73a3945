select
    template,
    row_key,
    row_zh,
    row_en,
    block,
    fact,
    column_key,
    column_zh,
    column_en,
    kind,
    unit,
    sort_order
from {{ ref('template_table2_measures') }}
