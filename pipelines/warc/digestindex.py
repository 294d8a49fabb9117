"""The site's digest index in the store: for every URL, the payload digest, date and
record id of its latest full capture. Crawls read it to write revisit records
instead of unchanged payloads; uploads bring it up to date. Kept in the store
(not on the crawling machine) so deduplication works across runs and machines.
The file (store.layout.digest_index_key) has the columns of spiders.dedup.SCHEMA, which the
crawl side reads: validators for conditional re-checks and what an HTML page embeds too.

An update runs in bounded memory whatever the size of the run or of the index: the stored
index is read a batch of rows at a time, the latest capture per URL is kept in a scratch
SQLite file on local disk, and the new index is written from it in row groups.
"""
from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator

from spiders.browserrecords import page_of_urn
from spiders.dedup import SCHEMA

from pipelines.store import Store, layout

REQUISITE_SCAN_BYTES = 8 * 1024 * 1024        # pages past this are not read for requisites
ROWS_PER_GROUP = 500            # rows read, converted and written at once (HTML rows carry requisites)


def download(store: Store, site: str, dest: Path) -> Path | None:
    """Copy the index to a local file for the crawl process; None before a site's first upload."""
    key = layout.digest_index_key(site)
    if not store.exists(key):
        return None
    dest.parent.mkdir(parents=True, exist_ok=True)
    return store.get_file(key, dest)


def rows(path: Path) -> Iterator[dict]:
    """The rows of a local index file, read a batch at a time."""
    for batch in pq.ParquetFile(path).iter_batches(batch_size=ROWS_PER_GROUP):
        yield from batch.to_pylist()


def load(store: Store, site: str) -> dict[str, dict]:
    """The whole index as a dict by URL (for checks; updates never hold it whole)."""
    with tempfile.TemporaryDirectory(prefix="newsarchive-digests-") as tmp:
        path = download(store, site, Path(tmp) / "digests.parquet")
        return {row["url"]: row for row in rows(path)} if path else {}


def full_captures(store: Store, key: str) -> Iterable[dict]:
    """Whole 200 responses of one stored WARC (revisits point at these; they are not new references)."""
    with store.open(key) as stream:
        for record in ArchiveIterator(stream):
            if record.rec_headers.get_header("WARC-Truncated"):
                continue
            if record.rec_type == "resource" and page_of_urn(record.rec_headers.get_header("WARC-Target-URI") or ""):
                yield _rendered_capture(record, key)      # a page's rendered DOM or screenshot
                continue
            if record.rec_type != "response":
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


def _rendered_capture(record, key: str) -> dict:
    headers = record.rec_headers
    return {"url": headers.get_header("WARC-Target-URI"), "payload_digest": headers.get_header("WARC-Payload-Digest")
            or headers.get_header("WARC-Block-Digest"), "warc_date": headers.get_header("WARC-Date"),
            "record_id": headers.get_header("WARC-Record-ID"), "warc_key": key,
            "etag": None, "last_modified": None, "requisites": None}


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
    """Fold newly uploaded WARCs into the index, latest capture per URL winning (a later
    WARC's capture wins a tie). Idempotent, so a retried upload may run it again.
    Returns the number of URLs."""
    with tempfile.TemporaryDirectory(prefix="newsarchive-digests-") as tmp:
        folder = Path(tmp)
        with _Latest(folder / "latest.sqlite") as latest:
            stored = download(store, site, folder / "before.parquet")
            if stored:
                latest.load(rows(stored))
                stored.unlink()
            for key in warc_keys:
                latest.fold(full_captures(store, key))
            out = folder / "digests.parquet"
            count = latest.write(out)
        store.put_file(out, layout.digest_index_key(site))
    return count


class _Latest:
    """URL -> its latest capture's row, in a scratch SQLite file (its page cache is the
    only memory it takes). SQLite compares TEXT as UTF-8 bytes, which orders as Python
    orders str: the dates compare, and the rows come out sorted, as they did in Python."""

    def __init__(self, path: Path):
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN;"
                               "CREATE TABLE latest (url TEXT PRIMARY KEY, warc_date TEXT, row TEXT)")

    def __enter__(self) -> "_Latest":
        return self

    def __exit__(self, *exc) -> None:
        self._db.close()

    def load(self, stored: Iterable[dict]) -> None:
        """The stored index's rows, as they are."""
        self._db.executemany("INSERT OR REPLACE INTO latest VALUES (?, ?, ?)", map(_entry, stored))

    def fold(self, captures: Iterable[dict]) -> None:
        """Captures in the order they were made: each replaces a capture of its URL no later than it."""
        self._db.executemany(
            "INSERT INTO latest VALUES (?, ?, ?) ON CONFLICT (url) DO UPDATE"
            " SET warc_date = excluded.warc_date, row = excluded.row WHERE excluded.warc_date >= latest.warc_date",
            map(_entry, captures))

    def write(self, path: Path) -> int:
        """The rows sorted by URL into a Parquet file of SCHEMA; the number of rows."""
        count = 0
        cursor = self._db.execute("SELECT row FROM latest ORDER BY url")
        with pq.ParquetWriter(path, SCHEMA) as writer:
            while batch := cursor.fetchmany(ROWS_PER_GROUP):
                writer.write_table(pa.Table.from_pylist([json.loads(row) for (row,) in batch], schema=SCHEMA))
                count += len(batch)
        return count


def _entry(row: dict) -> tuple[str, str, str]:
    return row["url"], row["warc_date"], json.dumps(row)
