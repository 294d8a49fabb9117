"""A real crawl of the demo site, in its own process, captured to WARC."""
import gzip
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator
from spiders.crawl import SUMMARY_NAME as SUMMARY
from tests.support import fetch

WARCIO = str(Path(sys.executable).with_name("warcio"))


def records(files):
    for path in files:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                yield path, record, record.raw_stream.read() if record.rec_type in ("response", "metadata") else b""


@pytest.fixture(scope="module")
def crawl(demo_crawl):
    summary, files = demo_crawl
    return summary, files, list(records(files))


def responses(crawl):
    return {r.rec_headers.get_header("WARC-Target-URI"): (r, body)
            for _, r, body in crawl[2] if r.rec_type == "response"}


def test_summary_and_file_names(crawl):
    summary, files, _ = crawl
    assert summary["finish_reason"] == "finished"
    assert summary["responses"] >= 450
    assert files and all(p.name.startswith("demo-") and p.name.endswith(".warc.gz") for p in files)


def test_every_file_passes_warcio_check(crawl):
    for path in crawl[1]:
        result = subprocess.run([WARCIO, "check", "-v", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout[-2000:]


def test_each_file_opens_with_warcinfo_in_warc_1_1(crawl):
    first = {}
    for path, record, _ in crawl[2]:
        first.setdefault(path, record)
        assert record.rec_headers.protocol == "WARC/1.1"
    assert all(r.rec_type == "warcinfo" for r in first.values())


def test_all_kinds_of_exchange_are_captured(demo_site, crawl):
    got = responses(crawl)
    paths = {urlsplit(u).path: r.http_headers.get_statuscode() for u, (r, _) in got.items()}
    assert paths["/robots.txt"] == "200"
    assert paths["/sitemap.xml"] == "200" and paths["/sitemaps/2024-07.xml"] == "200"
    assert paths["/rss.xml"] == "200"
    assert paths["/latest/"] == "301"
    assert "404" in paths.values()
    assert any(p.endswith(".css") for p in paths) and any(p.endswith(".png") for p in paths)
    assert not any(p.startswith("/private/") for p in paths), "robots.txt must be obeyed"
    articles = {a.path for a in demo_site.articles()}
    assert articles <= set(paths), f"missing {sorted(articles - set(paths))[:3]}"


def test_bodies_are_kept_as_sent_on_the_wire(demo_site, crawl):
    for article in demo_site.articles()[:20]:
        url = demo_site.base_url + article.path
        record, raw = responses(crawl)[url]
        assert record.http_headers.get_header("Content-Encoding") == "gzip"
        assert raw == fetch(url, {"Accept-Encoding": "gzip"})[2]      # the bytes on the wire
        assert gzip.decompress(raw) == fetch(url)[2]                    # ... which are the page
        digest = record.rec_headers.get_header("WARC-Payload-Digest")
        assert digest and digest.startswith("sha1:")


def test_request_records_and_warc_headers(crawl):
    requests = {r.rec_headers.get_header("WARC-Concurrent-To"): r for _, r, _ in crawl[2] if r.rec_type == "request"}
    for url, (resp, _) in responses(crawl).items():
        req = requests[resp.rec_headers.get_header("WARC-Record-ID")]
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        assert (req.http_headers.protocol, req.http_headers.statusline) == ("GET", f"{target} HTTP/1.1")
        assert req.http_headers.get_header("Host") == urlsplit(url).netloc
        assert "newsarchive/" in req.http_headers.get_header("User-Agent")
        assert resp.rec_headers.get_header("WARC-IP-Address") == parts.hostname   # the CDN is 127.0.0.2
        assert len(resp.rec_headers.get_header("WARC-Date")) > len("2024-07-04T06:22:00Z")


def test_repeated_headers_are_kept(demo_site, crawl):
    home, _ = responses(crawl)[demo_site.base_url + "/"]
    cookies = [v for k, v in home.http_headers.headers if k.lower() == "set-cookie"]
    assert len(cookies) >= 2


def test_every_article_body_is_the_served_bytes(demo_site, crawl):
    got = responses(crawl)
    for article in demo_site.articles():
        url = demo_site.base_url + article.path
        _, raw = got[url]
        assert gzip.decompress(raw) == fetch(url)[2], url


def test_each_page_has_a_metadata_record_with_its_outlinks(demo_site, crawl):
    got = responses(crawl)
    metadata = {r.rec_headers.get_header("WARC-Concurrent-To"): (r, block)
                for _, r, block in crawl[2] if r.rec_type == "metadata"
                and r.rec_headers.get_header("WARC-Concurrent-To")}      # failure records stand alone
    assert len(metadata) == len(got)
    home, _ = got[demo_site.base_url + "/"]
    record, block = metadata[home.rec_headers.get_header("WARC-Record-ID")]
    assert record.rec_headers.get_header("Content-Type") == "application/warc-fields"
    assert record.rec_headers.get_header("WARC-Target-URI") == demo_site.base_url + "/"
    links = {line.split(" ")[1] for line in block.decode().splitlines() if line.startswith("outlink: ")}
    linked_articles = {u for u in links if urlsplit(u).path in {a.path for a in demo_site.articles()}}
    assert linked_articles and all(f"outlink: {u} L a/@href" in block.decode() for u in linked_articles)
    assert any(line.startswith("fetchTimeMs: ") for line in block.decode().splitlines())


def test_pending_requests_waited_on_disk_and_their_folder_is_gone(crawl):
    summary, files, _ = crawl
    assert summary["requests_queued_in_memory"] == 0      # redirects included: every request pickled
    assert sorted(p.name for p in files[0].parent.iterdir()) == sorted([p.name for p in files] + [SUMMARY])
