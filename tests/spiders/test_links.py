"""Link filtering keeps fixed-size keys, not the URLs of a whole run."""
import tracemalloc

from spiders.links import LinkFilter, SeenUrls, _joined, absolute


def urls(n):
    return (f"https://news.example.org/2026/11/30/section-{i}/a-rather-long-article-slug-number-{i}/" for i in range(n))


def kept_bytes(remember) -> int:
    """Bytes still allocated after offering 20,000 distinct URLs that nothing else keeps."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for url in urls(20_000):
        remember(url)
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return kept


def test_link_filter_passes_a_url_once_per_shallower_depth():
    links = LinkFilter()
    assert links.new("http://x/a", 3)
    assert not links.new("http://x/a", 3) and not links.new("http://x/a", 5)
    assert links.new("http://x/a", 1)                   # found higher up: taken again
    assert links.new("http://x/b", 5) and len(links) == 2


def test_seen_urls_answers_first_once():
    seen = SeenUrls()
    assert "http://x/s.css" not in seen
    assert seen.first("http://x/s.css") and not seen.first("http://x/s.css")
    assert "http://x/s.css" in seen
    assert seen.first("http://x/t.css") and len(seen) == 2


def test_neither_keeps_the_url_strings():
    # a set of the strings keeps about 4.8 MB of them, a set of their hashes 2.8 MB
    links, seen = LinkFilter(), SeenUrls()
    assert kept_bytes(lambda url: links.new(url, 1)) < 1_000_000
    assert kept_bytes(seen.first) < 1_000_000


def test_the_join_cache_is_bounded_small():
    assert _joined.cache_info().maxsize <= 32768
    assert absolute("http://x/a/b", "../c") == "http://x/c"


MIXED_PAGE = b"""<!doctype html><html><head><title>t</title>
<!-- <a href="/in-a-comment">no</a> -->
<base href="https://cdn.example.net/base/"><link rel="stylesheet" href="s.css">
<script src="/app.js"></script></head>
<body><nav><a href="/">home</a> <a href="javascript:void(0)">js</a> <a href="#top">top</a></nav>
<p>text <a href=" rel/page.html ">one</a><img src="i.png" srcset="i2.png 2x"></p>
<div><a href="/">home again</a><iframe src="//player.example.com/v/1"></iframe>
<area href="map.html"><a href="mailto:x@example.org">mail</a>
<table><tr><td><a href="https://other.example.org/x?a=1&amp;b=2">unclosed
</table><a href="/\xc3\xa9t\xc3\xa9/">utf-8</a></body></html>"""


def _both_ways(monkeypatch, url, body):
    from spiders import links
    monkeypatch.setattr(links, "LARGE_PAGE_BYTES", 1 << 40)
    tree = links.ParsedPage.parse(url, body)
    monkeypatch.setattr(links, "LARGE_PAGE_BYTES", 0)
    return tree, links.ParsedPage.parse(url, body)


def test_a_large_page_has_the_links_and_base_its_tree_has(monkeypatch):
    tree, streamed = _both_ways(monkeypatch, "http://news.example.org/a/b.html", MIXED_PAGE)
    assert streamed.links == tree.links and streamed.base == tree.base == "https://cdn.example.net/base/"
    assert ("https://cdn.example.net/base/rel/page.html", "L", "a/@href") in streamed.links
    assert not any("comment" in url or url.startswith("javascript") for url, _, _ in streamed.links)


def test_real_pages_have_the_same_links_either_way(monkeypatch):
    import gzip
    from pathlib import Path
    pages = sorted((Path(__file__).resolve().parents[2] / "bench" / "data" / "newspaper4k").rglob("*.html*"))
    assert len(pages) >= 10
    for path in pages:
        body = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        tree, streamed = _both_ways(monkeypatch, "https://site.example/news/page.html", body)
        assert streamed.links == tree.links and streamed.base == tree.base, path.name


def test_a_large_page_builds_its_tree_only_when_asked(monkeypatch):
    from spiders import links
    body = b"<html><body>" + b"".join(b'<p><a href="/p/%d/">%d</a></p>' % (i, i) for i in range(20_000)) + b"</body></html>"
    assert len(body) > links.LARGE_PAGE_BYTES
    page = links.ParsedPage.parse("http://x/", body)
    assert page._selector is None and len(page.anchors()) == 20_000
    assert page.selector.xpath("count(//a)").get() == "20000.0" and page._body == b""
    small = links.ParsedPage.parse("http://x/", b'<a href="/one">1</a>')
    assert small._selector is not None
