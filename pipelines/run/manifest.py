"""The run manifest, `runs/{site}/{run_id}.json`: what a published run did. Publish writes it,
the check adds the run's health to it, `verify --repair` adds the WARCs it recovers. This
module is the only one that reads or writes it; everyone else asks a `Manifest`.

    {"site", "run_id", "published_at", "crawl": {crawl summary}, "warc_keys": [...],
     "captures_added", "articles_seen", "versions_added", "new_articles", "changed_articles",
     "articles_table_version", "captures_table_version", "attempts",
     "step_seconds": {step: seconds}, "health": {...}, "repairs": {publish id: counts}}
"""
from __future__ import annotations

import json
from typing import Iterator

from pipelines.store import Store, layout


class Manifest:
    """One run's manifest in the store."""

    def __init__(self, store: Store, site: str, run_id: str):
        self.store, self.site, self.run_id = store, site, run_id
        self._key = layout.manifest_key(site, run_id)

    @property
    def location(self) -> str:
        """Where it is, for people: the store's URI and the key."""
        return f"{self.store.uri.rstrip('/')}/{self._key}"

    def exists(self) -> bool:
        return self.store.exists(self._key)

    def read(self) -> dict | None:
        return json.loads(self.store.get_bytes(self._key)) if self.exists() else None

    def write(self, body: dict) -> dict:
        self.store.put_bytes(self._key, json.dumps(body, indent=2, default=str).encode())
        return body

    def delete(self) -> None:
        """Forget the run was published (a benchmark publishing the same run again)."""
        self.store.delete(self._key)

    @classmethod
    def all(cls, store: Store, site: str | None = None) -> Iterator[dict]:
        """Every manifest of `site` (every site's when None)."""
        for obj in store.list(layout.runs_prefix(site)):
            run = layout.manifest_run(obj.key)
            if run:
                yield json.loads(store.get_bytes(obj.key))
