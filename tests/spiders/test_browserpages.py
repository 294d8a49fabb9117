"""Browser capture without a browser: the scope of a page's requests, how a browser request
becomes the crawl's and back, and the records a rendered page leaves."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from spiders.browserpages import browser_request, fulfilment
from spiders.browsertab import PageRender
from spiders.scope import BrowserScope, RequisiteScope, SiteScope
from spiders.siteconfig import SiteDefinition, SiteError, load_site_file


def _site(**extra) -> SiteDefinition:
    return SiteDefinition.model_validate({"name": "s", "base_url": "http://127.0.0.1:8765/",
                                          "article_patterns": ["^/a/"],
                                          "scope": {"allow_private_networks": True, "hosts": ["cdn.example.com"]},
                                          "requisites": {"skip_hosts": ["ads.example.net"]}, **extra})


@pytest.fixture
def scope():
    site = _site()
    sitescope = SiteScope(site)
    return BrowserScope(sitescope, RequisiteScope(site))


@pytest.mark.parametrize("url, kind, refused", [
    ("http://127.0.0.1:8765/api/body.json", "subresource", None),
    ("http://cdn.example.com/app.js", "subresource", None),
    ("https://fonts.example.org/font.woff2", "subresource", None),           # other hosts on 80/443
    ("http://127.0.0.1:8766/canary", "subresource", "not one of the site's hosts"),   # the site's host, other port
    ("http://127.0.0.2:8765/canary", "subresource", "ports 80 and 443 only"),
    ("http://127.0.0.2/canary", "subresource", "loopback or private address"),
    ("http://10.1.2.3/", "subresource", "loopback or private address"),
    ("http://[::1]/", "subresource", "loopback or private address"),
    ("http://localhost/", "subresource", "loopback or private address"),
    ("http://tracker.ads.example.net/pixel.gif", "subresource", "skipped"),
    ("ftp://example.org/file", "subresource", "not http(s)"),
    ("https://fonts.example.org/", "page", "not one of the site's hosts"),    # navigations stay on the site
    ("http://127.0.0.1:8765/other/", "page", None),
])
def test_what_a_rendered_page_may_load(scope, url, kind, refused):
    reason = scope.refusal(url, kind)
    assert (reason is None) if refused is None else (refused in (reason or "")), reason


def test_private_addresses_need_the_sites_consent_for_its_own_hosts_only():
    site = _site(scope={"allow_private_networks": True, "hosts": ["127.0.0.2:8765"]})
    scope = BrowserScope(SiteScope(site), RequisiteScope(site))
    assert scope.refusal("http://127.0.0.2:8765/img.png", "subresource") is None      # named by the site
    assert scope.refusal("http://127.0.0.3/img.png", "subresource") is not None


def test_a_browser_request_carries_the_pages_headers_but_the_crawls_identity():
    request = browser_request({"url": "http://h/api", "method": "POST", "postData": "q=1",
                               "headers": {"User-Agent": "HeadlessChrome", "Accept-Encoding": "gzip, br, zstd",
                                           "Referer": "http://h/page", "Content-Type": "text/plain"}}, "subresource")
    assert request.method == "POST" and request.body == b"q=1"
    assert request.headers.get("Referer") == b"http://h/page"
    assert b"User-Agent" not in request.headers and b"Accept-Encoding" not in request.headers
    assert request.meta["browser"] == "subresource" and request.meta["dont_redirect"] and request.dont_filter


def test_the_browser_gets_the_decoded_body_without_the_framing_headers():
    response = HtmlResponse("http://h/", status=404, body=b"<p>gone</p>",
                            headers={"Content-Type": "text/html", "Content-Encoding": "gzip",
                                     "Content-Length": "20", "Set-Cookie": ["a=1", "b=2"]})
    answer = fulfilment(response)
    names = [h["name"].lower() for h in answer["responseHeaders"]]
    assert answer["responseCode"] == 404 and names.count("set-cookie") == 2
    assert "content-encoding" not in names and "content-length" not in names
    import base64
    assert base64.b64decode(answer["body"]) == b"<p>gone</p>"


def test_the_browser_section_is_checked(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nbase_url = "https://example.com/"\narticle_patterns = ["^/a/"]\n'
                    '[browser]\nenabled = true\ntab = 3\n')
    with pytest.raises(SiteError, match="browser.tab"):
        load_site_file(path)
    site = _site(browser={"enabled": True, "pages": "articles"})
    assert site.browser.renders(is_article=True) and not site.browser.renders(is_article=False)
    assert not _site().browser.renders(is_article=True)


# -- the records of a rendered page ----------------------------------------------------------

@pytest.fixture
def capture(tmp_path):
    from spiders.capture import WarcCapture

    crawler = get_crawler(settings_dict={"WARC_DIR": str(tmp_path / "warcs"), "JOBDIR": str(tmp_path / "job")})
    return WarcCapture.from_crawler(crawler)


def _page(capture) -> tuple[Request, HtmlResponse]:
    request = Request("http://h/a/1/")
    response = HtmlResponse(request.url, body=b"<html><title>t</title></html>", request=request,
                            headers={"Content-Type": "text/html"})
    capture.response_downloaded(response, request, spider=None)
    return request, response


def _records(capture) -> list:
    files = capture.writer.close()
    found = []
    for path in files:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                body = record.content_stream().read()
                found.append(SimpleNamespace(kind=record.rec_type, uri=record.rec_headers.get_header("WARC-Target-URI"),
                                             headers=record.rec_headers, body=body))
    return found


def test_a_rendered_page_leaves_its_dom_and_screenshot_tied_to_its_record_and_revisits_when_unchanged(capture):
    request, response = _page(capture)
    render = PageRender(request.url, dom=b"<html><p>built</p></html>", screenshot=b"\x89PNG...", requests=4,
                        scrolls=2, loaded=True, seconds=1.5)
    capture.page_rendered(request, response, render)
    capture.page_rendered(request, response, render)         # rendered again, unchanged
    capture.page_rendered(request, response, PageRender(request.url, dom=b"<html><p>cut</p></html>",
                                                        truncated="time"))
    records = _records(capture)
    page_id = next(r.headers.get_header("WARC-Record-ID") for r in records if r.kind == "response")
    doms = [r for r in records if r.uri == "urn:dom:http://h/a/1/"]
    views = [r for r in records if r.uri == "urn:view:http://h/a/1/"]
    assert [r.kind for r in doms] == ["resource", "revisit", "resource"] and [r.kind for r in views] == ["resource", "revisit"]
    assert doms[0].body == b"<html><p>built</p></html>" and views[0].headers.get_header("Content-Type") == "image/png"
    assert all(r.headers.get_header("WARC-Concurrent-To") == page_id for r in doms + views)
    assert doms[1].headers.get_header("WARC-Refers-To") == doms[0].headers.get_header("WARC-Record-ID")
    assert doms[2].headers.get_header("WARC-Truncated") == "time"
    about = [r.body.decode() for r in records if r.kind == "metadata" and b"renderedBy" in r.body]
    assert len(about) == 3 and "requests: 4" in about[0] and "truncated: time" in about[2]


def test_a_crashed_tab_leaves_a_failure_record(capture):
    request, response = _page(capture)
    capture.page_rendered(request, response, PageRender(request.url, crashed="the tab crashed"))
    records = _records(capture)
    failures = [r for r in records if r.kind == "metadata" and b"failure:" in r.body]
    assert len(failures) == 1 and b"browser: the tab crashed" in failures[0].body
    assert not [r for r in records if r.kind == "resource"]


def test_a_browser_site_without_chromium_fails_at_once_with_one_line(monkeypatch):
    from spiders import chromium
    from spiders.crawl import check_browser

    monkeypatch.setattr(chromium, "BINARIES", ("/nonexistent/chromium",))
    with pytest.raises(SiteError, match=r"site s has \[browser\] enabled, but no Chromium found"):
        check_browser(_site(browser={"enabled": True}))
    check_browser(_site())                    # no browser, no check
