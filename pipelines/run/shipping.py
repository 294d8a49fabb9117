"""A crawl's WARCs go to the store as soon as each one is closed, so the steps after the crawl
never need a file on the machine that crawled. The run's upload journal (journal.py) names
every WARC stored for the run before its local copy is deleted."""
from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path

from spiders.settings import warc_prefix

from pipelines.run import journal as journals
from pipelines.run.manifest import Manifest
from pipelines.store import Store, StoreError, layout, upload_verified

log = logging.getLogger("newsarchive")


def run_warc_keys(store: Store, site: str, run_id: str) -> list[str]:
    """The run's WARCs in the store, found by name (each run's files carry its own prefix)."""
    prefix = warc_prefix(site, run_id) + "-"
    return [o.key for o in store.list(layout.warc_prefix(site))
            if layout.is_warc(o.key) and o.key.rsplit("/", 1)[-1].startswith(prefix)]


def ship(store: Store, site: str, run_id: str, folder: Path, journal: dict, known: set[str]) -> list[str]:
    """Move every finished WARC of `folder` into the store (verified), oldest first; each key is
    in the journal before its local copy goes. Returns the keys shipped."""
    shipped = []
    for path in sorted(folder.glob("*.warc.gz")) if folder.is_dir() else []:
        key = layout.warc_key(site, path.name)

        def record(_stored, key=key) -> None:
            known.add(key)
            journals.save(store, site, run_id, journal, known)

        upload_verified(store, path, key, before_delete=record)
        log.info("uploaded %s", key)
        shipped.append(key)
    return shipped


def discard_dead_attempt(store: Store, site: str, run_id: str) -> list[str]:
    """Before a run is crawled again: set aside the WARCs that an attempt which never finished
    stored (moved, verified, to attempts/), so the new crawl's captures are the run's only ones
    and the dead attempt's stay readable. WARCs a published manifest of the run names are left
    in place (a re-run of a published run adds to it, never replaces it)."""
    journal = journals.load_or_new(store, site, run_id)
    manifest = Manifest(store, site, run_id).read()
    kept = set(manifest["warc_keys"]) if manifest else set()
    dead = sorted((set(journal["warc_keys"]) | set(run_warc_keys(store, site, run_id))) - kept)
    if dead:
        log.warning("re-crawling run %s: setting aside %d WARC files stored by a crawl that did not finish "
                    "(kept under %s)", run_id, len(dead), layout.attempt_key(site, run_id, ""))
    for key in dead:
        store.delete(layout.warc_index_key(key))           # derived: rebuilt from the WARC if needed
        move_verified(store, key, layout.attempt_key(site, run_id, key))
    journals.delete(store, site, run_id)          # last: it still names what is left
    return dead


def move_verified(store: Store, key: str, dest: str) -> None:
    """Move an object within the store through a local copy: the source is deleted only once
    the destination holds the same bytes (size and SHA-256)."""
    with tempfile.TemporaryDirectory(prefix="newsarchive-move-") as tmp:
        upload_verified(store, store.get_file(key, Path(tmp) / "object"), dest)
    store.delete(key)


class Shipper:
    """Ships a running crawl's closed WARCs every `interval` seconds in a thread. A store that
    fails meanwhile only delays shipping (the files wait in the folder); `finish()` ships the
    rest once the crawl has ended and raises what still fails then."""

    def __init__(self, store: Store, site: str, run_id: str, folder: Path, interval: float = 1.0):
        self.store, self.site, self.run_id, self.folder = store, site, run_id, folder
        self.interval = interval
        self.journal = journals.load_or_new(store, site, run_id)
        self.known = set(self.journal["warc_keys"])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"ship-{run_id}", daemon=True)

    def __enter__(self) -> "Shipper":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def finish(self) -> list[str]:
        self.__exit__()
        return self._ship()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._ship()
            except (StoreError, OSError) as exc:
                log.warning("shipping WARCs of run %s delayed: %s", self.run_id, exc)

    def _ship(self) -> list[str]:
        return ship(self.store, self.site, self.run_id, self.folder, self.journal, self.known)
