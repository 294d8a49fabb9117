"""CDXJ indexes (pywb's format) of the stored WARCs: one beside every WARC
(`<warc key>.cdxj`) and one merged, sorted index per site (`indexes/{site}/index.cdxj`)
that replay reads. The lines come from cdxj-indexer, so they are what pywb itself
would write; the filename field is the WARC's key below the store root.

Indexing runs in bounded memory whatever the size of a run or of the site's history: each
WARC's lines are sorted in runs on local disk (linesort), and the site's index is streamed
from the store, merged with the new lines into a local file and stored from that file."""
from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from cdxj_indexer.main import CDXJIndexer

from pipelines.store import Store, layout
from pipelines.warc import linesort


def is_not_modified(line: str) -> bool:
    """A server-not-modified revisit (304) adds nothing to replay, and pywb would pass its 304
    to the browser: replay uses the capture it refers to instead."""
    return '"status": "304"' in line and '"mime": "warc/revisit"' in line


def index_warcs(store: Store, site: str, warc_keys: Iterable[str]) -> int:
    """Write each WARC's index beside it and merge them into the site's index.
    Re-indexing a WARC adds nothing twice. Returns the merged index's line count."""
    with tempfile.TemporaryDirectory(prefix="newsarchive-cdxj-") as tmp:
        folder = Path(tmp)
        sources = []
        for key in warc_keys:
            path = _index_warc(store, key, folder)
            store.put_file(path, layout.warc_index_key(key))
            sources.append(path)
        site_key = layout.site_index_key(site)
        if store.exists(site_key):
            sources.insert(0, folder / "site-before.cdxj")
            linesort.write_lines(iter_lines(store, site_key), sources[0])
        merged = folder / "site.cdxj"
        count = linesort.merge_files(sources, merged, dedupe=True)
        store.put_file(merged, site_key)
    return count


def iter_lines(store: Store, key: str) -> Iterator[str]:
    """The non-empty lines of a stored index, streamed (none when there is no such key)."""
    if not store.exists(key):
        return
    with store.open(key) as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
        for chunk in text:
            yield from (line for line in chunk.splitlines() if line)


def read_lines(store: Store, key: str) -> list[str]:
    return list(iter_lines(store, key))


def _index_warc(store: Store, warc_key: str, folder: Path) -> Path:
    """A local file of the WARC's sorted CDXJ lines (304 revisits left out), indexed from
    the stored WARC as a stream."""
    runs = linesort.SortedRuns(folder)
    indexer = CDXJIndexer(output=None, inputs=[], filename=warc_key)
    with store.open(warc_key) as stream:
        indexer.process_one(stream, _LineSink(runs), warc_key)
    path = linesort.scratch(folder, prefix="warc-")
    runs.finish(path)
    return path


class _LineSink:
    """The text stream cdxj-indexer writes to: each line goes to the sorted runs."""

    def __init__(self, runs: linesort.SortedRuns):
        self._runs = runs

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line and not is_not_modified(line):
                self._runs.add(line)
        return len(text)

    def flush(self) -> None:
        pass
