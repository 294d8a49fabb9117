"""Scrapy extension: one progress line a second, read from the crawl's stats.

The pipeline step that runs the crawl reads it for its progress bar; a line per
response cost the crawl a log record and the reader a parse for each page.
Scrapy and Twisted are imported where used: the CLI imports `responses_in` alone."""
from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)
INTERVAL = 1.0
_LINE = re.compile(r"crawl progress: (\d+) responses")


def responses_in(line: str) -> int | None:
    """The response count of a progress line, None for any other line."""
    found = _LINE.search(line)
    return int(found.group(1)) if found else None


class CrawlProgress:
    def __init__(self, stats, interval: float = INTERVAL):
        self.stats, self.interval = stats, interval
        self._loop = None

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        ext = cls(crawler.stats)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        from twisted.internet import task

        self._loop = task.LoopingCall(self.report)
        self._loop.start(self.interval, now=False)

    def report(self):
        logger.info("crawl progress: %d responses", self.stats.get_value("downloader/response_count", 0))

    def spider_closed(self, spider, reason):
        if self._loop and self._loop.running:
            self._loop.stop()
        self.report()
