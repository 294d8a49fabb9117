"""One generic news spider, driven by a site definition.

Discovery runs through the site's start pages, feeds and sitemaps; article
pages are fetched with the assets they need for replay (stylesheets, images,
scripts). The spider yields no items: what matters is the WARC capture of every
exchange, which the WarcCapture extension writes.

Without a window the crawl discovers everything it can reach. With a window
[since, until) it takes only the articles dated in it: sitemap entries by
<lastmod>, feed items by their date, and sitemap-index entries older than the
window are never fetched. Sites without dated sources fall back to their
section pages. Either way, listed re-check URLs (recent articles that may have
been revised) are fetched too.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import scrapy
from lxml import etree

from . import requisites, sitemaps
from .budget import LISTED_META
from .conditional import CONDITIONAL
from .dedup import DigestIndex
from .links import LinkFilter, SeenUrls, page_of
from .siteconfig import SiteDefinition
from .dates import try_parse_time
from .window import Window, date_in_url


# What the site lists is bounded by max_pages and the window, not by the trap budgets (spiders.budget).
LISTED = {LISTED_META: True}


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, site: SiteDefinition, window: Window | None = None, recheck: list[str] = (),
                 **kwargs):
        super().__init__(name=f"news-{site.name}", **kwargs)
        self.site = site
        self.window = window
        self.recheck = list(recheck)
        self.allowed_domains = [site.host]
        # A windowed run must not wander off to articles of other days through links.
        self.follow_links = window is None or not site.window_by_dates
        self.links = LinkFilter()
        self.requisites_asked = SeenUrls()      # a site's pages share their assets: one Request each

    async def start(self):
        for url in self.recheck:
            yield scrapy.Request(url, callback=self.parse_article, priority=2, meta={**CONDITIONAL, **LISTED})
        dated = self.window is not None and self.site.window_by_dates
        if self.window is None or dated:
            if self.site.discovery.sitemaps_from_robots and not self.site.politeness.obey_robots:
                # obeyed, robots.txt is fetched anyway and handed over (robots_fetched)
                yield scrapy.Request(self.site.absolute("/robots.txt"), callback=self.parse_robots)
            for url in self.site.sitemaps:
                yield scrapy.Request(self.site.absolute(url), callback=self.parse_sitemap)
            for url in self.site.feeds:
                yield scrapy.Request(self.site.absolute(url), callback=self.parse_feed)
        if not dated:
            for url in self.site.start_urls:
                yield scrapy.Request(self.site.absolute(url), callback=self.parse_listing)

    # -- discovery -----------------------------------------------------------
    def robots_fetched(self, response):
        """Called by the robots.txt middleware with each robots.txt it fetched."""
        if self.site.discovery.sitemaps_from_robots and urlsplit(response.url).netloc == urlsplit(self.site.base_url).netloc:
            return list(self.parse_robots(response))
        return []

    def parse_robots(self, response):
        if response.status == 200 and hasattr(response, "text"):
            for url in sitemaps.robots_sitemaps(response.text):     # Referer set here: may bypass middlewares
                yield response.follow(url, callback=self.parse_sitemap, headers={"Referer": response.url},
                                      meta=dict(LISTED))

    def parse_sitemap(self, response):
        try:
            kind, entries = sitemaps.parse_sitemap(response.body, self.site.limits.max_response_bytes)
        except sitemaps.NotASitemap as exc:
            self.logger.warning("not a sitemap: %s (%s)", response.url, exc)
            return
        for entry in entries:
            if kind == "sitemapindex":
                if self._prune_index_entry(entry.lastmod):
                    self.crawler.stats.inc_value("window/sitemaps_pruned")
                    continue
                yield response.follow(entry.loc, callback=self.parse_sitemap, meta=dict(LISTED))
            elif self._dated_in_window(entry.date):
                yield from self._article_request(response, entry.loc, {sitemaps.DISCOVERY_META: entry, **LISTED})

    def parse_feed(self, response):
        try:
            root = etree.fromstring(response.body, parser=etree.XMLParser(recover=True, resolve_entities=False))
        except etree.XMLSyntaxError:
            self.logger.warning("not a feed: %s", response.url)
            return
        if root is None:
            return
        for item in root.xpath("//item | //*[local-name()='entry']"):
            links = item.xpath("link/text() | *[local-name()='link']/@href")
            when = item.xpath("pubDate/text() | *[local-name()='date']/text() "
                              "| *[local-name()='updated']/text() | *[local-name()='published']/text()")
            if links and self._dated_in_window(when[0] if when else None):
                yield from self._article_request(response, links[0].strip(), LISTED)

    def parse_listing(self, response):
        page = page_of(response)
        if page is None:
            return
        depth = response.meta.get("depth", 0) + 1
        for url in page.anchors():
            if not self.links.new(url, depth):          # before any Request is built
                continue
            if self.site.is_article(url):
                if self._url_date_in_window(url):
                    yield from self._article_request(response, url)
            elif self.site.is_listing(url):
                yield response.follow(url, callback=self.parse_listing)

    # -- articles and what they need for replay -------------------------------
    def parse_article(self, response):
        if response.status == 304:      # unchanged since the latest capture: its requisites, again
            earlier = DigestIndex.of_crawl(self.settings)
            yield from self.requisite_requests(earlier.requisites(response.url))
            return
        page = page_of(response)        # the capture's parse, shared with link discovery
        if page is None:
            return
        yield from self.requisite_requests(requisites.html_requisites(page.selector, response.url))
        if self.follow_links:
            yield from self.parse_listing(response)

    def parse_asset(self, response):
        if requisites.is_css(response) and hasattr(response, "text"):
            hops = response.meta.get(requisites.REQUISITE_META, 1)
            yield from self.requisite_requests(requisites.css_requisites(response.text, response.url), hops + 1)

    def requisite_requests(self, urls, hops: int = 1):
        """Requests for what a page (hops 1) or its stylesheets (2, 3: @import) load."""
        if hops > requisites.MAX_HOPS:
            return
        for url in urls:
            if not self.requisites_asked.first(url):   # the dupefilter would drop it, after a Request and the middlewares
                continue
            yield scrapy.Request(url, callback=self.parse_asset, priority=-1,
                                 meta={requisites.REQUISITE_META: hops})

    def _article_request(self, response, url, meta=None):
        if url and self.site.is_article(url):
            yield response.follow(url, callback=self.parse_article, priority=1, meta={**CONDITIONAL, **(meta or {})})

    # -- the window ------------------------------------------------------------
    def _prune_index_entry(self, lastmod: str | None) -> bool:
        """A child sitemap last changed before the window holds nothing dated in it."""
        when = try_parse_time(lastmod, feeds=True)
        return self.window is not None and when is not None and when < self.window.since

    def _dated_in_window(self, text: str | None) -> bool:
        if self.window is None:
            return True
        when = try_parse_time(text, feeds=True)
        if when is None:
            self.crawler.stats.inc_value("window/undated_entries")   # counted, never guessed
            return False
        if when in self.window:
            return True
        self.crawler.stats.inc_value("window/entries_outside")
        return False

    def _url_date_in_window(self, url: str) -> bool:
        """Section-page discovery: keep articles whose URL day overlaps the window."""
        pattern = self.site.discovery.url_date_pattern
        if self.window is None or not pattern:
            return True
        day = date_in_url(pattern, url)
        return day is None or (day < self.window.until and day + timedelta(days=1) > self.window.since)
