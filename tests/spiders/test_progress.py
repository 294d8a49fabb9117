"""The crawl's progress comes from its stats, one line a second, not a log line per response."""
import logging

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from spiders.progress import CrawlProgress, responses_in


def test_a_progress_line_carries_the_response_count(caplog):
    stats = MemoryStatsCollector(get_crawler())
    stats.set_value("downloader/response_count", 1234)
    with caplog.at_level(logging.INFO, logger="spiders.progress"):
        CrawlProgress(stats).report()
    # only this logger's lines: other loggers may log at INFO in the same process
    counts = [responses_in(r.getMessage()) for r in caplog.records if r.name == "spiders.progress"]
    assert counts == [1234]
    assert responses_in("2026-01-01 [spiders.capture] INFO: failed http://x/: timeout") is None
