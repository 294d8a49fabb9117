"""Schemas of the archive's Delta tables, shared by the clean, publish and read sides.

`articles` holds one row per version (distinct content) of an article, per extractor;
`captures` one row per fetched URL. Which content the site showed when, returns to an
earlier content included, is read from the captures that showed it, so the archive
stays append-only (pipelines/archive/sightings.py).

`ARTICLES` is the article record: the clean step's `Article` holds its page fields
(pipelines.clean.extract) and `article_row` adds the rest (pipelines.clean.step);
tests hold the three to the same names.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, WriterProperties
from deltalake.exceptions import CommitFailedError, TableNotFoundError

from pipelines.archive.publishmarks import MARKS_SINCE

from pipelines.store import Store, layout
from pipelines.store.layout import ARTICLES_TABLE, CAPTURES_TABLE  # noqa: F401  (callers name tables by these)

UTC_TS = pa.timestamp("us", tz="UTC")

CAPTURES = pa.schema([
    ("site", pa.string()),
    ("run_id", pa.string()),
    ("record_id", pa.string()),          # WARC-Record-ID of the response (unique)
    ("record_type", pa.string()),        # response | revisit
    ("url", pa.string()),
    ("fetched_at", UTC_TS),
    ("status", pa.int32()),
    ("mime", pa.string()),
    ("content_length", pa.int64()),      # decoded payload bytes
    ("payload_digest", pa.string()),
    ("ip_address", pa.string()),
    ("warc_key", pa.string()),
    ("warc_offset", pa.int64()),
    ("warc_length", pa.int64()),
    ("article_id", pa.string()),         # set when the capture yielded (or revisited) an article
    ("content_hash", pa.string()),       # ... and which version's content it showed (revisits: a hint)
    ("skip_reason", pa.string()),        # why it did not, otherwise
])

ARTICLES = pa.schema([
    ("site", pa.string()),
    ("article_id", pa.string()),         # from the normalised canonical URL
    ("version", pa.int32()),             # 1..n, a new one only when the content changed
    ("change", pa.string()),             # new | headline | body | metadata
    ("content_hash", pa.string()),       # all reader-visible fields
    ("text_hash", pa.string()),          # the body alone, to tell body edits apart
    ("url", pa.string()),
    ("canonical_url", pa.string()),
    ("title", pa.string()),
    ("authors", pa.list_(pa.string())),
    ("published", UTC_TS),
    ("modified", UTC_TS),
    ("language", pa.string()),
    ("section", pa.string()),
    ("tags", pa.list_(pa.string())),
    ("description", pa.string()),
    ("image_url", pa.string()),
    ("image_caption", pa.string()),
    ("publisher", pa.string()),
    ("text", pa.string()),
    ("markdown", pa.string()),           # the body with headings, lists and quotes kept
    ("word_count", pa.int32()),
    ("fetched_at", UTC_TS),              # the capture that first showed this content
    ("warc_key", pa.string()),
    ("warc_offset", pa.int64()),
    ("warc_length", pa.int64()),
    ("warc_record_id", pa.string()),
    ("run_id", pa.string()),
    ("extractor", pa.string()),
    ("sources", pa.string()),            # JSON: which source gave each metadata field
])
# the reader-visible fields: a change to any of them is a new version (`content_hash`)
CONTENT_FIELDS = ("title", "text", "authors", "published", "modified", "language", "section",
                  "description", "image_url", "image_caption", "tags", "publisher")

# Small row groups keep per-group statistics useful (one article's versions are found
# without reading whole files) and bound the memory a streaming reader needs.
WRITER_PROPERTIES = WriterProperties(max_row_group_size=32_768)

PARTITION = "site"                 # every table is partitioned by site
# A checkpoint every CHECKPOINT_INTERVAL commits (written by the commit that reaches it): opening
# a table reads the last checkpoint and at most that many commits, however many runs made it.
CHECKPOINT_INTERVAL = 10
DEFAULT_RETENTION_DAYS = 30


def table_properties(retention_days: int = DEFAULT_RETENTION_DAYS) -> dict[str, str]:
    """Delta table properties of every archive table: checkpoints, and how long log entries and
    removed files are kept (time travel reaches back that far, not further)."""
    kept = f"interval {retention_days} days"
    return {"delta.checkpointInterval": str(CHECKPOINT_INTERVAL), "delta.logRetentionDuration": kept,
            "delta.deletedFileRetentionDuration": kept, "delta.enableExpiredLogCleanup": "true"}


def new_table_properties() -> dict[str, str]:
    """The properties a table is created with (every publish to it is marked from its start)."""
    return {**table_properties(), MARKS_SINCE: "0"}


def ensure_properties(table: DeltaTable, retention_days: int | None = None) -> None:
    """Give the table the archive's properties: the missing ones (publish), or all of them with
    this retention (maintenance). One metadata commit, only when something changes; a writer
    that set them first wins."""
    wanted = table_properties(retention_days if retention_days is not None else DEFAULT_RETENTION_DAYS)
    current = table.metadata().configuration
    changed = {name: value for name, value in wanted.items()
               if name not in current or (retention_days is not None and current[name] != value)}
    if MARKS_SINCE not in current:
        changed[MARKS_SINCE] = str(table.version() + 1)      # publishes are marked from the next commit
    if not changed:
        return
    try:
        table.alter.set_table_properties(changed, raise_if_not_exists=False,
                                         commit_properties=CommitProperties(max_commit_retries=0))
    except CommitFailedError:
        pass                # another writer committed first; the next publish or pass sets them


def site_rows(table: DeltaTable, site: str, columns: list[str] | None = None,
              filters: list[tuple] | None = None) -> pa.Table:
    """Rows of one site's partition (where `filters`, tuples as deltalake takes them, hold).
    The files are chosen during log replay, by partition and by the files' min/max statistics,
    so only the site's files are ever set up and read: deltalake's own `filters` first build a
    fragment for every file of every site, a cost that grows with the whole table."""
    pruning = [(PARTITION, "=", site), *(filters or [])]
    return table.to_pyarrow_dataset(file_pruning_predicate=pruning).to_table(
        columns=columns, filter=pq.filters_to_expression(filters) if filters else None)


def open_table(store: Store, name: str, version: int | None = None) -> DeltaTable | None:
    """The store's Delta table `name` (at `version`), or None while it does not exist."""
    try:
        return DeltaTable(store.table_uri(name), version=version, storage_options=store.storage_options())
    except TableNotFoundError:
        return None
