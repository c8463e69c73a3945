-- The county-level units this warehouse reports on: the real division dataset, or, in a demo
-- warehouse (synthetic reports filed under the fictional demo units 99xxxx of 演示省; the loader
-- never mixes synthetic and real reports), only the fictional units. So a real warehouse's
-- coverage denominators and status counts never include a fictional unit, and a demo page never
-- names a real place. (The warehouse benchmark's national-scale synthetic reports carry real
-- names, so its warehouse keeps the real units.)
with demo as (
    select count(*) > 0 as is_demo
    from {{ ref('int_reports') }} as r
    join {{ ref('regions') }} as g using (region_code)
    where g.is_fictional and r.is_synthetic
)

select g.*
from {{ ref('regions') }} as g
where g.is_fictional = (select is_demo from demo)
