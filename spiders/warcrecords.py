"""Turn one Scrapy request/response exchange into WARC request and response records.

The response body is taken as it came off the wire (still content-encoded):
Scrapy's `response_downloaded` signal fires before the compression middleware
decodes it. Twisted has already removed chunked framing, so a
`Transfer-Encoding` header is renamed to keep the record self-consistent.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from io import BytesIO
from urllib.parse import urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date

_builder = RecordBuilder(warc_version="1.1")


def warc_date(moment: datetime) -> str:
    return datetime_to_iso_date(moment.astimezone(timezone.utc).replace(tzinfo=None), use_micros=True)


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _header_list(headers) -> list[tuple[str, str]]:
    """Every header with every repeated value (Set-Cookie...), in received order."""
    return [(_text(name), _text(value)) for name, values in headers.items() for value in values]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def response_record(request, response, fetched_at: datetime):
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    headers = [
        ("X-Archive-Orig-Transfer-Encoding", v) if n.lower() == "transfer-encoding" else (n, v)
        for n, v in _header_list(response.headers)
    ]
    http_headers = StatusAndHeaders(f"{response.status} {_reason(response.status)}", headers, protocol=protocol)
    warc_headers = {"WARC-Date": warc_date(fetched_at)}
    if getattr(response, "ip_address", None) is not None:
        warc_headers["WARC-IP-Address"] = str(response.ip_address)
    if protocol:
        warc_headers["WARC-Protocol"] = protocol.lower()
    if "dataloss" in (response.flags or []):
        warc_headers["WARC-Truncated"] = "disconnect"
    body = response.body
    return _builder.create_warc_record(
        response.url, "response", payload=BytesIO(body), length=len(body),
        http_headers=http_headers, warc_headers_dict=warc_headers)


def request_record(request, response, fetched_at: datetime, concurrent_to: str):
    """The request as sent: request line with path and query, Host first (Twisted adds it)."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    headers = [("Host", parts.netloc)] + [
        (n, v) for n, v in _header_list(request.headers) if n.lower() != "host"]
    http_headers = StatusAndHeaders(f"{request.method} {target} {protocol}", headers,
                                    protocol=protocol, is_http_request=True)
    latency = float(request.meta.get("download_latency") or 0.0)
    warc_headers = {
        "WARC-Date": warc_date(fetched_at - timedelta(seconds=latency)),
        "WARC-Concurrent-To": concurrent_to,
    }
    body = request.body or b""
    return _builder.create_warc_record(
        request.url, "request", payload=BytesIO(body), length=len(body),
        http_headers=http_headers, warc_headers_dict=warc_headers)
