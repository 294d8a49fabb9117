"""One generic news spider, driven by a site definition.

Discovery runs through the site's start pages, feeds and sitemaps; article
pages are fetched with the assets they need for replay (stylesheets, images,
scripts). The spider yields no items: what matters is the WARC capture of every
exchange, which the WarcCapture extension writes.
"""
from __future__ import annotations

from urllib.parse import urldefrag

import scrapy
from lxml import etree
from scrapy.utils.sitemap import Sitemap

from .siteconfig import SiteDefinition

ASSET_XPATH = ("//link[@rel='stylesheet']/@href | //img/@src | //script/@src "
               "| //link[contains(@rel, 'icon')]/@href")


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, site: SiteDefinition, **kwargs):
        super().__init__(name=f"news-{site.name}", **kwargs)
        self.site = site
        self.allowed_domains = [site.host]

    async def start(self):
        for url in self.site.sitemaps:
            yield scrapy.Request(self.site.absolute(url), callback=self.parse_sitemap)
        for url in self.site.feeds:
            yield scrapy.Request(self.site.absolute(url), callback=self.parse_feed)
        for url in self.site.start_urls:
            yield scrapy.Request(self.site.absolute(url), callback=self.parse_listing)

    # -- discovery -----------------------------------------------------------
    def parse_sitemap(self, response):
        try:
            sitemap = Sitemap(response.body)
        except (etree.XMLSyntaxError, ValueError):
            self.logger.warning("not a sitemap: %s", response.url)
            return
        for entry in sitemap:
            url = entry.get("loc", "")
            if sitemap.type == "sitemapindex":
                yield response.follow(url, callback=self.parse_sitemap)
            else:
                yield from self._article_request(response, url)

    def parse_feed(self, response):
        try:
            root = etree.fromstring(response.body, parser=etree.XMLParser(recover=True, resolve_entities=False))
        except etree.XMLSyntaxError:
            self.logger.warning("not a feed: %s", response.url)
            return
        if root is None:
            return
        links = root.xpath("//item/link/text() | //*[local-name()='entry']/*[local-name()='link']/@href")
        for url in links:
            yield from self._article_request(response, url.strip())

    def parse_listing(self, response):
        if not hasattr(response, "xpath"):
            return
        for href in response.xpath("//a/@href").getall():
            url = urldefrag(response.urljoin(href))[0]
            if self.site.is_article(url):
                yield from self._article_request(response, url)
            elif self.site.is_listing(url):
                yield response.follow(url, callback=self.parse_listing)

    # -- articles and what they need for replay -------------------------------
    def parse_article(self, response):
        if not hasattr(response, "xpath"):
            return
        for href in response.xpath(ASSET_XPATH).getall():
            yield response.follow(href, callback=self.parse_asset, priority=-1)
        yield from self.parse_listing(response)

    def parse_asset(self, response):
        return None

    def _article_request(self, response, url):
        if url and self.site.is_article(url):
            yield response.follow(url, callback=self.parse_article, priority=1)
