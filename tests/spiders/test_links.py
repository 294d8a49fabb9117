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
