"""Date-window discovery, on the demo site's own sitemaps and feed (no network)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from scrapy.http import HtmlResponse, Request, XmlResponse
from scrapy.utils.test import get_crawler

from demosite import pages
from demosite.content import build_articles
from spiders.newsspider import NewsSpider
from spiders.siteconfig import load_site
from spiders.window import Window

BASE = "http://127.0.0.1:8765"
UTC = timezone.utc
WEEK = Window(datetime(2024, 6, 10, tzinfo=UTC), datetime(2024, 6, 17, tzinfo=UTC))


def spider(window=None, **changes) -> NewsSpider:
    site = load_site("demo")
    if changes:
        site = site.model_validate({**site.model_dump(), **changes})
    return NewsSpider.from_crawler(get_crawler(NewsSpider), site=site, window=window)


def xml(path: str, body: str) -> XmlResponse:
    return XmlResponse(BASE + path, body=body.encode(), request=Request(BASE + path))


def urls(requests) -> list[str]:
    return sorted(r.url for r in requests)


def expected(window: Window) -> list[str]:
    return sorted(BASE + a.path for a in build_articles(1) if a.published in window)


def test_sitemap_index_entries_older_than_the_window_are_pruned():
    cat = pages.catalog(1)
    index = xml("/sitemap.xml", pages.sitemap_index(cat, BASE))
    july = Window(datetime(2024, 7, 10, tzinfo=UTC), datetime(2024, 7, 11, tzinfo=UTC))
    s = spider(july)
    assert urls(s.parse_sitemap(index)) == [BASE + "/sitemaps/2024-07.xml"]
    assert s.crawler.stats.get_value("window/sitemaps_pruned") == 1
    assert urls(spider(WEEK).parse_sitemap(index)) == [BASE + "/sitemaps/2024-06.xml", BASE + "/sitemaps/2024-07.xml"]
    assert len(urls(spider().parse_sitemap(index))) == 2


def test_sitemap_entries_are_selected_by_lastmod():
    month = xml("/sitemaps/2024-06.xml", pages.monthly_sitemap(pages.catalog(1), BASE, "2024-06"))
    s = spider(WEEK)
    found = urls(s.parse_sitemap(month))
    assert found == expected(WEEK) and len(found) > 10
    assert s.crawler.stats.get_value("window/entries_outside") > 0
    everything = urls(spider().parse_sitemap(month))
    assert set(found) < set(everything)


def test_feed_items_are_selected_by_date():
    feed = xml("/rss.xml", pages.rss(pages.catalog(1), BASE))
    last_days = Window(datetime(2024, 7, 28, tzinfo=UTC), datetime(2024, 7, 31, tzinfo=UTC))
    found = urls(spider(last_days).parse_feed(feed))
    assert found == expected(last_days) and found
    assert len(urls(spider().parse_feed(feed))) == pages.RSS_COUNT


def test_undated_entries_are_counted_not_taken():
    body = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f'<url><loc>{BASE}/news/2024/06/12/undated-story/</loc></url></urlset>')
    s = spider(WEEK)
    assert urls(s.parse_sitemap(xml("/sitemaps/x.xml", body))) == []
    assert s.crawler.stats.get_value("window/undated_entries") == 1


def article_page(path: str) -> HtmlResponse:
    article = next(a for a in build_articles(1) if a.path == path)
    body = pages.article_page(pages.catalog(1), BASE, article)
    return HtmlResponse(BASE + path, body=body.encode(), encoding="utf-8", request=Request(BASE + path))


def test_windowed_runs_take_assets_but_follow_no_links_from_articles():
    path = next(a.path for a in build_articles(1) if a.published in WEEK)
    page = article_page(path)
    windowed = urls(spider(WEEK).parse_article(page))
    full = urls(spider().parse_article(page))
    assert windowed and all("/static/" in u or "/images/" in u for u in windowed)
    assert any(load_site("demo").is_article(u) for u in full)


def test_sites_without_dates_fall_back_to_section_pages_filtered_by_url_date():
    s = spider(WEEK, discovery={"by_window": "sections",
                                "url_date_pattern": r"/(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/"})
    cat = pages.catalog(1)
    html = pages.section_page(cat, BASE, "news", 1)
    listing = HtmlResponse(BASE + "/news/", body=html.encode(), encoding="utf-8", request=Request(BASE + "/news/"))
    found = [u for u in urls(s.parse_listing(listing)) if s.site.is_article(u)]
    linked = [BASE + a.path for a in cat.by_section["news"][:pages.PER_PAGE]]
    assert found == sorted(u for u in linked if "/2024/06/1" in u and int(u.split("/")[-3]) <= 16)


def test_bad_window_is_refused():
    with pytest.raises(ValueError, match="not a date"):
        Window.parse("soon", "2024-06-11")
    with pytest.raises(ValueError, match="empty window"):
        Window.parse("2024-06-11", "2024-06-10")


def listing_response(meta=None) -> HtmlResponse:
    html = pages.section_page(pages.catalog(1), BASE, "news", 1)
    request = Request(BASE + "/news/", meta=meta or {})
    return HtmlResponse(BASE + "/news/", body=html.encode(), encoding="utf-8", request=request)


def test_a_link_found_again_builds_no_request_unless_found_higher_up():
    s = spider()
    first = urls(s.parse_listing(listing_response({"depth": 3})))
    assert first and urls(s.parse_listing(listing_response({"depth": 3}))) == []
    assert urls(s.parse_listing(listing_response({"depth": 1}))) == first   # the depth budget may now allow them


def test_link_discovery_reads_the_captures_parse_of_the_page():
    from spiders.links import PAGE_META, ParsedPage

    elsewhere = b'<html><body><a href="/news/2024/06/01/only-in-the-capture/">x</a></body></html>'
    page = ParsedPage.parse(BASE + "/news/", elsewhere)
    found = urls(spider().parse_listing(listing_response({PAGE_META: page})))
    assert found == [BASE + "/news/2024/06/01/only-in-the-capture/"]
