-- A warehouse is either all real reports or all synthetic benchmark reports, never a mix.
select count(distinct is_synthetic) as kinds
from {{ ref('dim_report') }}
having count(distinct is_synthetic) > 1
