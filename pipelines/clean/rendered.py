"""The rendered DOMs of a run's browser-captured pages (spiders.browserrecords), found by the
page record they are concurrent to: cleaning reads a page's body from its rendered DOM when
it has one, and its metadata from the HTML as served.

The run's WARCs are scanned once, headers only, and only for a site with browser capture;
each worker then reads the few DOMs it needs by range, so no DOM is held longer than its page."""
from __future__ import annotations

from typing import Iterable

from warcio.archiveiterator import ArchiveIterator

from spiders.browserrecords import DOM_PREFIX

from pipelines.store import Store, open_store

Location = tuple[str, int, int]            # WARC key, offset, length


class RenderedPages:
    def __init__(self, store_uri: str | None, doms: dict[str, Location], store: Store | None = None):
        self.store_uri = store_uri
        self.doms = doms                   # page record id -> where its rendered DOM is
        self._store = store

    @classmethod
    def scan(cls, store: Store, keys: Iterable[str]) -> "RenderedPages":
        doms: dict[str, Location] = {}
        for key in keys:
            with store.open(key) as stream:
                records = ArchiveIterator(stream)
                for record in records:
                    headers = record.rec_headers
                    if record.rec_type == "resource" and (headers.get_header("WARC-Target-URI") or "").startswith(
                            DOM_PREFIX) and (page := headers.get_header("WARC-Concurrent-To")):
                        doms[page] = (key, records.get_record_offset(), records.get_record_length())
        return cls(store.uri, doms, store)

    def __getstate__(self) -> dict:
        return {"store_uri": self.store_uri, "doms": self.doms, "_store": None}     # a worker opens its own

    def __bool__(self) -> bool:
        return bool(self.doms)

    def dom_of(self, record_id: str | None) -> bytes | None:
        """The rendered DOM of the page whose record is `record_id`, or None."""
        where = self.doms.get(record_id or "")
        if where is None:
            return None
        if self._store is None:
            self._store = open_store(self.store_uri)
        import io
        data = self._store.open_range(*where)
        for record in ArchiveIterator(io.BytesIO(data)):
            return record.content_stream().read()
        return None
