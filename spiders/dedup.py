"""The crawl side of deduplication: which payload each URL had at its latest capture.

The pipeline downloads the site's digest index from the store before a crawl
(pipelines/warc/digestindex.py) and hands its path to the crawl process; the capture
extension asks it whether a response's payload is unchanged, and tells it about
every full response it writes so a URL fetched twice in one run dedups too.

The entries live in a SQLite file in the crawl's private folder, not in Python
objects: an index of earlier runs, and every page of a long run, would otherwise
stay in memory for the whole crawl."""
from __future__ import annotations

import json
import sqlite3
from contextlib import suppress
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from newsarchive.errors import WriteFailed

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
FILE_NAME = "digests.sqlite"
LOAD_BATCH = 10_000                    # rows read from the Parquet file at a time
COMMIT_EVERY = 1_000                   # captures remembered between commits

_TABLE = """CREATE TABLE latest (url TEXT PRIMARY KEY, payload_digest TEXT, warc_date TEXT, record_id TEXT,
            etag TEXT, last_modified TEXT, requisites TEXT) WITHOUT ROWID"""
_LOAD = "INSERT OR REPLACE INTO latest VALUES (?, ?, ?, ?, ?, ?, ?)"
# A capture of this run replaces the earlier one; the validators and requisites stay those
# of the index (a re-check sends what the server last sent, as before a run's own captures).
_REMEMBER = """INSERT INTO latest (url, payload_digest, warc_date, record_id) VALUES (?, ?, ?, ?)
               ON CONFLICT(url) DO UPDATE SET payload_digest = excluded.payload_digest,
               warc_date = excluded.warc_date, record_id = excluded.record_id"""


class DigestIndex:
    _open: dict[tuple, "DigestIndex"] = {}       # shared indexes not yet closed

    def __init__(self, folder: str | Path | None = None):
        """An empty index in `folder` (its file replaced), or in a private temporary file."""
        path = Path(folder) / FILE_NAME if folder else None
        self.path = path or "the digest index's temporary file"
        if path is not None:
            path.unlink(missing_ok=True)
        self._db = sqlite3.connect(str(path) if path else "", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = OFF")      # scratch data: nothing to roll back or recover
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute(_TABLE)
        self._pending = 0
        self._key = None

    @classmethod
    def load(cls, path: str | Path | None, folder: str | Path | None = None) -> "DigestIndex":
        """The index file at `path` (none yet: a site's first crawl, empty), kept in `folder`."""
        index = cls(folder)
        if path and Path(path).is_file():
            index._load(Path(path))
        return index

    def _load(self, path: Path) -> None:
        source = pq.ParquetFile(path)
        wanted = list(COLUMNS) + [c for c in VALIDATORS if c in source.schema_arrow.names]
        for batch in source.iter_batches(batch_size=LOAD_BATCH, columns=wanted):
            self._db.executemany(_LOAD, (_stored(row) for row in batch.to_pylist()))
        self._db.commit()

    @classmethod
    def shared(cls, path: str | None, folder: str | None = None) -> "DigestIndex":
        """One index per crawl: the capture writes to it, the others look things up."""
        key = (path, folder)
        if key not in cls._open:
            cls._open[key] = cls.load(path, folder)
            cls._open[key]._key = key
        return cls._open[key]

    @classmethod
    def of_crawl(cls, settings) -> "DigestIndex":
        return cls.shared(settings.get("WARC_DEDUP_INDEX") or None, settings.get("JOBDIR") or None)

    def requisites(self, url: str) -> list[str]:
        """What the URL's latest full capture embedded (HTML pages only)."""
        row = self._row("requisites", url)
        return json.loads(row[0]) if row and row[0] else []

    def latest(self, url: str) -> EarlierCapture | None:
        row = self._row("url, payload_digest, warc_date, record_id", url)
        return EarlierCapture(*row) if row else None

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) of the URL's latest full capture, as the server sent them."""
        row = self._row("etag, last_modified", url)
        return (row[0], row[1]) if row and (row[0] or row[1]) else (None, None)

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM latest").fetchone()[0]

    def unchanged(self, url: str, digest: str) -> EarlierCapture | None:
        """The earlier capture to refer to when `url` still has payload `digest`."""
        earlier = self.latest(url)
        return earlier if earlier and earlier.payload_digest == digest else None

    def remember(self, capture: EarlierCapture) -> None:
        """Raises WriteFailed when the index cannot be written (a full disk)."""
        try:
            self._db.execute(_REMEMBER, (capture.url, capture.payload_digest, capture.warc_date, capture.record_id))
            self._pending += 1
            if self._pending >= COMMIT_EVERY:
                self._db.commit()
                self._pending = 0
        except sqlite3.Error as exc:         # "database or disk is full", "disk I/O error"
            raise WriteFailed(self.path, exc) from exc

    def close(self) -> None:
        with suppress(sqlite3.Error):        # a failed disk: the scratch index goes with the crawl
            self._db.close()
        if self._open.get(self._key) is self:
            del self._open[self._key]

    def _row(self, columns: str, url: str) -> tuple | None:
        return self._db.execute(f"SELECT {columns} FROM latest WHERE url = ?", (url,)).fetchone()


def _stored(row: dict) -> tuple:
    requisites = row.get("requisites")
    return (*(row[c] for c in COLUMNS), row.get("etag"), row.get("last_modified"),
            json.dumps(requisites) if requisites else None)
