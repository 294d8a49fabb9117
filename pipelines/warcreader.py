"""Stream the response records of stored WARC files, with where each one lives."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator

from .store import Store


@dataclass
class ResponseRecord:
    warc_key: str
    offset: int
    length: int
    record_id: str
    record_type: str          # response or revisit
    url: str
    fetched_at: str           # WARC-Date as written
    status: int | None
    mime: str                 # Content-Type without parameters
    content_type: str         # full Content-Type header (charset included)
    payload_digest: str | None
    ip_address: str | None
    truncated: str | None
    body: bytes               # decoded payload (chunking and content-encoding undone)


def iter_responses(store: Store, key: str) -> Iterator[ResponseRecord]:
    """Read a WARC as a stream from the store; only the records a crawl answered with."""
    with store.open(key) as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.rec_type not in ("response", "revisit"):
                continue
            body = record.content_stream().read()
            yield _describe(key, record, body, records.get_record_offset(), records.get_record_length())


def _describe(key: str, record, body: bytes, offset: int, length: int) -> ResponseRecord:
    headers = record.rec_headers
    http = record.http_headers
    content_type = (http.get_header("Content-Type") if http else None) or ""
    status = http.get_statuscode() if http else None
    return ResponseRecord(
        warc_key=key,
        offset=offset,
        length=length,
        record_id=headers.get_header("WARC-Record-ID"),
        record_type=record.rec_type,
        url=headers.get_header("WARC-Target-URI"),
        fetched_at=headers.get_header("WARC-Date"),
        status=int(status) if status and str(status).isdigit() else None,
        mime=content_type.split(";")[0].strip().lower(),
        content_type=content_type,
        payload_digest=headers.get_header("WARC-Payload-Digest"),
        ip_address=headers.get_header("WARC-IP-Address"),
        truncated=headers.get_header("WARC-Truncated"),
        body=body,
    )
