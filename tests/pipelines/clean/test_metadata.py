import json
from datetime import datetime, timezone

from trafilatura.utils import load_html

from pipelines.clean.metadata import extract_metadata, parse_date, split_authors, split_tags

GRAPH = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebSite", "name": "Example Site"},
        {"@type": ["NewsArticle", "Article"], "headline": "Graph headline",
         "author": [{"@type": "Person", "name": "By Ann Lee"}, {"@type": "Person", "name": "Bob Ray and Ann Lee"}],
         "datePublished": "2024-07-04T09:22:00+03:00", "dateModified": "2024-07-05T10:00:00-0400",
         "inLanguage": "en-GB", "articleSection": ["World", "Europe"], "keywords": "war, energy, war",
         "description": "What happened.", "image": {"@type": "ImageObject", "url": "https://ex.org/a.jpg",
                                                    "caption": "A photo."},
         "publisher": {"@type": "Organization", "name": "Example News"}},
    ],
}


def page(head: str, body: str = "<p>Text.</p>", lang: str = "") -> str:
    return f"<html{lang}><head>{head}</head><body>{body}</body></html>"


def test_json_ld_graph_and_type_lists_come_first():
    head = (f'<script type="application/ld+json">{json.dumps(GRAPH)}</script>'
            '<meta property="og:title" content="OG headline"><link rel="canonical" href="https://ex.org/a">')
    m = extract_metadata(load_html(page(head)), "https://ex.org/a?utm=1")
    assert m.title == "Graph headline" and m.sources["title"] == "json-ld"
    assert m.authors == ["Ann Lee", "Bob Ray"]
    assert m.published == datetime(2024, 7, 4, 6, 22, tzinfo=timezone.utc)
    assert m.modified == datetime(2024, 7, 5, 14, tzinfo=timezone.utc)
    assert (m.language, m.section, m.tags) == ("en", "World", ["war", "energy"])
    assert (m.description, m.image_url, m.image_caption) == ("What happened.", "https://ex.org/a.jpg", "A photo.")
    assert m.publisher == "Example News" and m.canonical_url == "https://ex.org/a"
    assert m.sources["canonical_url"] == "dom" and m.sources["publisher"] == "json-ld"


def test_meta_tags_then_the_dom():
    head = ('<title>Site name | DOM headline</title><meta property="og:site_name" content="Site name">'
            '<meta name="author" content="by Jane Doe, John Roe">'
            '<meta property="article:published_time" content="2024-06-02T10:00:00Z">'
            '<meta property="article:tag" content="one"><meta property="article:tag" content="two">')
    m = extract_metadata(load_html(page(head, lang=' lang="de-AT"')), "https://ex.org/b")
    assert m.authors == ["Jane Doe", "John Roe"] and m.sources["authors"] == "meta"
    assert m.published == datetime(2024, 6, 2, 10, tzinfo=timezone.utc) and m.sources["published"] == "meta"
    assert m.tags == ["one", "two"] and m.publisher == "Site name"
    assert m.language == "de" and m.sources["language"] == "dom"
    assert "DOM headline" in m.title and m.sources["title"] == "dom"
    assert m.canonical_url == "https://ex.org/b" and m.sources["canonical_url"] == "url"
    assert m.modified is None and "modified" not in m.sources


def test_time_element_then_scripts_then_htmldate_give_the_date_when_no_tag_does():
    body = ("<nav><time datetime='2020-01-01'>1 Jan</time></nav><a href='/x'><time datetime='2021-01-01'>x</time></a>"
            "<article><h1>Title</h1><time datetime='2023-03-15T22:30:00-0500'>15 March 2023</time><p>Text.</p>"
            "</article>")
    m = extract_metadata(load_html(page("<title>Title</title>", body)), "https://ex.org/c")
    assert m.published == datetime(2023, 3, 16, 3, 30, tzinfo=timezone.utc) and m.sources["published"] == "dom"

    state = '<script>window.__DATA__ = {"article": {"datePublished": "2023-03-14T08:00:00Z"}};</script>'
    m = extract_metadata(load_html(page("<title>Title</title>" + state)), "https://ex.org/c")
    assert m.published == datetime(2023, 3, 14, 8, tzinfo=timezone.utc) and m.sources["published"] == "script"

    m = extract_metadata(load_html(page("<title>Title</title>", "<p>Text.</p>")), "https://ex.org/2023/03/15/c")
    assert m.published is not None and m.published.date().isoformat() == "2023-03-15"
    assert m.sources["published"] == "htmldate"


def title_of(head: str, body: str) -> tuple[str, str]:
    m = extract_metadata(load_html(page(head, body)), "https://portnews.example/a")
    return m.title, m.sources["title"]


def test_title_is_the_h1_the_page_titles_describe():
    head = '<title>Ships wait longer at the harbour - Port News</title><meta property="og:title" content="Harbour delays">'
    body = "<h1>Port News</h1><h1>Ships wait longer at the harbour this winter</h1><p>Text.</p>"
    assert title_of(head, body) == ("Ships wait longer at the harbour this winter", "dom")
    body = "<h1>Port News</h1><p>Text.</p>"                     # a logo heading is not the headline
    assert title_of(head, body) == ("Harbour delays", "meta")


def test_title_is_the_h1_that_twitter_title_describes():
    # og:title and <title> carry the wording made for search; the card's title is the page's headline
    head = ('<title>Port staff to be laid off this week</title><meta property="og:title" content="Port staff to be'
            ' laid off this week"><meta name="twitter:title" content="Major harbour layoffs begin today">')
    body = "<h1>Port News</h1><h1>Major harbour layoffs begin today</h1><p>Text.</p>"
    assert title_of(head, body) == ("Major harbour layoffs begin today", "dom")


def test_authors_from_bylines_without_company_or_site_names():
    head = ('<meta name="author" content="Example Media Group"><meta property="og:site_name" content="Port News">'
            '<meta property="article:author" content="https://facebook.com/portnews">')
    footer = "<footer><p>© 2024 Example Media Group. All rights reserved.</p></footer>"
    body = ('<div class="article-byline"><span>By </span><a rel="author">Jane Do<b>e</b></a>'
            '<span>Staff Writer</span>, <span>Port News</span> <span>12 May 2024</span></div><p>Text.</p>' + footer)
    m = extract_metadata(load_html(page(head, body)), "https://portnews.example/a")
    assert m.authors == ["Jane Doe"] and m.sources["authors"] == "dom"

    body = '<header><p class="meta">By Ann Lee, Wednesday, 20 November 2019 08:00</p></header><p>Text.</p>'
    m = extract_metadata(load_html(page("<title>A - Port News</title>", body)), "https://portnews.example/a")
    assert m.authors == ["Ann Lee"]
    m = extract_metadata(load_html(page("<title>A story - Port News</title>")), "https://www.portnews.example/a")
    assert m.authors == ["Port News"] and m.sources["authors"] == "publisher"
    assert m.publisher == "Port News"


def test_author_roles_and_links():
    # a role after the name and the site's own staff credit are nobody's name
    head = '<meta name="author" content="Paul Lee, Staff writer"><meta property="og:site_name" content="Port News">'
    assert extract_metadata(load_html(page(head)), "https://portnews.example/a").authors == ["Paul Lee"]
    body = '<p class="byline">By Eric Song, Port News Staff</p><p>Text.</p>'
    m = extract_metadata(load_html(page('<meta property="og:site_name" content="Port News">', body)), "https://p.ex/a")
    assert m.authors == ["Eric Song"]
    # no class or "By" marks the byline, the link to the writer's page does
    body = ('<nav><a href="/author/all">Our writers</a></nav><div class="meta"><h4><a href="/author/marcus-de-guzman">'
            'Marcus De Guzman</a></h4></div><p>Text.</p>')
    m = extract_metadata(load_html(page('<meta property="og:site_name" content="Port News">', body)), "https://p.ex/a")
    assert m.authors == ["Marcus De Guzman"] and m.sources["authors"] == "dom"
    body = '<a href="/author/tim-lee" rel="author">Tim Lee  -  Port News Contributor</a><p>Text.</p>'
    assert extract_metadata(load_html(page("", body)), "https://p.ex/a").authors == ["Tim Lee"]


def test_helpers():
    assert split_authors(["by Nate Ostiller and The Kyiv Independent news desk", "Nate Ostiller"]) == [
        "Nate Ostiller", "The Kyiv Independent news desk"]
    assert split_authors(["https://ex.org/author/x", "  "]) == []
    assert split_authors(["Theresa May and June Smith", "Joe Roe Monday November 18, 2019",
                          "Meg James Staff Writer", "Phil Helsel is a reporter for NBC News"]) == [
        "Theresa May", "June Smith", "Joe Roe", "Meg James", "Phil Helsel"]
    assert split_tags(["a", "b", "a"]) == ["a", "b"] and split_tags(None) == []
    assert parse_date("2024-07-04T09:22:00+03:00") == datetime(2024, 7, 4, 6, 22, tzinfo=timezone.utc)
    assert parse_date("2024-07-04") == datetime(2024, 7, 4, tzinfo=timezone.utc)
    assert parse_date("not a date") is None and parse_date(None) is None


def test_site_names_are_stripped_from_meta_titles():
    head = ('<meta property="og:title" content="Best gadgets of 2019 | Gadget World">'
            '<meta property="og:site_name" content="Gadget World">')
    assert extract_metadata(load_html(page(head)), "https://ex.org/a").title == "Best gadgets of 2019"
    head = '<meta property="og:title" content="Rockets - and why they fly - SpaceNews">'
    assert extract_metadata(load_html(page(head)), "https://spacenews.com/a").title == "Rockets - and why they fly"
    head = '<meta property="og:title" content="Opinion | A headline about opinions">'
    assert extract_metadata(load_html(page(head)), "https://ex.org/a").title == "Opinion | A headline about opinions"


def test_json_ld_entities_are_unescaped():
    ld = {"@type": "NewsArticle", "headline": "The &#8216;Medium&#8217; &amp; the message"}
    m = extract_metadata(load_html(page(f'<script type="application/ld+json">{json.dumps(ld)}</script>')), "u")
    assert m.title == "The ‘Medium’ & the message"
