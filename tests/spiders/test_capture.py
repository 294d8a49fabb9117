"""Capture of awkward responses, from a tiny server of the test's own: a chunked body,
a connection dropped mid-body, a body over the size limit, and a page's metadata record."""
import socketserver
import subprocess
import sys
import threading

import pytest
from warcio.archiveiterator import ArchiveIterator

HOME = (b'<html><head><link rel="stylesheet" href="/style.css"></head><body>'
        b'<a href="/a/chunked/">c</a> <a href="/a/dropped/">d</a> <a href="/a/big/">b</a>'
        b'<img src="/pic.png"></body></html>')
CHUNKS = [b"<html><body><h1>Chunked</h1>", b"<p>" + b"x" * 300 + b"</p>", b"</body></html>"]
BIG = b"<html><body>" + b"y" * 400_000 + b"</body></html>"

SITE = """
name = "tiny"
base_url = "http://127.0.0.1:1/"
start_urls = ["/"]
article_patterns = ['^/a/']
[politeness]
obey_robots = false
download_delay = 0.0
autothrottle = false
[limits]
max_response_bytes = 2048
[scope]
allow_private_networks = true
"""


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline().decode()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        path = line.split()[1] if line else "/"
        head = b"HTTP/1.1 %s\r\nConnection: close\r\nContent-Type: text/html; charset=utf-8\r\n"
        if path == "/":
            self.wfile.write(head % b"200 Fine Thanks" + b"Content-Length: %d\r\n\r\n" % len(HOME) + HOME)
        elif path == "/a/chunked/":
            self.wfile.write(head % b"200 OK" + b"Transfer-Encoding: chunked\r\n\r\n")
            for chunk in CHUNKS:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/a/dropped/":
            self.wfile.write(head % b"200 OK" + b"Content-Length: 5000\r\n\r\n" + b"<html>" + b"z" * 994)
        elif path == "/a/big/":
            self.wfile.write(head % b"200 OK" + b"Content-Length: %d\r\n\r\n" % len(BIG) + BIG)
        else:
            self.wfile.write(head % b"404 Not Found" + b"Content-Length: 0\r\n\r\n")


@pytest.fixture(scope="module")
def tiny_crawl(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    (root / "sites").mkdir()
    (root / "sites" / "tiny.toml").write_text(SITE)
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        subprocess.run([sys.executable, "-m", "spiders.crawl", "tiny", "--out", str(root / "out"),
                        "--run-id", "t", "--sites-dir", str(root / "sites"), "--base-url", base],
                       check=True, capture_output=True, timeout=300)
    finally:
        server.shutdown()
    found = {}
    for path in sorted((root / "out").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                found[(record.rec_type, url.removeprefix(base))] = (record, record.content_stream().read())
    return found


def test_chunked_body_is_unframed_and_headers_say_so(tiny_crawl):
    record, body = tiny_crawl[("response", "a/chunked/")]
    assert body == b"".join(CHUNKS)
    headers = dict(record.http_headers.headers)
    assert "Transfer-Encoding" not in headers and headers["X-Archive-Orig-Transfer-Encoding"] == "chunked"
    assert record.rec_headers.get_header("WARC-Truncated") is None


def test_dropped_connection_is_kept_and_marked(tiny_crawl):
    record, body = tiny_crawl[("response", "a/dropped/")]
    assert record.rec_headers.get_header("WARC-Truncated") == "disconnect"
    assert body == b"<html>" + b"z" * 994


def test_body_over_the_size_limit_is_kept_and_marked(tiny_crawl):
    record, body = tiny_crawl[("response", "a/big/")]
    assert record.rec_headers.get_header("WARC-Truncated") == "length"
    assert 2048 <= len(body) < len(BIG) and BIG.startswith(body)


def test_metadata_record_lists_outlinks_and_fetch_time(tiny_crawl):
    response, _ = tiny_crawl[("response", "")]
    record, block = tiny_crawl[("metadata", "")]
    assert record.rec_headers.get_header("Content-Type") == "application/warc-fields"
    assert record.rec_headers.get_header("WARC-Concurrent-To") == response.rec_headers.get_header("WARC-Record-ID")
    fields = [line.split(": ", 1) for line in block.decode().splitlines()]
    base = response.rec_headers.get_header("WARC-Target-URI")
    outlinks = [value for name, value in fields if name == "outlink"]
    assert outlinks == [f"{base}style.css E link/@href", f"{base}a/chunked/ L a/@href",
                        f"{base}a/dropped/ L a/@href", f"{base}a/big/ L a/@href", f"{base}pic.png E img/@src"]
    assert int(dict(fields)["fetchTimeMs"]) >= 0


def test_status_line_and_connection_headers_as_sent(tiny_crawl):
    record, _ = tiny_crawl[("response", "")]
    assert record.http_headers.statusline == "200 Fine Thanks"
    assert record.http_headers.headers[:2] == [("Connection", "close"), ("Content-Length", str(len(HOME)))]


def test_every_response_has_a_request_with_the_same_protocol(tiny_crawl):
    for (kind, url), (record, _) in tiny_crawl.items():
        if kind == "response":
            assert record.rec_headers.get_header("WARC-Protocol") == "http/1.1"
            assert ("request", url) in tiny_crawl


def test_a_request_back_to_the_scheduler_leaves_the_parse_behind():
    """A redirect or retry copies the meta of a fetched request, parse included; the
    scheduler's disk queue must be able to pickle it."""
    import pickle

    import scrapy

    from spiders.capture import WarcCapture
    from spiders.links import PAGE_META, ParsedPage

    page = ParsedPage.parse("http://x/old", b'<html><a href="/new">moved</a></html>')
    request = scrapy.Request("http://x/new", meta={PAGE_META: page, "depth": 2, "conditional": True})
    WarcCapture.request_scheduled(request, spider=None)
    assert PAGE_META not in request.meta and request.meta["depth"] == 2
    assert pickle.loads(pickle.dumps(request.to_dict()))["url"] == "http://x/new"
