"""The crawl's dupefilter: which requests were already scheduled in this run."""
from __future__ import annotations

from scrapy.dupefilters import RFPDupeFilter


class RunDupeFilter(RFPDupeFilter):
    """Scrapy's dupefilter without the `requests.seen` file it keeps beside a `JOBDIR`:
    a crawl never resumes, so the file would only be written, never read."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls(None, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter)
