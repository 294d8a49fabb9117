"""The crawl side of deduplication: which payload each URL had at its latest capture.

The pipeline downloads the site's digest index from the store before a crawl
(pipelines/warc/digestindex.py) and hands its path to the crawl process; the capture
extension asks it whether a response's payload is unchanged, and tells it about
every full response it writes so a URL fetched twice in one run dedups too."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .warcrecords import EarlierCapture

# The index file, written by pipelines/warc/digestindex.py: one row per URL, its latest full capture.
SCHEMA = pa.schema([
    ("url", pa.string()),
    ("payload_digest", pa.string()),
    ("warc_date", pa.string()),        # WARC-Date as written, for WARC-Refers-To-Date
    ("record_id", pa.string()),        # for WARC-Refers-To
    ("warc_key", pa.string()),
    ("etag", pa.string()),             # the response's validators: a re-check sends them back
    ("last_modified", pa.string()),
    ("requisites", pa.list_(pa.string())),   # of an HTML page: fetched again when it answers 304
])
# What a crawl reads of it; the validators may be absent from an index written before they were kept.
COLUMNS = ("url", "payload_digest", "warc_date", "record_id")
VALIDATORS = ("etag", "last_modified", "requisites")


class DigestIndex:
    def __init__(self, entries: dict[str, EarlierCapture] | None = None,
                 validators: dict[str, tuple[str | None, str | None]] | None = None,
                 requisites: dict[str, list[str]] | None = None):
        self._latest = dict(entries or {})
        self._validators = dict(validators or {})
        self._requisites = dict(requisites or {})

    @classmethod
    def load(cls, path: str | Path | None) -> "DigestIndex":
        """An empty index when there is no file yet (a site's first crawl)."""
        if not path or not Path(path).is_file():
            return cls()
        names = set(pq.read_schema(path).names)
        wanted = list(COLUMNS) + [c for c in VALIDATORS if c in names]
        rows = pq.read_table(path, columns=wanted).to_pylist()
        validators = {row["url"]: (row.get("etag"), row.get("last_modified")) for row in rows
                      if row.get("etag") or row.get("last_modified")}
        requisites = {row["url"]: row["requisites"] for row in rows if row.get("requisites")}
        return cls({row["url"]: EarlierCapture(**{c: row[c] for c in COLUMNS}) for row in rows}, validators,
                   requisites)

    @classmethod
    @lru_cache(maxsize=2)
    def shared(cls, path: str | None) -> "DigestIndex":
        """One loaded copy per crawl process for the readers that only look things up."""
        return cls.load(path)

    def requisites(self, url: str) -> list[str]:
        """What the URL's latest full capture embedded (HTML pages only)."""
        return list(self._requisites.get(url, ()))

    def latest(self, url: str) -> EarlierCapture | None:
        return self._latest.get(url)

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) of the URL's latest full capture, as the server sent them."""
        return self._validators.get(url, (None, None))

    def __len__(self) -> int:
        return len(self._latest)

    def unchanged(self, url: str, digest: str) -> EarlierCapture | None:
        """The earlier capture to refer to when `url` still has payload `digest`."""
        earlier = self._latest.get(url)
        return earlier if earlier and earlier.payload_digest == digest else None

    def remember(self, capture: EarlierCapture) -> None:
        self._latest[capture.url] = capture
