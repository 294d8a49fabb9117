"""Bad input never crashes cleaning: each case gets a capture row with a skip reason
(or, where the page is still readable, an article)."""
from __future__ import annotations

import pytest

from pipelines.clean.step import clean_record
from pipelines.warc.records import ResponseRecord
from spiders.siteconfig import load_site

URL = "http://127.0.0.1:8765/news/2024/07/04/a-story/"
PARAGRAPHS = [f"Paragraph {i} of the story says something different about the city council budget vote "
              f"and the reactions of residents number {i}." for i in range(6)]


def page(body: str = "".join(f"<p>{p}</p>" for p in PARAGRAPHS), head: str = "") -> str:
    return (f"<html><head>{head}<title>A story</title></head>"
            f"<body><article><h1>A story</h1>{body}</article></body></html>")


def record(body: bytes, mime: str = "text/html", content_type: str | None = None) -> ResponseRecord:
    return ResponseRecord(
        warc_key="warcs/demo/x.warc.gz", offset=0, length=len(body), record_id="<urn:uuid:1>",
        record_type="response", url=URL, fetched_at="2024-07-04T10:00:00Z", status=200, mime=mime,
        content_type=content_type or mime, payload_digest=None, ip_address=None, truncated=None, body=body)


@pytest.fixture(scope="module")
def site():
    return load_site("demo")


def nested(depth: int) -> bytes:
    return page("<div>" * depth + "deep" + "</div>" * depth).encode()


def huge_dom(elements: int) -> bytes:
    return page("<span>x</span>" * elements).encode()


@pytest.mark.parametrize("name, rec, reason", [
    ("non-HTML payload", record(b"\x89PNG\r\n\x1a\n" + bytes(200), mime="image/png"), "not HTML (image/png)"),
    ("binary body labelled HTML", record(bytes(range(256)) * 8), "binary content"),
    ("empty page", record(b""), "empty page"),
    ("whitespace page", record(b"  \n\t "), "empty page"),
    ("plain text labelled HTML", record(b"just some words, no markup at all " * 20), "not HTML"),
    ("page with no article", record(page("<nav><a href='/'>Home</a></nav>").encode()), "no article text"),
    ("deeply nested DOM", record(nested(50_000)), None),
    ("huge DOM", record(huge_dom(250_000)), "DOM too large"),
    ("huge page", record(b"<html><body>" + b"<p>x</p>" * 1_100_000 + b"</body></html>"), "page too large"),
])
def test_bad_input_gets_a_skip_reason(site, name, rec, reason):
    capture, article = clean_record(rec, site, "run-1")
    assert article is None, name
    assert capture["skip_reason"], name
    if reason:
        assert reason in capture["skip_reason"], (name, capture["skip_reason"])


@pytest.mark.parametrize("name, rec", [
    ("no charset anywhere, UTF-8 bytes", record(page().replace("story", "stóry").encode("utf-8"))),
    ("no HTTP charset, meta says latin-1", record(page(head='<meta charset="iso-8859-1">')
                                                  .replace("story", "stóry").encode("latin-1"))),
    ("meta declares UTF-8, bytes are latin-1", record(page(head='<meta charset="utf-8">')
                                                      .replace("story", "stóry").encode("latin-1"))),
    ("unknown HTTP charset", record(page().encode(), content_type="text/html; charset=x-no-such-thing")),
    ("invalid UTF-8 in the middle", record(page().encode().replace(b"Paragraph 3", b"Paragraph \xff\xfe 3"))),
])
def test_charset_trouble_still_yields_the_article(site, name, rec):
    capture, article = clean_record(rec, site, "run-1")
    assert capture["skip_reason"] is None, (name, capture["skip_reason"])
    # a wrong declaration may leave one letter guessed, never a lost page or a replacement character
    assert article["title"].startswith("A st") and article["title"].endswith("ry")
    assert "\ufffd" not in article["title"]
    assert article["text"].count("\n") == len(PARAGRAPHS) - 1
