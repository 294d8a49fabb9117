"""Conditional re-checks: a request for an article already in the archive carries the
validators of its latest capture (If-None-Match, If-Modified-Since), so an unchanged
article costs the server a `304 Not Modified` and the archive a small revisit record
(written by spiders.capture with the server-not-modified profile)."""
from __future__ import annotations

from .dedup import DigestIndex

CONDITIONAL_META = "conditional"     # request meta: send the latest capture's validators
# and let a 304 reach the callback, which then asks for the requisites of the latest capture
CONDITIONAL = {CONDITIONAL_META: True, "handle_httpstatus_list": [304]}


class ConditionalRequests:
    """Downloader middleware: adds the validators the digest index holds for the URL."""

    def __init__(self, crawler, index: DigestIndex):
        self.stats, self.index = crawler.stats, index

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, DigestIndex.of_crawl(crawler.settings))

    def process_request(self, request, spider=None):
        if not request.meta.get(CONDITIONAL_META) or self.index.latest(request.url) is None:
            return None
        etag, last_modified = self.index.validators(request.url)
        if etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = etag
        if last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = last_modified
        if etag or last_modified:
            self.stats.inc_value("recheck/conditional_requests")
        return None
