"""Page requisites from any host, and sitemaps as sites publish them."""
from __future__ import annotations

import gzip
from datetime import datetime, timezone
from urllib.parse import urlsplit

from parsel import Selector
from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from spiders.newsspider import NewsSpider
from spiders.requisites import REQUISITE_META, css_requisites, html_requisites, srcset_urls
from spiders.scope import RequisiteScope, ScopeMiddleware, SiteScope
from spiders.siteconfig import load_site
from spiders.sitemaps import parse_sitemap, robots_sitemaps
from spiders.window import Window

BASE = "http://127.0.0.1:8765"
UTC = timezone.utc
PAGE = """<html><head><base href="/news/"><link rel="stylesheet" href="https://cdn.example/site.css">
<link rel="shortcut icon" href="/favicon.ico"><link rel="preload" as="font" href="//fonts.example/a.woff2">
<script src="https://static.example/app.js"></script><style>.hero{background:url("hero.jpg")}</style></head>
<body><a href="https://other.example/story/">a link, not a requisite</a>
<img src="data:image/gif;base64,AAAA" data-src="https://img.example/lazy.jpg" data-srcset="https://img.example/l1.jpg 1x, https://img.example/l2.jpg 2x">
<picture><source srcset="https://img.example/w.webp?w=640,h=360 640w, https://img.example/w2.webp 1280w"><img src="p.jpg"></picture>
<div style="background-image: url('https://img.example/bg.png')"></div><video poster="poster.jpg"></video></body></html>"""


def test_html_requisites_cover_every_way_pages_embed_things():
    found = html_requisites(Selector(text=PAGE), BASE + "/news/2024/story/")
    assert set(found) == {
        "https://cdn.example/site.css", BASE + "/favicon.ico", "http://fonts.example/a.woff2",
        "https://static.example/app.js", BASE + "/news/hero.jpg", "https://img.example/lazy.jpg",
        "https://img.example/l1.jpg", "https://img.example/l2.jpg", "https://img.example/w.webp?w=640,h=360",
        "https://img.example/w2.webp", BASE + "/news/p.jpg", "https://img.example/bg.png", BASE + "/news/poster.jpg"}
    assert len(found) == len(set(found))


def test_css_requisites_and_srcset():
    css = '@import "print.css" print; @import url(x.css); @font-face{src:url(../f/a.woff2) format("woff2"), url(\'b.woff\')} .i{background:url(data:image/png;base64,AA)}'
    assert sorted(css_requisites(css, "https://cdn.example/css/site.css")) == [
        "https://cdn.example/css/b.woff", "https://cdn.example/css/print.css",
        "https://cdn.example/css/x.css", "https://cdn.example/f/a.woff2"]
    assert srcset_urls("a.jpg 1x, b.jpg?w=1,2 2x,c.jpg") == ["a.jpg", "b.jpg?w=1,2", "c.jpg"]


def _middleware(**requisites):
    site = load_site("demo")
    site = site.model_validate({**site.model_dump(), "requisites": requisites})
    crawler = get_crawler(NewsSpider)
    return ScopeMiddleware(crawler, SiteScope(site), RequisiteScope(site))


def test_requisite_scope_is_separate_from_link_scope():
    mw = _middleware(skip_hosts=["ads.example"])
    requisite = {REQUISITE_META: 1}
    assert mw._refuse(Request("https://cdn.example/a.css", meta=requisite)) is None
    assert mw._refuse(Request("https://cdn.example/robots.txt")) is None      # its robots.txt is read
    assert "not one of the site's hosts" in mw._refuse(Request("https://cdn.example/story/"))
    assert "skipped" in mw._refuse(Request("https://px.ads.example/t.gif", meta=requisite))
    assert mw._refuse(Request("https://ads.example/robots.txt")) is not None
    assert "http(s)" in mw._refuse(Request("ftp://cdn.example/a.css", meta=requisite))
    off = _middleware(enabled=False)
    assert "not fetched" in off._refuse(Request("https://cdn.example/a.css", meta=requisite))
    assert off._refuse(Request(BASE + "/static/style.css", meta=requisite)) is None


def test_stylesheets_lead_to_their_fonts_and_images_up_to_the_hop_limit():
    spider = NewsSpider.from_crawler(get_crawler(NewsSpider), site=load_site("demo"))
    css = b"@import 'more.css'; body{background:url(/bg.png)}"
    request = Request("https://cdn.example/site.css", meta={REQUISITE_META: 1})
    response = TextResponse(request.url, body=css, headers={"Content-Type": "text/css"}, request=request)
    out = list(spider.parse_asset(response))
    assert sorted(r.url for r in out) == ["https://cdn.example/bg.png", "https://cdn.example/more.css"]
    assert {r.meta[REQUISITE_META] for r in out} == {2}
    request = Request("https://cdn.example/deep.css", meta={REQUISITE_META: 3})
    deep = TextResponse(request.url, body=css, headers={"Content-Type": "text/css"}, request=request)
    assert list(spider.parse_asset(deep)) == []
    image = Response("https://cdn.example/a.png", body=b"\x89PNG", request=Request("https://cdn.example/a.png"))
    assert list(spider.parse_asset(image) or []) == []


NEWS = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        '<url><loc>{base}/news/2024/06/12/in-window/</loc><lastmod>2024-07-20T00:00:00Z</lastmod>'
        '<news:news><news:publication_date>2024-06-12T09:00:00+03:00</news:publication_date>'
        '<news:title>In the window</news:title></news:news></url>'
        '<url><loc>{base}/news/2024/05/01/before/</loc><lastmod>2024-06-12T00:00:00Z</lastmod>'
        '<news:news><news:publication_date>2024-05-01</news:publication_date></news:news></url></urlset>')


def test_news_sitemaps_window_by_publication_date_even_gzipped():
    week = Window(datetime(2024, 6, 10, tzinfo=UTC), datetime(2024, 6, 17, tzinfo=UTC))
    spider = NewsSpider.from_crawler(get_crawler(NewsSpider), site=load_site("demo"), window=week)
    body = gzip.compress(NEWS.format(base=BASE).encode())
    url = BASE + "/news-sitemap.xml.gz"
    found = list(spider.parse_sitemap(Response(url, body=body, request=Request(url))))
    assert [r.url for r in found] == [BASE + "/news/2024/06/12/in-window/"]   # lastmod would pick the other
    entry = found[0].meta["sitemap_entry"]
    assert entry.title == "In the window" and entry.published.startswith("2024-06-12")
    kind, entries = parse_sitemap(body)
    assert kind == "urlset" and len(entries) == 2


def test_robots_sitemap_lines():
    text = "User-agent: *\nDisallow: /x\nSitemap: https://a.example/s.xml.gz\nsitemap:https://a.example/n.xml\n"
    assert robots_sitemaps(text) == ["https://a.example/s.xml.gz", "https://a.example/n.xml"]


# --- the demo crawl -----------------------------------------------------------------------

def _records(files):
    for path in files:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                body = record.content_stream().read() if record.rec_type == "metadata" else b""
                yield record, body


def test_demo_crawl_takes_cdn_requisites_and_discovers_through_robots(demo_site, demo_crawl):
    _, files = demo_crawl
    records = list(_records(files))
    fetched = {r.rec_headers.get_header("WARC-Target-URI") for r, _ in records if r.rec_type == "response"}
    cdn, agency = demo_site.origins.cdn, demo_site.origins.agency
    on_cdn = {urlsplit(u).path for u in fetched if u.startswith(cdn)}
    assert {"/assets/site.css", "/assets/print.css", "/assets/app.js", "/fonts/demo-serif.woff2",
            "/fonts/demo-serif.woff", "/img/texture.png", "/img/favicon.png"} <= on_cdn
    slugs = {a.slug for a in demo_site.articles()}
    assert {f"/img/{s}-{w}.png" for s in slugs for w in (320, 640)} <= on_cdn   # srcset, picture, data-src
    assert not any(u.startswith(agency + "/photos/") for u in fetched)          # its robots.txt says no
    refused = [b.decode() for r, b in records if r.rec_type == "metadata"
               and r.rec_headers.get_header("WARC-Target-URI").startswith(agency + "/photos/")]
    assert refused and all("robots" in b.lower() for b in refused)
    assert {demo_site.base_url + "/sitemap_index.xml.gz", demo_site.base_url + "/sitemaps/2024-07.xml"} <= fetched
    via = {r.rec_headers.get_header("WARC-Target-URI"): b.decode().split("\r\n", 1)[0]
           for r, b in records if r.rec_type == "metadata" and b.startswith(b"via: ")}
    base = demo_site.base_url
    assert via[base + "/sitemaps/2024-07.xml"] == f"via: {base}/sitemap.xml"          # the nested index
    assert via[base + "/sitemap.xml"] == f"via: {base}/sitemap_index.xml.gz"         # the gzipped index
    assert via[base + "/sitemap_index.xml.gz"] == f"via: {base}/robots.txt"           # its Sitemap: line
    titled = [b for r, b in records if r.rec_type == "metadata" and b"sitemapPublished: " in b]
    assert titled and all(b"sitemapTitle: " in b for b in titled)


def test_site_files_name_requisite_and_sitemap_settings(tmp_path):
    import pytest

    from spiders.siteconfig import SiteError, load_site_file
    kyiv = load_site("kyivindependent")
    assert not kyiv.enabled and kyiv.discovery.sitemaps_from_robots and kyiv.window_by_dates
    assert kyiv.requisites.enabled and kyiv.requisites.skips("www.googletagmanager.com")
    assert not kyiv.requisites.skips("cdn.jsdelivr.net")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nbase_url = "https://x.example/"\narticle_patterns = ["^/a/"]\n'
                   '[requisites]\nskip_hosts = ["ads.example/x"]\n')
    with pytest.raises(SiteError, match="requisites.skip_hosts"):
        load_site_file(bad)
