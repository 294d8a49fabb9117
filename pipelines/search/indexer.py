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
from urllib.parse import unquote
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
REBUILD_THREADS = 2              # a whole build indexes on two threads; an update's few rows on one
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


def document(row: dict, committed: int) -> tantivy.Document:
    lang = fields.language_of(row.get("language"))
    doc = tantivy.Document()
    doc.add_text("key", doc_key(row))
    for name in ("article_id", "site", "extractor", "url", "content_hash"):
        doc.add_text(name, row[name] or "")
    doc.add_text("canonical_url", row.get("canonical_url") or row["url"] or "")
    doc.add_text("language", lang)
    doc.add_integer("article_num", fields.article_num(row["article_id"]))
    doc.add_integer("version", int(row["version"]))
    doc.add_integer("committed", committed)
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
        index = fields.open_index(self.files.pull())
        state = None if rebuild else read_state(index)
        if table is None:
            return IndexResult(0, None, time.monotonic() - started)
        version = table.version()
        if state and state["table_version"] == version:
            return IndexResult(0, version, time.monotonic() - started)
        writer = _writer(index, threads=1 if state else REBUILD_THREADS)
        if state is None:
            writer.delete_all_documents()
        languages = set(state["languages"]) if state else set()
        extractor, newest = (state.get("extractor"), state.get("newest")) if state else (None, None)
        count = 0
        for committed, dataset in _new_rows(self.store, table, state["table_version"] if state else None):
            for batch in _batches(dataset):
                for row in batch.to_pylist():
                    if state is not None:
                        writer.delete_documents_by_term("key", doc_key(row))
                    writer.add_document(document(row, committed))
                    languages.add(fields.language_of(row.get("language")))
                    seen = row["fetched_at"].isoformat()
                    if newest is None or seen >= newest:
                        extractor, newest = row["extractor"], seen
                count += batch.num_rows
                if progress:
                    progress(batch.num_rows)
        writer.delete_documents_by_term("key", fields.STATE_KEY)
        writer.add_document(state_document(version, languages, extractor, newest))
        writer.commit()
        writer.wait_merging_threads()
        self.files.push()
        return IndexResult(count, version, time.monotonic() - started, rebuilt=state is None)


def _writer(index: tantivy.Index, threads: int) -> tantivy.IndexWriter:
    """The index's one writer, waiting for another process's update to finish."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return index.writer(WRITER_HEAP, threads)
        except ValueError as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _batches(dataset: ds.Dataset) -> Iterator[pa.RecordBatch]:
    yield from (b for b in dataset.to_batches(columns=COLUMNS, batch_size=BATCH_ROWS) if b.num_rows)


def _new_rows(store: Store, table, since: int | None) -> Iterator[tuple[int, ds.Dataset]]:
    """(table version that added them, rows) for the files added after version `since` (all
    files when None). A compaction's rewritten files are read only when they hold rows added
    since (their first file is gone); files whose commit has left the log count as version 0."""
    dataset = table.to_pyarrow_dataset()
    current = _paths(table)
    data, rewrites, complete = _added_files(store, -1 if since is None else since, table.version())
    if since is None:
        wanted = current
    elif not complete:
        wanted = current - _files_at(store, since, current)
    else:
        wanted = set(data) & current
        if not set(data) <= current:
            wanted |= set(rewrites) & current
    versions = {**rewrites, **data}
    by_version: dict[int, list] = {}
    for fragment in dataset.get_fragments():
        path = _relative(fragment.path)
        if path in wanted:
            by_version.setdefault(versions.get(path, 0 if since is None else table.version()), []).append(fragment)
    for committed in sorted(by_version):
        yield committed, ds.FileSystemDataset(by_version[committed], dataset.schema, dataset.format,
                                              dataset.filesystem)


def _paths(table) -> set[str]:
    """The table's data files, relative to its root as its log names them."""
    return {unquote(p) for p in pa.table(table.get_add_actions(flatten=True)).column("path").to_pylist()}


def _files_at(store: Store, version: int, current: set[str]) -> set[str]:
    """The table's files at `version` (none when that version cannot be loaded any more)."""
    try:
        return _paths(tables.open_table(store, tables.ARTICLES_TABLE, version))
    except Exception:                       # its log is gone (cleaned up after a checkpoint)
        return set()


def _added_files(store: Store, since: int, until: int) -> tuple[dict[str, int], dict[str, int], bool]:
    """Files the commits since+1..until added, path -> version: as new data, and as a
    compaction's rewrites; and whether every one of those commits was still in the log."""
    data: dict[str, int] = {}
    rewrites: dict[str, int] = {}
    complete = True
    for version in range(since + 1, until + 1):
        key = f"{tables.ARTICLES_TABLE}/_delta_log/{version:020d}.json"
        if not store.exists(key):
            complete = False
            continue
        for line in filter(None, map(str.strip, store.get_bytes(key).decode().splitlines())):
            action = json.loads(line).get("add")
            if action:
                (data if action.get("dataChange", True) else rewrites)[unquote(action["path"])] = version
    return data, rewrites, complete


def _relative(path: str) -> str:
    """A fragment's path relative to the table's root (as the log names files)."""
    marker = f"/{tables.ARTICLES_TABLE}/"
    return path.split(marker, 1)[1] if marker in path else path
