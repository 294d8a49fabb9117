"""A run's upload journal, `staging/{site}/{run_id}/upload.json` in the store: the finished
crawl's summary and every WARC stored for the run, each named before its local copy is
deleted. Any worker can finish the run from it, and a retried crawl knows what a dead
attempt left in the store.

    {"crawl": {crawl summary}, "warc_keys": [...], "complete": bool, "started": ISO time}
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Iterator

from pipelines.store import Store, layout


def load(store: Store, site: str, run_id: str) -> dict | None:
    key = layout.journal_key(site, run_id)
    return json.loads(store.get_bytes(key)) if store.exists(key) else None


def new() -> dict:
    return {"crawl": {}, "warc_keys": []}


def load_or_new(store: Store, site: str, run_id: str) -> dict:
    return load(store, site, run_id) or new()


def save(store: Store, site: str, run_id: str, journal: dict, warc_keys: set[str]) -> None:
    journal["warc_keys"] = sorted(warc_keys)
    journal.setdefault("started", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    store.put_bytes(layout.journal_key(site, run_id), json.dumps(journal, indent=2).encode())


def delete(store: Store, site: str, run_id: str) -> None:
    store.delete(layout.journal_key(site, run_id))


def staged_runs(store: Store, site: str | None) -> Iterator[tuple[str, str, dict]]:
    """(site, run id, upload journal) of every run with a journal in staging."""
    for obj in store.list(layout.staging_prefix(site)):
        run = layout.journal_run(obj.key)
        if run:
            yield *run, json.loads(store.get_bytes(obj.key))
