-- The outcome rows of table 3 in the （一）…（六） hierarchy. （六）其他处理 is printed as one row
-- (`other`, 2019 shape) or as three sub-rows (2021 shape); the one row equals the whole group,
-- so compare the two shapes at group level (outcome_group = 'other'), never row by row.
select
    r.row_key as outcome_key,
    r.number,
    r.name_zh,
    r.name_en,
    r.outcome_group,
    g.number as group_number,
    g.name_zh as group_name_zh,
    g.name_en as group_name_en,
    r.is_subtotal,
    r.is_detail_outcome,
    r.table3_shape,
    case
        when r.is_subtotal then 'subtotal of the group: checks only, never summed with detail'
        when r.table3_shape = 'one_row' then 'the whole group in the one-row shape: equals the sum of the three sub-rows of the three-row shape'
        when r.table3_shape = 'three_rows' then 'a sub-row of the group in the three-row shape: the one-row shape has only the group total'
        else 'the same row in both shapes'
    end as shape_mapping,
    case when r.table3_shape is null and not r.is_subtotal then 'row' else 'group' end as comparable_at,
    g.sort_order as group_sort_order,
    r.sort_order
from {{ ref('template_table3_rows') }} as r
join {{ ref('template_outcome_groups') }} as g on g.outcome_group = r.outcome_group
where r.section = 'outcome'
