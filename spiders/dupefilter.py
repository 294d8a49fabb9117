"""The crawl's dupefilter: which requests were already scheduled in this run."""
from __future__ import annotations

from scrapy.dupefilters import RFPDupeFilter

from .keymap import KeyMap


class RunDupeFilter(RFPDupeFilter):
    """Scrapy's dupefilter without the `requests.seen` file it keeps beside a `JOBDIR` (a crawl
    never resumes: the file would only be written), holding 8 bytes of each fingerprint in a
    compact map instead of a set of fingerprint objects: a chance of about n² / 2⁶⁵ that two
    of a run's n requests share them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._seen = KeyMap()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(None, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter)

    def request_seen(self, request) -> bool:
        key = int.from_bytes(self._fingerprint(request)[:8], "big", signed=True)
        return not self._seen.lower(key, 0)

    def __len__(self) -> int:
        return len(self._seen)
