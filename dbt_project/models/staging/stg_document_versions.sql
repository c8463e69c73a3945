-- Archive facts about each document's bytes: how many URLs served them and when first seen.
select
    sha256 as report_id,
    count(*) as url_count,
    min(first_seen) as first_seen,
    max(last_seen) as last_seen,
    list(distinct url order by url) as urls
from {{ source('archive', 'document_versions') }}
group by sha256
