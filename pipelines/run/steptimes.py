"""How long each step of a run took: crawl, upload and clean each leave a tiny record in the
store's staging area; publish folds them, with its own time, into the run manifest
(`step_seconds`) and removes them, so nothing outlives the run in staging."""
from __future__ import annotations

import functools
import json
import logging
import time

from pipelines.health.runhealth import STEPS
from pipelines.run.manifest import Manifest
from pipelines.store import Store, StoreError, layout, open_store

log = logging.getLogger("newsarchive")


def timed(step: str):
    """Decorator for a step `func(site, run_id, settings, ...)` that runs before publish:
    record its wall time (not for a retry after the run was published: nothing would fold it)."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(site, run_id, settings, *args, **kwargs):
            started = time.monotonic()
            result = func(site, run_id, settings, *args, **kwargs)
            _record(settings.store_uri, site.name, run_id, step, time.monotonic() - started)
            return result
        return wrapper
    return decorate


def _record(store_uri: str, site: str, run_id: str, step: str, seconds: float) -> None:
    try:    # a lost timing must never fail the step it measured
        store = open_store(store_uri)
        if step != "crawl" and Manifest(store, site, run_id).exists():
            return          # a retry after publish: the manifest already holds the run's times
        store.put_bytes(layout.step_times_key(site, run_id, step), json.dumps({"seconds": seconds}).encode())
    except StoreError as exc:
        log.warning("could not record the time of step %s: %s", step, exc)


def collect(store: Store, site: str, run_id: str) -> dict[str, float]:
    """step -> seconds, for the steps that left a record."""
    found = {}
    for step in STEPS:
        key = layout.step_times_key(site, run_id, step)
        if store.exists(key):
            found[step] = json.loads(store.get_bytes(key))["seconds"]
    return found


def clear(store: Store, site: str, run_id: str) -> None:
    for step in STEPS:
        store.delete(layout.step_times_key(site, run_id, step))
