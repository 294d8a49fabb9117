"""Records built from one Scrapy exchange, read back with warcio."""
from datetime import datetime, timezone
from io import BytesIO

from scrapy.http import Request, Response
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from spiders.dedup import DigestIndex
from spiders.warcrecords import (EarlierCapture, metadata_record, payload_digest, reason_phrase,
                                 response_record, revisit_record, truncation)
from spiders.wire import CONN_HEADERS_META, REASON_PHRASE_META

WHEN = datetime(2026, 11, 27, 6, 30, 1, 250000, tzinfo=timezone.utc)


def exchange(body=b"<html>hi</html>", status=200, flags=None, **meta):
    request = Request("http://127.0.0.1:1/a/?q=1", meta=meta)
    response = Response(request.url, status=status, body=body, flags=flags or [], request=request,
                        headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Content-Type", "text/html")])
    return request, response


def roundtrip(*records):
    buf = BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="1.1")
    for record in records:
        writer.write_record(record)
    buf.seek(0)
    return [(r, r.content_stream().read()) for r in ArchiveIterator(buf)]


def test_payload_digest_is_the_one_warcio_writes():
    request, response = exchange()
    [(record, body)] = roundtrip(response_record(request, response, WHEN))
    assert record.rec_headers.get_header("WARC-Payload-Digest") == payload_digest(body)
    assert record.rec_headers.get_header("WARC-Date") == "2026-11-27T06:30:01.250000Z"
    assert record.rec_headers.get_header("WARC-Target-URI") == "http://127.0.0.1:1/a/?q=1"
    assert [v for k, v in record.http_headers.headers if k == "Set-Cookie"] == ["a=1", "b=2"]


def test_revisit_record_points_at_the_earlier_capture():
    request, response = exchange()
    earlier = EarlierCapture(response.url, payload_digest(response.body), "2026-11-01T00:00:00.5Z", "<urn:uuid:x>")
    [(record, body)] = roundtrip(revisit_record(request, response, WHEN, earlier))
    headers = record.rec_headers
    assert record.rec_type == "revisit" and body == b""
    assert headers.get_header("WARC-Profile").endswith("/warc/1.1/revisit/identical-payload-digest")
    assert headers.get_header("WARC-Refers-To-Target-URI") == response.url
    assert headers.get_header("WARC-Refers-To-Date") == "2026-11-01T00:00:00.5Z"
    assert headers.get_header("WARC-Refers-To") == "<urn:uuid:x>"
    assert record.http_headers.get_header("Content-Type") == "text/html"


def test_digest_index_answers_only_for_the_same_payload():
    index = DigestIndex()
    index.remember(EarlierCapture("http://x/", "sha1:AAA", "2026-01-01T00:00:00Z", "<urn:uuid:1>"))
    assert index.unchanged("http://x/", "sha1:AAA").record_id == "<urn:uuid:1>"
    assert index.unchanged("http://x/", "sha1:BBB") is None
    assert index.unchanged("http://y/", "sha1:AAA") is None


def test_truncation_reasons_and_reason_phrases():
    assert truncation(exchange(flags=["dataloss"])[1]) == "disconnect"
    assert truncation(exchange(flags=["download_stopped"])[1]) == "length"
    assert truncation(exchange(flags=["partial"])[1]) is None
    assert reason_phrase(exchange()[0], 404) == "Not Found"
    assert reason_phrase(exchange(**{REASON_PHRASE_META: b"Gone Fishing"})[0], 200) == "Gone Fishing"


def test_connection_headers_replace_the_rebuilt_content_length():
    request, response = exchange(**{CONN_HEADERS_META: [(b"Transfer-Encoding", b"chunked")]})
    response.headers[b"Content-Length"] = b"15"
    [(record, _)] = roundtrip(response_record(request, response, WHEN))
    names = [k for k, _ in record.http_headers.headers]
    assert names[0] == "X-Archive-Orig-Transfer-Encoding" and "Content-Length" not in names


def test_metadata_record_is_warc_fields():
    request, response = exchange()
    request.headers["Referer"] = "http://127.0.0.1:1/"
    request.meta["download_latency"] = 0.125
    record = metadata_record(request, response, WHEN, "<urn:uuid:r>", [("http://127.0.0.1:1/b", "L", "a/@href")])
    [(read, block)] = roundtrip(record)
    assert read.rec_headers.get_header("Content-Type") == "application/warc-fields"
    assert block.decode().splitlines() == ["via: http://127.0.0.1:1/", "fetchTimeMs: 125",
                                           "outlink: http://127.0.0.1:1/b L a/@href"]
