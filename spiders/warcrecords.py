"""Turn one Scrapy request/response exchange into WARC records: request,
response (or revisit) and a Heritrix-style metadata record.

The response body is taken as it came off the wire (still content-encoded):
Scrapy's `response_downloaded` signal fires before the compression middleware
decodes it. Twisted has already removed chunked framing, so a
`Transfer-Encoding` header is renamed to keep the record self-consistent
(replay tools would otherwise try to de-chunk a body that is not chunked).
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from io import BytesIO
from urllib.parse import urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date

from .sitemaps import DISCOVERY_META
from .wire import CONN_HEADERS_META, REASON_PHRASE_META

_builder = RecordBuilder(warc_version="1.1")

# Scrapy response flags that mean the body is not the whole of what the server sent.
# "time_limit" is set by the capture when it stopped a download that ran out of time.
TRUNCATION_FLAGS = {"time_limit": "time", "dataloss": "disconnect", "download_stopped": "length"}
FETCH_SECONDS_META = "warc_fetch_seconds"      # request sent to last byte, set by the capture
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
FAILURE_FIELD = "failure"                      # the field that marks a failure metadata record


def warc_date(moment: datetime) -> str:
    return datetime_to_iso_date(moment.astimezone(timezone.utc).replace(tzinfo=None), use_micros=True)


def payload_digest(body: bytes) -> str:
    """sha1 in base32, as warcio writes WARC-Payload-Digest: needed before writing,
    to decide between a response and a revisit."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _header_list(headers) -> list[tuple[str, str]]:
    """Every header with every repeated value (Set-Cookie...), in received order."""
    return [(_text(name), _text(value)) for name, values in headers.items() for value in values]


def reason_phrase(request, status: int) -> str:
    """The server's own phrase when the download side kept it (even an empty one), else the
    standard one; never an invented one for a status that has none."""
    phrase = request.meta.get(REASON_PHRASE_META)
    if phrase is not None:
        return _text(phrase)
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def truncation(response) -> str | None:
    """WARC-Truncated reason for a body cut short, or None when it is whole."""
    flags = response.flags or []
    return next((reason for flag, reason in TRUNCATION_FLAGS.items() if flag in flags), None)


def _protocol(response) -> str:
    return getattr(response, "protocol", None) or "HTTP/1.1"


def received_headers(request, response) -> list[tuple[str, str]]:
    """The headers as received. Twisted parses the connection-control ones apart and
    Scrapy rebuilds only Content-Length from them; when `wire` kept them, they come
    first as sent, instead of Scrapy's rebuilt Content-Length."""
    connection = request.meta.get(CONN_HEADERS_META)
    headers = _header_list(response.headers)
    if connection is None:
        return headers
    return [(_text(n), _text(v)) for n, v in connection] + [
        (n, v) for n, v in headers if n.lower() != "content-length"]


def _response_http_headers(request, response) -> StatusAndHeaders:
    headers = [
        ("X-Archive-Orig-Transfer-Encoding", v) if n.lower() == "transfer-encoding" else (n, v)
        for n, v in received_headers(request, response)
    ]
    status_line = f"{response.status} {reason_phrase(request, response.status)}".strip()
    return StatusAndHeaders(status_line, headers, protocol=_protocol(response))


def _response_warc_headers(response, fetched_at: datetime) -> dict[str, str]:
    warc_headers = {"WARC-Date": warc_date(fetched_at), "WARC-Protocol": _protocol(response).lower()}
    if getattr(response, "ip_address", None) is not None:
        warc_headers["WARC-IP-Address"] = str(response.ip_address)
    if truncated := truncation(response):
        warc_headers["WARC-Truncated"] = truncated
    return warc_headers


def response_record(request, response, fetched_at: datetime):
    body = response.body
    return _builder.create_warc_record(
        response.url, "response", payload=BytesIO(body), length=len(body),
        http_headers=_response_http_headers(request, response),
        warc_headers_dict=_response_warc_headers(response, fetched_at))


@dataclass(frozen=True)
class EarlierCapture:
    """The latest earlier capture of a URL, as the digest index knows it."""
    url: str
    payload_digest: str
    warc_date: str
    record_id: str | None = None


def revisit_record(request, response, fetched_at: datetime, earlier: EarlierCapture):
    """Identical-payload-digest revisit: the HTTP headers as received, no payload."""
    warc_headers = _response_warc_headers(response, fetched_at)
    if earlier.record_id:
        warc_headers["WARC-Refers-To"] = earlier.record_id
    return _builder.create_revisit_record(
        response.url, earlier.payload_digest, earlier.url, earlier.warc_date,
        http_headers=_response_http_headers(request, response), warc_headers_dict=warc_headers)


def not_modified_record(request, response, fetched_at: datetime, earlier: EarlierCapture):
    """Server-not-modified revisit for a 304 to a conditional re-check: the 304's headers as
    received; the payload is the earlier capture's (its digest is kept so replay finds it)."""
    warc_headers = _response_warc_headers(response, fetched_at)
    warc_headers.update({"WARC-Profile": NOT_MODIFIED_PROFILE, "WARC-Refers-To-Target-URI": earlier.url,
                         "WARC-Refers-To-Date": earlier.warc_date, "WARC-Payload-Digest": earlier.payload_digest})
    if earlier.record_id:
        warc_headers["WARC-Refers-To"] = earlier.record_id
    return _builder.create_warc_record(response.url, "revisit", http_headers=_response_http_headers(request, response),
                                       warc_headers_dict=warc_headers)


def request_record(request, response, fetched_at: datetime, concurrent_to: str):
    """The request as sent: request line with path and query, Host first (Twisted adds it)."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    protocol = _protocol(response)
    headers = [("Host", parts.netloc)] + [
        (n, v) for n, v in _header_list(request.headers) if n.lower() != "host"]
    http_headers = StatusAndHeaders(f"{request.method} {target} {protocol}", headers,
                                    protocol=protocol, is_http_request=True)
    warc_headers = {
        "WARC-Date": warc_date(fetched_at - timedelta(seconds=fetch_seconds(request))),
        "WARC-Concurrent-To": concurrent_to,
        "WARC-Protocol": protocol.lower(),
    }
    body = request.body or b""
    return _builder.create_warc_record(
        request.url, "request", payload=BytesIO(body), length=len(body),
        http_headers=http_headers, warc_headers_dict=warc_headers)


def fetch_seconds(request) -> float:
    meta = request.meta
    return float(meta.get(FETCH_SECONDS_META) or meta.get("download_latency") or 0.0)


def metadata_record(request, response, fetched_at: datetime, concurrent_to: str,
                    outlinks: list[tuple[str, str, str]]):
    """Heritrix-style `metadata` record: where the URL came from, how long the fetch
    took and the links found in it (`outlink: URL HOP-TYPE CONTEXT`, L = link, E = embed)."""
    fields = []
    if via := request.headers.get("Referer"):
        fields.append(("via", _text(via)))
    fields.append(("fetchTimeMs", str(round(fetch_seconds(request) * 1000))))
    fields += sitemap_fields(request.meta.get(DISCOVERY_META))
    fields += [("outlink", f"{url} {hop} {context}") for url, hop, context in outlinks]
    block = "".join(f"{name}: {value}\r\n" for name, value in fields).encode("utf-8")
    return _builder.create_warc_record(
        response.url, "metadata", payload=BytesIO(block), length=len(block),
        warc_content_type="application/warc-fields",
        warc_headers_dict={"WARC-Date": warc_date(fetched_at), "WARC-Concurrent-To": concurrent_to})


def sitemap_fields(entry) -> list[tuple[str, str]]:
    """What the sitemap said of an article it listed (a Google News title and date)."""
    if entry is None:
        return []
    named = (("sitemapTitle", entry.title), ("sitemapPublished", entry.published), ("sitemapLastmod", entry.lastmod))
    return [(name, " ".join(value.split())) for name, value in named if value]


def failure_record(request, fetched_at: datetime, reason: str):
    """A `metadata` record for an exchange that produced no response (reset, timeout, DNS
    error, refused by scope or robots.txt), as Heritrix's crawl log keeps one line for
    each: the captures table then accounts for every request."""
    fields = [(FAILURE_FIELD, " ".join(reason.split()) or "unknown error")]
    if via := request.headers.get("Referer"):
        fields.append(("via", _text(via)))
    fields.append(("fetchTimeMs", str(round(fetch_seconds(request) * 1000))))
    block = "".join(f"{name}: {value}\r\n" for name, value in fields).encode("utf-8")
    return _builder.create_warc_record(
        request.url, "metadata", payload=BytesIO(block), length=len(block),
        warc_content_type="application/warc-fields", warc_headers_dict={"WARC-Date": warc_date(fetched_at)})
