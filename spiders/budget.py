"""Bounds on what a crawl discovers: link depth, and pages per path shape.

Scrapy's DEPTH_LIMIT = 0 means "unlimited"; a site's `max_depth = 0` means
start pages only, so depth is enforced here for every value. Endless
calendars and generated paths (/cal/2024/05/, /cal/2024/06/, ...) differ only
in their numbers: URLs are grouped by path shape (digits and long tokens
replaced, query keys without values) and each shape gets a page budget."""
from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import parse_qsl, urlsplit

from scrapy import Request

from .links import SeenUrls
from .requisites import REQUISITE_META

_VARIABLE = re.compile(r"\d+|[A-Za-z0-9_-]{24,}")


def path_shape(url: str) -> str:
    parts = urlsplit(url)
    segments = [_VARIABLE.sub("#", s) for s in parts.path.split("/")]
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return "/".join(segments) + ("?" + "&".join(keys) if keys else "")


class CrawlBudget:
    """Spider middleware: drops (and counts) requests past the depth or a shape's budget."""

    def __init__(self, crawler, max_depth: int, per_shape: int):
        self.stats = crawler.stats
        self.max_depth, self.per_shape = max_depth, per_shape
        self.seen: dict[str, SeenUrls] = defaultdict(SeenUrls)   # distinct URLs per shape

    @classmethod
    def from_crawler(cls, crawler):
        limits = crawler.spider.site.limits
        return cls(crawler, limits.max_depth, limits.max_pages_per_pattern)

    def process_spider_output(self, response, result, spider=None):
        for item in result:
            if not isinstance(item, Request) or self.allowed(item):
                yield item

    async def process_spider_output_async(self, response, result, spider=None):
        async for item in result:
            if not isinstance(item, Request) or self.allowed(item):
                yield item

    def allowed(self, request: Request) -> bool:
        if request.meta.get(REQUISITE_META):
            return True             # one hop from a page that was in budget; the run's dedup bounds them
        if request.meta.get("depth", 0) > self.max_depth:
            self.stats.inc_value("budget/too_deep")
            return False
        urls = self.seen[path_shape(request.url)]
        if request.url not in urls and len(urls) >= self.per_shape:
            self.stats.inc_value("budget/shape_exhausted")
            return False
        urls.first(request.url)
        return True
