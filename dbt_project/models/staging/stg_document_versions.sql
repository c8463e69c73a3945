-- Archive facts about each document's bytes that a report row carries: how many URLs served
-- them and when first seen (int_reports). Whole every build (every archived document; a crawl
-- adds URLs to old ones), so only what is read is kept: the last sighting, which every crawl
-- moves, and the URL lists are left in the archive.
select
    sha256 as report_id,
    count(*) as url_count,
    min(first_seen) as first_seen
from {{ source('archive', 'document_versions') }}
group by sha256
