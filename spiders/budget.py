"""Bounds on what a crawl discovers: link depth, and pages per path shape.

Scrapy's DEPTH_LIMIT = 0 means "unlimited"; a site's `max_depth = 0` means
start pages only, so depth is enforced here for every value. Endless
calendars and generated paths (/cal/2024/05/, /cal/2024/06/, ...) differ only
in their numbers: URLs are grouped by path shape (digits and long tokens
replaced, query keys without values) and each shape gets a page budget.

These bounds are for links found in pages. What the site itself lists (its sitemaps,
feeds, robots.txt Sitemap: lines, the run's re-check list) is marked LISTED_META and
bounded by `max_pages` and the run's window only: every article of a news site usually
shares one path shape (`/#/#/#/#/` for dated slugs), and a backfill or first run lists
more of them than any trap budget would allow.

What a budget dropped is counted twice: each refused request as it happens
(`budget/too_deep`, `budget/shape_exhausted`), and, when the crawl ends, the distinct
URLs it dropped that the crawl never scheduled another way (`budget/dropped/...`: a page
found too deep is often listed in a sitemap too). The second is what the run summary
reports and the health check warns of."""
from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import parse_qsl, urlsplit

from scrapy import Request, signals

from .keymap import KeyMap
from .links import SeenUrls, url_key
from .requisites import REQUISITE_META

LISTED_META = "listed"          # request meta: the site's own listing asked for this URL
DROPPED_STAT = "budget/dropped/"    # + budget: URLs it dropped that were never scheduled
_SCHEDULED, _TOO_DEEP, _SHAPE = 0, 1, 2             # a URL's fate: the lowest wins
_BUDGETS = {_TOO_DEEP: "too_deep", _SHAPE: "shape_exhausted"}
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
        self.fate = KeyMap()        # URL hash -> scheduled (0) or the first budget that dropped it

    @classmethod
    def from_crawler(cls, crawler):
        limits = crawler.spider.site.limits
        budget = cls(crawler, limits.max_depth, limits.max_pages_per_pattern)
        crawler.signals.connect(budget.scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(budget.spider_closed, signal=signals.spider_closed)
        return budget

    def scheduled(self, request, spider=None) -> None:
        if not request.meta.get(REQUISITE_META):       # a page's assets are never links a budget drops
            self.fate.lower(url_key(request.url), _SCHEDULED)

    def spider_closed(self, spider=None, reason=None) -> None:
        counts = self.fate.value_counts()
        for fate, name in _BUDGETS.items():
            self.stats.set_value(DROPPED_STAT + name, counts.get(fate, 0))

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
        if request.meta.get(LISTED_META):
            return True             # listed by the site: no trap, and not counted against its shape
        if request.meta.get("depth", 0) > self.max_depth:
            return self._dropped(request, _TOO_DEEP)
        urls = self.seen[path_shape(request.url)]
        if request.url not in urls and len(urls) >= self.per_shape:
            return self._dropped(request, _SHAPE)
        urls.first(request.url)
        return True

    def _dropped(self, request: Request, fate: int) -> bool:
        self.stats.inc_value(f"budget/{_BUDGETS[fate]}")
        self.fate.lower(url_key(request.url), fate)
        return False
