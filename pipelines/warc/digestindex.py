"""The site's digest index in the store: for every URL, the payload digest, date and
record id of its latest full capture. Crawls read it to write revisit records
instead of unchanged payloads; uploads bring it up to date. Kept in the store
(not on the crawling machine) so deduplication works across runs and machines.
The file (store.layout.digest_index_key) has the columns of spiders.dedup.SCHEMA, which the
crawl side reads: validators for conditional re-checks and what an HTML page embeds too.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator

from spiders.dedup import SCHEMA

from pipelines.store import Store, layout

REQUISITE_SCAN_BYTES = 8 * 1024 * 1024        # pages past this are not read for requisites


def download(store: Store, site: str, dest: Path) -> Path | None:
    """Copy the index to a local file for the crawl process; None before a site's first upload."""
    key = layout.digest_index_key(site)
    if not store.exists(key):
        return None
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(store.get_bytes(key))
    return dest


def load(store: Store, site: str) -> dict[str, dict]:
    key = layout.digest_index_key(site)
    if not store.exists(key):
        return {}
    rows = pq.read_table(io.BytesIO(store.get_bytes(key))).to_pylist()
    return {row["url"]: row for row in rows}


def full_captures(store: Store, key: str) -> Iterable[dict]:
    """Whole 200 responses of one stored WARC (revisits point at these; they are not new references)."""
    with store.open(key) as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.rec_headers.get_header("WARC-Truncated"):
                continue
            if record.http_headers is None or record.http_headers.get_statuscode() != "200":
                continue
            headers = record.rec_headers
            yield {"url": headers.get_header("WARC-Target-URI"),
                   "payload_digest": headers.get_header("WARC-Payload-Digest"),
                   "warc_date": headers.get_header("WARC-Date"),
                   "record_id": headers.get_header("WARC-Record-ID"), "warc_key": key,
                   "etag": record.http_headers.get_header("ETag"),
                   "last_modified": record.http_headers.get_header("Last-Modified"),
                   "requisites": _requisites(record)}


def _requisites(record) -> list[str] | None:
    """What an HTML page embeds, so that a re-check answered 304 still fetches its requisites
    (they become revisits when unchanged, as on a full fetch)."""
    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    if not content_type.startswith(("text/html", "application/xhtml+xml")):
        return None
    from parsel import Selector

    from spiders.requisites import html_requisites
    body = record.content_stream().read(REQUISITE_SCAN_BYTES + 1)
    if not body or len(body) > REQUISITE_SCAN_BYTES:
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")
    return html_requisites(Selector(body=body, type="html", base_url=url), url)


def update(store: Store, site: str, warc_keys: Iterable[str]) -> int:
    """Fold newly uploaded WARCs into the index, latest capture per URL winning.
    Idempotent, so a retried upload may run it again. Returns the number of URLs."""
    latest = load(store, site)
    for key in warc_keys:
        for row in full_captures(store, key):
            known = latest.get(row["url"])
            if known is None or row["warc_date"] >= known["warc_date"]:
                latest[row["url"]] = row
    buf = io.BytesIO()
    table = pa.Table.from_pylist(sorted(latest.values(), key=lambda r: r["url"]), schema=SCHEMA)
    pq.write_table(table, buf)
    store.put_bytes(layout.digest_index_key(site), buf.getvalue())
    return len(latest)
