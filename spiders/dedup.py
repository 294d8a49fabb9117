"""The crawl side of deduplication: which payload each URL had at its latest capture.

The pipeline downloads the site's digest index from the store before a crawl
(pipelines/digestindex.py) and hands its path to the crawl process; the capture
extension asks it whether a response's payload is unchanged, and tells it about
every full response it writes so a URL fetched twice in one run dedups too."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from .warcrecords import EarlierCapture

# Columns of the index file (written by pipelines/digestindex.py).
COLUMNS = ("url", "payload_digest", "warc_date", "record_id")


class DigestIndex:
    def __init__(self, entries: dict[str, EarlierCapture] | None = None):
        self._latest = dict(entries or {})

    @classmethod
    def load(cls, path: str | Path | None) -> "DigestIndex":
        """An empty index when there is no file yet (a site's first crawl)."""
        if not path or not Path(path).is_file():
            return cls()
        rows = pq.read_table(path, columns=list(COLUMNS)).to_pylist()
        return cls({row["url"]: EarlierCapture(**row) for row in rows})

    def __len__(self) -> int:
        return len(self._latest)

    def unchanged(self, url: str, digest: str) -> EarlierCapture | None:
        """The earlier capture to refer to when `url` still has payload `digest`."""
        earlier = self._latest.get(url)
        return earlier if earlier and earlier.payload_digest == digest else None

    def remember(self, capture: EarlierCapture) -> None:
        self._latest[capture.url] = capture
