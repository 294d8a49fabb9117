"""CDXJ indexes (pywb's format) of the stored WARCs: one beside every WARC
(`<warc key>.cdxj`) and one merged, sorted index per site (`indexes/{site}/index.cdxj`)
that replay reads. The lines come from cdxj-indexer, so they are what pywb itself
would write; the filename field is the WARC's key below the store root."""
from __future__ import annotations

import heapq
import io
from typing import Iterable, Iterator

from cdxj_indexer.main import CDXJIndexer

from pipelines.store import Store, layout


def index_lines(store: Store, warc_key: str) -> list[str]:
    """Sorted CDXJ lines of one stored WARC, read as a stream."""
    out = io.StringIO()
    indexer = CDXJIndexer(output=None, inputs=[], filename=warc_key)
    with store.open(warc_key) as stream:
        indexer.process_one(stream, out, warc_key)
    return sorted(line for line in out.getvalue().splitlines() if line and not is_not_modified(line))


def is_not_modified(line: str) -> bool:
    """A server-not-modified revisit (304) adds nothing to replay, and pywb would pass its 304
    to the browser: replay uses the capture it refers to instead."""
    return '"status": "304"' in line and '"mime": "warc/revisit"' in line


def index_warcs(store: Store, site: str, warc_keys: Iterable[str]) -> int:
    """Write each WARC's index beside it and merge them into the site's index.
    Re-indexing a WARC adds nothing twice. Returns the merged index's line count."""
    warc_keys = list(warc_keys)
    new = [index_lines(store, key) for key in warc_keys]
    for key, lines in zip(warc_keys, new):
        store.put_bytes(layout.warc_index_key(key), _text(lines))
    merged = list(_unique(heapq.merge(read_lines(store, layout.site_index_key(site)), *new)))
    store.put_bytes(layout.site_index_key(site), _text(merged))
    return len(merged)


def read_lines(store: Store, key: str) -> list[str]:
    if not store.exists(key):
        return []
    return [line for line in store.get_bytes(key).decode("utf-8").splitlines() if line]


def _unique(lines: Iterator[str]) -> Iterator[str]:
    previous = None
    for line in lines:
        if line != previous:
            yield line
        previous = line


def _text(lines: list[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode("utf-8")
