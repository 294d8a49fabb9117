"""Stream the response records of stored WARC files, with where each one lives, and
the failure records of exchanges that produced no response.

Bodies are inflated (chunking and Content-Encoding undone) up to a cap: a gzip
bomb stops at `max_body_bytes` and is flagged `too_large`."""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator

from spiders.warcrecords import FAILURE_FIELD

from pipelines.store import Store


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
    too_large: bool = False   # the decoded payload passed the cap; body holds its start
    failure: str | None = None  # for a failure record: why the exchange produced no response


DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024


def iter_responses(store: Store, key: str, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
                   failures: bool = False) -> Iterator[ResponseRecord]:
    """Read a WARC as a stream from the store: the records a crawl answered with, and with
    `failures` the records of exchanges that got no answer."""
    with store.open(key) as stream:
        yield from _responses(stream, key, max_body_bytes, failures)


def iter_slice(store: Store, key: str, offset: int, length: int, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
               failures: bool = False) -> Iterator[ResponseRecord]:
    """iter_responses over the whole records in `length` bytes from `offset` (a record start):
    one ranged read, offsets as in the whole WARC."""
    data = store.open_range(key, offset, length)
    yield from _responses(io.BytesIO(data), key, max_body_bytes, failures, base=offset)


def record_spans(store: Store, key: str) -> list[tuple[int, int]]:
    """(offset, length) of every record of a WARC, in order; no payload is decoded or kept."""
    with store.open(key) as stream:
        records = ArchiveIterator(stream, no_record_parse=True)
        return [(records.get_record_offset(), records.get_record_length()) for _ in records]


def _responses(stream, key: str, max_body_bytes: int, failures: bool, base: int = 0) -> Iterator[ResponseRecord]:
    records = ArchiveIterator(stream)
    for record in records:
        if record.rec_type in ("response", "revisit"):
            body = record.content_stream().read(max_body_bytes + 1)
            found = _describe(key, record, body[:max_body_bytes], base + records.get_record_offset(),
                              records.get_record_length())
            found.too_large = len(body) > max_body_bytes
        elif failures and (reason := _failure(record)):
            found = _describe(key, record, b"", base + records.get_record_offset(), records.get_record_length())
            found.failure = reason
        else:
            continue
        yield found


def _failure(record) -> str | None:
    """The reason in a failure metadata record (spiders.warcrecords.failure_record), else None."""
    if record.rec_type != "metadata" or record.rec_headers.get_header("WARC-Concurrent-To"):
        return None
    for line in record.content_stream().read(64 * 1024).decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name == FAILURE_FIELD:
            return value.strip()
    return None


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
