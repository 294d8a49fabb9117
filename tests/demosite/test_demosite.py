"""The bundled demo news site: catalogue, pages, feeds, encoding and revisions."""
from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime

import lxml.html
import pytest

from demosite import DemoArticle, DemoSite, build_articles
from tests.support import fetch

SEED_PATH = "/news/2024/07/04/relations-between-russia-china-are-at-their-best-in-history-xi-putin-says/"
SEED_HEADLINE = "Relations between Russia, China are 'at their best in history,' Xi, Putin says"
SEED_CAPTION = (
    "Russian President Vladimir Putin (R) meets with China's President Xi Jinping (L) on the sidelines "
    "of the Shanghai Cooperation Organization (SCO) member states leaders' summit in Astana on July 3, "
    "2024. (Pavel Volkov/POOL/AFP via Getty Images)")
SEED_PARAGRAPHS = (
    "Russian President Vladimir Putin and his Chinese counterpart Xi Jinping met at a summit of the "
    "Shanghai Cooperation Organization (SCO) in Astana, Kazakhstan, on July 3.",
    "Xi indicated his support for Russia on the subject of its full-scale war on Ukraine, saying on the "
    "sidelines of the summit that China \"has always stood on the right side of history.\"",
    "In what was the second meeting of the two leaders in the last two months, Xi and Putin concurred "
    "that the bilateral relations were at a historical highpoint, and jointly protect \"regional "
    "tranquility and stability.\"",
    "In turn, Putin also voiced opposition to outside interference in the South China Sea, where China "
    "has sought to further spread its influence and territorial control, putting it at odds with U.S. "
    "allies and interests in the region.",
    "Although China officially maintains a neutral stance on Russia's full-scale war in Ukraine and "
    "denies providing lethal aid, Beijing and Moscow continue to strengthen their ties. Finnish President "
    "Alexander Stubb said earlier in July that Russia's reliance on China has developed to the point "
    "where Beijing could end a war with one phone call.",
    "Various countries, including the U.S., have accused China of continuously aiding Russia's war "
    "machine in Ukraine by providing machine tools, weapons technology, satellite imagery, "
    "semiconductors, and other dual-use technologies.",
)
BOILERPLATE = (
    "This month, 1,000 people chose to support the Kyiv Independent. Can we count on you, too?",
    "Become a member", "Skip to content", "This audio is created with AI assistance",
    "Sign up for our newsletter", "WTF is wrong with Russia?", "Let’s see how far we can go?",
    "Show us support this birthday month", "visa", "masterCard", "americanExpress",
    "News Feed", "MORE NEWS", "Editors' Picks", "Enter your email to subscribe",
    "* indicates required", "Subscribe",
)


@pytest.fixture(scope="module")
def site():
    with DemoSite() as running:
        yield running


@pytest.fixture(scope="module")
def articles():
    return build_articles()


def page(site, path: str):
    status, _, body = fetch(site.base_url + path)
    assert status == 200, path
    return lxml.html.fromstring(body)


# --- catalogue ----------------------------------------------------------------

def test_catalogue_size_sections_and_dates(articles):
    assert len(articles) >= 200
    assert len({a.section for a in articles}) >= 4
    days = Counter(a.published.date() for a in articles)
    expected = {date(2024, 6, 1) + timedelta(days=i) for i in range(60)}
    assert set(days) == expected
    assert min(days.values()) >= 2
    assert [a.published for a in articles] == sorted((a.published for a in articles), reverse=True)
    assert all(a.published.utcoffset() == timedelta(hours=3) for a in articles)


def test_catalogue_paths_bodies_and_purity(articles):
    assert len({a.slug for a in articles}) == len(articles)
    assert len({a.paragraphs for a in articles}) == len(articles)
    for a in articles:
        assert re.fullmatch(r"[a-z0-9-]+", a.slug)
        assert a.path == f"/{a.section}/{a.published:%Y/%m/%d}/{a.slug}/"
        assert 4 <= len(a.paragraphs) <= 10
        assert 1 <= len(a.authors) <= 3 and a.caption and a.image_path == f"/images/{a.slug}.png"
        assert a.modified == a.published and not a.revised
    assert build_articles() == articles
    assert build_articles(1) is not build_articles(1)  # callers get their own list


def test_seed_article_record(articles):
    seed = next(a for a in articles if a.path == SEED_PATH)
    assert seed.section == "news" and seed.headline == SEED_HEADLINE
    assert seed.published.isoformat() == "2024-07-04T09:22:00+03:00"
    assert seed.authors == ("Nate Ostiller", "The Kyiv Independent news desk")
    assert seed.caption == SEED_CAPTION and seed.paragraphs == SEED_PARAGRAPHS


# --- the seed article page -------------------------------------------------------

def test_seed_page_visible_content(site):
    doc = page(site, SEED_PATH)
    assert doc.get("lang") == "en"
    assert doc.findtext(".//h1").strip() == SEED_HEADLINE
    byline = " ".join(doc.xpath('string(//div[@class="article-byline"])').split())
    assert byline == ("by Nate Ostiller and The Kyiv Independent news desk July 4, 2024 9:22 AM 2 min read")
    assert doc.xpath("string(//figure/figcaption)") == SEED_CAPTION
    container = doc.xpath('//section[contains(@class, "gh-content")]')[0]
    children = list(container)
    paragraphs = [c.text_content() for c in children if c.tag == "p"]
    assert tuple(paragraphs) == SEED_PARAGRAPHS
    # Boilerplate sits inside the content container, as on the archived original.
    assert "Sign up for our newsletter" in children[4].text_content()
    teaser = children[7]
    assert teaser.tag == "a" and teaser.text_content().startswith("Opinion: The new EU leadership")
    assert teaser.get("href").startswith("/opinion/2024/07/03/")


def test_seed_page_metadata(site):
    doc = page(site, SEED_PATH)
    url = site.base_url + SEED_PATH
    meta = {m.get("property") or m.get("name"): m.get("content") for m in doc.xpath("//meta[@content]")}
    assert doc.xpath('string(//link[@rel="canonical"]/@href)') == url
    assert meta["og:type"] == "article" and meta["og:url"] == url and meta["og:title"] == SEED_HEADLINE
    assert meta["og:image"].startswith(site.base_url + "/images/")
    assert meta["article:published_time"] == "2024-07-04T09:22:00+03:00"
    assert meta["article:section"] == "News" and meta["description"] == SEED_PARAGRAPHS[0]
    ld = json.loads(doc.xpath('string(//script[@type="application/ld+json"])'))
    assert ld["@type"] == "NewsArticle" and ld["headline"] == SEED_HEADLINE
    assert ld["datePublished"] == ld["dateModified"] == "2024-07-04T09:22:00+03:00"
    assert ld["author"] == [{"@type": "Person", "name": "Nate Ostiller"},
                            {"@type": "Organization", "name": "The Kyiv Independent news desk"}]
    assert ld["inLanguage"] == "en" and ld["articleSection"] == "News" and "China" in ld["keywords"]
    assert ld["mainEntityOfPage"]["@id"] == url and ld["publisher"]["logo"]["url"].endswith("/static/logo.png")


def test_seed_page_boilerplate_and_assets(site):
    status, headers, body = fetch(site.base_url + SEED_PATH)
    text = body.decode("utf-8")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    for snippet in BOILERPLATE:
        assert snippet in text, snippet
    assert text.count("Enter your email to subscribe") >= 8
    assert text.count("* indicates required") >= 8
    assert 'href="/private/' in text and 'href="/static/style.css"' in text
    for path in ("/static/logo.png", "/images/" + SEED_PATH.split("/")[-2] + ".png"):
        status, headers, png = fetch(site.base_url + path)
        assert status == 200 and headers["Content-Type"] == "image/png"
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
    assert fetch(site.base_url + "/static/style.css")[1]["Content-Type"] == "text/css; charset=utf-8"


# --- HTTP behaviour -----------------------------------------------------------------

def test_bytes_identical_across_fetches_and_instances(site, articles):
    paths = ["/", SEED_PATH, articles[100].path, "/war/page/2/", "/rss.xml", "/sitemaps/2024-06.xml"]
    host = {"Host": "demo.example:8765"}
    with DemoSite() as other:
        assert other.base_url != site.base_url
        for path in paths:
            first = fetch(site.base_url + path, host)[2]
            assert fetch(site.base_url + path, host)[2] == first, path
            assert fetch(other.base_url + path, host)[2] == first, path
    assert b"http://demo.example:8765" + SEED_PATH.encode() in fetch(site.base_url + SEED_PATH, host)[2]


def test_gzip_only_when_asked(site):
    url = site.base_url + SEED_PATH
    status, plain_headers, plain = fetch(url)
    assert plain_headers.get("Content-Encoding") is None and plain.startswith(b"<!DOCTYPE html>")
    status, headers, packed = fetch(url, {"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"] and int(headers["Content-Length"]) == len(packed)
    assert gzip.decompress(packed) == plain
    assert packed[4:8] == b"\0\0\0\0"  # no timestamp in the gzip header: same bytes on every run
    assert fetch(url, {"Accept-Encoding": "gzip"})[2] == packed
    assert fetch(url, {"Accept-Encoding": "gzip;q=0, identity"})[2] == plain


def test_head_has_headers_but_no_body(site):
    status, headers, body = fetch(site.base_url + SEED_PATH, method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == len(fetch(site.base_url + SEED_PATH)[2])


def test_home_links_cookies_and_error_paths(site):
    status, headers, body = fetch(site.base_url + "/")
    assert status == 200 and len(headers.get_all("Set-Cookie")) == 2
    doc = lxml.html.fromstring(body)
    hrefs = doc.xpath("//a/@href")
    assert "/latest/" in hrefs and "/rss.xml" in hrefs
    assert len([h for h in hrefs if re.fullmatch(r"/[a-z]+/\d{4}/\d\d/\d\d/[a-z0-9-]+/", h)]) >= 30
    missing = [h for h in hrefs if "never-existed" in h]
    assert missing and fetch(site.base_url + missing[0])[0] == 404
    status, headers, _ = fetch(site.base_url + "/latest/")
    assert status == 301 and headers["Location"] == site.base_url + "/"
    status, headers, body = fetch(site.base_url + "/no/such/page/")
    assert status == 404 and headers["Content-Type"].startswith("text/html") and b"404" in body


def test_robots_and_private_area(site):
    status, headers, body = fetch(site.base_url + "/robots.txt")
    assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = body.decode().splitlines()
    assert "User-agent: *" in lines and "Disallow: /private/" in lines
    assert f"Sitemap: {site.base_url}/sitemap_index.xml.gz" in lines
    assert fetch(site.base_url + "/private/")[0] == 200


# --- feeds ------------------------------------------------------------------------------

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_sitemap_index_and_monthly_sitemaps(site, articles):
    index = ET.fromstring(fetch(site.base_url + "/sitemap.xml")[2])
    entries = {e.findtext(SM + "loc"): e.findtext(SM + "lastmod") for e in index.iter(SM + "sitemap")}
    assert set(entries) == {site.base_url + "/sitemaps/2024-06.xml", site.base_url + "/sitemaps/2024-07.xml"}
    by_url = {site.base_url + a.path: a for a in articles}
    seen = {}
    for loc, lastmod in entries.items():
        status, headers, body = fetch(loc)
        assert status == 200 and headers["Content-Type"] == "application/xml; charset=utf-8"
        urls = {u.findtext(SM + "loc"): u.findtext(SM + "lastmod") for u in ET.fromstring(body).iter(SM + "url")}
        assert lastmod == max(urls.values(), key=datetime.fromisoformat)
        seen.update(urls)
    assert seen == {url: a.modified.isoformat() for url, a in by_url.items()}


def test_rss_feed(site, articles):
    status, headers, body = fetch(site.base_url + "/rss.xml")
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
    items = ET.fromstring(body).findall("./channel/item")
    assert len(items) == 50
    for item, article in zip(items, articles):
        assert item.findtext("link") == item.findtext("guid") == site.base_url + article.path
        assert item.findtext("title") == article.headline and item.findtext("description")
        assert parsedate_to_datetime(item.findtext("pubDate")) == article.published


def test_every_article_reachable_through_section_pages(site, articles):
    found, queue, visited = set(), [f"/{s}/" for s in {a.section for a in articles}], set()
    while queue:
        path = queue.pop()
        visited.add(path)
        doc = page(site, path)
        found.update(h for h in doc.xpath('//section[@class="post-feed"]//a/@href'))
        queue.extend(h for h in doc.xpath('//a[@rel="next"]/@href') if h not in visited)
    assert found == {a.path for a in articles}
    assert len(visited) > len({a.section for a in articles})


# --- revisions -------------------------------------------------------------------------------

def test_revision_two_catalogue(articles):
    revised = build_articles(2)
    assert [a.path for a in revised] == [a.path for a in articles]
    changed = [(old, new) for old, new in zip(articles, revised) if new.revised]
    assert 0.10 <= len(changed) / len(articles) <= 0.15
    assert all(old == new for old, new in zip(articles, revised) if not new.revised)
    headlines = sum(old.headline != new.headline for old, new in changed)
    assert 0.2 * len(changed) <= headlines < len(changed)
    for old, new in changed:
        assert new.paragraphs != old.paragraphs and new.modified > new.published == old.published
    assert next(a for a in revised if a.path == SEED_PATH).revised is False
    with pytest.raises(ValueError):
        build_articles(3)


def test_live_revision_switch_changes_only_revised_pages():
    with DemoSite(revision=1) as live:
        first = {a.path: fetch(live.base_url + a.path)[2] for a in live.articles()}
        sitemap = fetch(live.base_url + "/sitemaps/2024-07.xml")[2]
        live.revision = 2
        assert live.revision == 2 and sum(a.revised for a in live.articles()) > 0
        second = {a.path: (a, fetch(live.base_url + a.path)[2]) for a in live.articles()}
        assert fetch(live.base_url + "/sitemaps/2024-07.xml")[2] != sitemap
        live.revision = 1
        assert fetch(live.base_url + SEED_PATH)[2] == first[SEED_PATH]
    for path, (article, body) in second.items():
        assert (body != first[path]) == article.revised, path
        if article.revised:
            doc = lxml.html.fromstring(body)
            ld = json.loads(doc.xpath('string(//script[@type="application/ld+json"])'))
            assert ld["dateModified"] == article.modified.isoformat()
            assert doc.findtext(".//h1").strip() == article.headline


def test_revision_is_validated():
    with pytest.raises(ValueError):
        DemoSite(revision=0)
    assert isinstance(build_articles(2)[0], DemoArticle)
