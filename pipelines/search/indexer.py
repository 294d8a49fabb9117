"""Keeping the full-text index up to date with the `articles` table.

`update` indexes the rows added since the table version the index last recorded (a
document of its own, committed with the rows, so the index and its bookmark never part);
`rebuild` indexes the whole table again. Each article version is one document keyed by
(article id, content hash, extractor) — the table's own upsert key — and is deleted before
it is added, so indexing a row twice leaves one document: an update that died, or two
that ran at once, are simply run again.

New rows are found from the table's commit log: the files each commit since the bookmark
added as new data (a compaction's rewrites are skipped: their rows are indexed already).
When the log of those commits is gone, the files of the current snapshot that the bookmarked
one did not have are read instead."""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterator

import pyarrow as pa
import pyarrow.dataset as ds
import tantivy

from pipelines.archive import tables
from pipelines.search import schema as fields
from pipelines.search.files import IndexFiles
from pipelines.store import Store

log = logging.getLogger(__name__)

COLUMNS = ["site", "article_id", "version", "content_hash", "url", "canonical_url", "title", "authors",
           "published", "language", "section", "text", "fetched_at", "extractor"]
BATCH_ROWS = 5_000
WRITER_HEAP = 200_000_000
LOCK_WAIT_SECONDS = 600


@dataclass
class IndexResult:
    indexed: int                 # documents added (or replaced)
    table_version: int | None    # the articles table version the index now reflects
    seconds: float
    rebuilt: bool = False


def doc_key(row: dict) -> str:
    return f"{row['article_id']}:{row['content_hash']}:{row['extractor']}"


def _seconds(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def document(row: dict) -> tantivy.Document:
    lang = fields.language_of(row.get("language"))
    doc = tantivy.Document()
    doc.add_text("key", doc_key(row))
    for name in ("article_id", "site", "extractor", "url", "content_hash"):
        doc.add_text(name, row[name] or "")
    doc.add_text("canonical_url", row.get("canonical_url") or row["url"] or "")
    doc.add_text("language", lang)
    doc.add_integer("article_num", fields.article_num(row["article_id"]))
    doc.add_integer("version", int(row["version"]))
    fetched = row["fetched_at"]
    doc.add_date("fetched_at", fetched)
    doc.add_integer("fetched_ts", _seconds(fetched))
    if row.get("published") is not None:
        doc.add_date("published", row["published"])
    doc.add_integer("dated_ts", _seconds(row.get("published") or fetched))
    for author in row.get("authors") or []:
        doc.add_text("author", author)
    if row.get("section"):
        doc.add_text("section", row["section"])
    doc.add_text(fields.title_field(lang), row.get("title") or "")
    doc.add_text(fields.text_field(lang), row.get("text") or "")
    return doc


def state_document(table_version: int, languages: set[str], extractor: str | None,
                   newest: str | None) -> tantivy.Document:
    """The bookmark: the table version indexed, the languages seen, and the extractor the
    reader shows by default (the one of the newest row, fetched at `newest`)."""
    doc = tantivy.Document()
    doc.add_text("key", fields.STATE_KEY)
    doc.add_integer("table_version", table_version)
    doc.add_text("extractor", json.dumps({"extractor": extractor, "languages": sorted(languages),
                                          "newest": newest}))
    return doc


def read_state(index: tantivy.Index) -> dict | None:
    """{"table_version", "extractor", "languages"} of the index, None for an empty one."""
    searcher = index.searcher()
    found = searcher.search(tantivy.Query.term_query(index.schema, "key", fields.STATE_KEY), 1).hits
    if not found:
        return None
    doc = searcher.doc(found[0][1])
    return {"table_version": doc["table_version"][0], **json.loads(doc["extractor"][0])}


class Indexer:
    def __init__(self, store: Store, files: IndexFiles | None = None):
        self.store = store
        self.files = files or IndexFiles(store)

    def update(self, progress: Callable[[int], None] | None = None) -> IndexResult:
        """Index what the table gained since the index's bookmark (everything, the first time)."""
        return self._run(rebuild=False, progress=progress)

    def rebuild(self, progress: Callable[[int], None] | None = None) -> IndexResult:
        """Index the whole table again, from the Delta table alone."""
        return self._run(rebuild=True, progress=progress)

    def _run(self, rebuild: bool, progress) -> IndexResult:
        started = time.monotonic()
        table = tables.open_table(self.store, tables.ARTICLES_TABLE)
        folder = self.files.pull()
        index = fields.open_index(folder)
        state = read_state(index)
        if table is None:
            return IndexResult(0, None, time.monotonic() - started)
        version = table.version()
        if state and not rebuild and state["table_version"] == version:
            return IndexResult(0, version, time.monotonic() - started)
        writer = _writer(index)
        languages = set(state["languages"]) if state and not rebuild else set()
        extractor = state.get("extractor") if state and not rebuild else None
        newest = None
        if rebuild or state is None:
            writer.delete_all_documents()
            batches = _batches(table.to_pyarrow_dataset())
        else:
            batches = _batches(_new_rows(self.store, table, state["table_version"]))
        count = 0
        for batch in batches:
            for row in batch.to_pylist():
                if not rebuild and state is not None:
                    writer.delete_documents_by_term("key", doc_key(row))
                writer.add_document(document(row))
                languages.add(fields.language_of(row.get("language")))
                if newest is None or row["fetched_at"] > newest[0]:
                    newest = (row["fetched_at"], row["extractor"])
            count += batch.num_rows
            if progress:
                progress(batch.num_rows)
        before = state.get("newest") if state and not rebuild else None
        if newest and (before is None or newest[0].isoformat() >= before):
            extractor, before = newest[1], newest[0].isoformat()
        writer.delete_documents_by_term("key", fields.STATE_KEY)
        writer.add_document(state_document(version, languages, extractor, before))
        writer.commit()
        writer.wait_merging_threads()
        self.files.push()
        return IndexResult(count, version, time.monotonic() - started, rebuilt=rebuild or state is None)


def _writer(index: tantivy.Index) -> tantivy.IndexWriter:
    """The index's one writer, waiting for another process's update to finish."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return index.writer(WRITER_HEAP, 1)
        except ValueError as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _batches(dataset: ds.Dataset) -> Iterator[pa.RecordBatch]:
    yield from (b for b in dataset.to_batches(columns=COLUMNS, batch_size=BATCH_ROWS) if b.num_rows)


def _new_rows(store: Store, table, since: int) -> ds.Dataset:
    """The rows of files added as new data after version `since`."""
    dataset = table.to_pyarrow_dataset()
    current = set(table.files())
    added = _added_files(store, since, table.version())
    if added is None or not added <= current:
        before = set(tables.open_table(store, tables.ARTICLES_TABLE, since).files()) if _loadable(store, since) else set()
        added = current - before
    fragments = [f for f in dataset.get_fragments() if _relative(f.path, store) in added]
    return ds.FileSystemDataset(fragments, dataset.schema, dataset.format, dataset.filesystem)


def _loadable(store: Store, version: int) -> bool:
    try:
        tables.open_table(store, tables.ARTICLES_TABLE, version)
        return True
    except Exception:                       # its log is gone (cleaned up after a checkpoint)
        return False


def _added_files(store: Store, since: int, until: int) -> set[str] | None:
    """Paths that commits since+1..until added as new data; None if a commit's log is gone."""
    added: set[str] = set()
    for version in range(since + 1, until + 1):
        key = f"{tables.ARTICLES_TABLE}/_delta_log/{version:020d}.json"
        if not store.exists(key):
            return None
        for line in filter(None, map(str.strip, store.get_bytes(key).decode().splitlines())):
            action = json.loads(line).get("add")
            if action and action.get("dataChange", True):
                added.add(_unquote(action["path"]))
    return added


def _unquote(path: str) -> str:
    from urllib.parse import unquote

    return unquote(path)


def _relative(path: str, store: Store) -> str:
    """A fragment's path relative to the table's root (as the log names files)."""
    marker = f"/{tables.ARTICLES_TABLE}/"
    return path.split(marker, 1)[1] if marker in path else path
