"""How long each step of a run took: every step leaves a tiny record in the store's
staging area, which the check step folds into the run's health and then removes."""
from __future__ import annotations

import functools
import json
import logging
import time

from . import keys
from .store import Store, StoreError, open_store

log = logging.getLogger("newsarchive")
STEPS = ("crawl", "upload", "clean", "publish")


def timed(step: str):
    """Decorator for a step `func(site, run_id, settings, ...)`: record its wall time."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(site_name, run_id, settings, *args, **kwargs):
            started = time.monotonic()
            result = func(site_name, run_id, settings, *args, **kwargs)
            _record(settings.store_uri, site_name, run_id, step, time.monotonic() - started)
            return result
        return wrapper
    return decorate


def _key(site: str, run_id: str, step: str) -> str:
    return keys.staging_key(site, run_id, f"times/{step}.json")


def _record(store_uri: str, site: str, run_id: str, step: str, seconds: float) -> None:
    try:    # a lost timing must never fail the step it measured
        open_store(store_uri).put_bytes(_key(site, run_id, step), json.dumps({"seconds": seconds}).encode())
    except StoreError as exc:
        log.warning("could not record the time of step %s: %s", step, exc)


def collect(store: Store, site: str, run_id: str) -> dict[str, float]:
    """step -> seconds, for the steps that left a record."""
    found = {}
    for step in STEPS:
        key = _key(site, run_id, step)
        if store.exists(key):
            found[step] = json.loads(store.get_bytes(key))["seconds"]
    return found


def clear(store: Store, site: str, run_id: str) -> None:
    for step in STEPS:
        store.delete(_key(site, run_id, step))
