"""The crawl's dupefilter keeps no file beside the disk queues, and no fingerprint objects."""
import scrapy
from scrapy.utils.test import get_crawler

from spiders.dupefilter import RunDupeFilter


def test_filters_repeats_and_writes_no_file(tmp_path):
    crawler = get_crawler(settings_dict={"JOBDIR": str(tmp_path)})
    dupes = RunDupeFilter.from_crawler(crawler)
    assert not dupes.request_seen(scrapy.Request("http://x/a"))
    assert dupes.request_seen(scrapy.Request("http://x/a"))
    assert not dupes.request_seen(scrapy.Request("http://x/b"))
    assert not dupes.request_seen(scrapy.Request("http://x/a", method="POST"))
    assert len(dupes) == 3 and not dupes._fingerprints     # kept in the compact map only
    dupes.close("finished")
    assert list(tmp_path.iterdir()) == []
