"""Where the index's files live. tantivy works on a local folder; the index lives with the
archive so that any worker can use it:

- a local store holds it in place, in `search/index/` of the store's folder;
- an S3 store keeps a copy of that folder under the same key prefix. A worker pulls what it
  lacks into a local cache folder before reading or updating, and after an update pushes its
  new segment files first and `meta.json` (which names the segments) last, so a reader never
  sees a `meta.json` naming a file that is not there yet. Segment files are immutable.

Segment files an update merged away are deleted from the store one update later, and only
those that the previous `meta.json` named too: a concurrent update's new files, or files its
`meta.json` still names, are never deleted under it."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pipelines.store import Store
from pipelines.store.layout import SEARCH_PREFIX

META = "meta.json"
LOCAL_ONLY = (".tantivy-meta.lock", ".tantivy-writer.lock")


def cache_root() -> Path:
    from newsarchive.environment import value

    return Path(value("NEWSARCHIVE_SEARCH_CACHE") or Path.home() / ".cache" / "newsarchive" / "search")


def referenced(meta: bytes | None) -> set[str]:
    """The segment files a meta.json names (by their id prefix)."""
    if not meta:
        return set()
    return {seg["segment_id"].replace("-", "") for seg in json.loads(meta).get("segments", [])}


def _segment_of(name: str) -> str:
    return name.split(".", 1)[0]


class IndexFiles:
    """The index folder of a store, and its copy in the store when that is S3."""

    def __init__(self, store: Store, cache: Path | None = None):
        self.store = store
        self.in_place = store.uri.startswith("file://")
        if self.in_place:
            self.folder = Path(store.table_uri(SEARCH_PREFIX.rstrip("/")))
        else:
            digest = hashlib.sha256(store.uri.encode()).hexdigest()[:16]
            self.folder = (cache or cache_root()) / digest
        self._pulled: dict[str, int] = {}
        self._pulled_meta: bytes | None = None

    def exists(self) -> bool:
        if self.in_place:
            return (self.folder / META).is_file()
        return self.store.exists(SEARCH_PREFIX + META)

    def pull(self) -> Path:
        """The local folder, brought up to the store's copy; returns it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.in_place:
            return self.folder
        objects = {o.key[len(SEARCH_PREFIX):]: o.size for o in self.store.list(SEARCH_PREFIX)}
        meta = self.store.get_bytes(SEARCH_PREFIX + META) if META in objects else None
        wanted = referenced(meta)
        for name, size in objects.items():
            local = self.folder / name
            if name == META or _segment_of(name) not in wanted:
                continue
            if not local.is_file() or local.stat().st_size != size:
                self.store.get_file(SEARCH_PREFIX + name, local.with_suffix(local.suffix + ".part"))
                os.replace(local.with_suffix(local.suffix + ".part"), local)
        for name in (n for n in objects if n.startswith(".") and n not in LOCAL_ONLY):
            self.store.get_file(SEARCH_PREFIX + name, self.folder / name)
        if meta is not None:
            (self.folder / META).write_bytes(meta)
        self._pulled, self._pulled_meta = objects, meta
        return self.folder

    def push(self) -> None:
        """Copy new files to the store, meta.json last; then drop what no meta.json names."""
        if self.in_place:
            return
        meta = (self.folder / META).read_bytes()
        current = referenced(meta)
        for path in sorted(self.folder.iterdir()):
            name = path.name
            if name in LOCAL_ONLY or name == META or not path.is_file() or name.endswith(".part"):
                continue
            if _segment_of(name) in current and self._pulled.get(name) != path.stat().st_size:
                self.store.put_file(path, SEARCH_PREFIX + name)
            elif name.startswith("."):
                self.store.put_file(path, SEARCH_PREFIX + name)
        self.store.put_bytes(SEARCH_PREFIX + META, meta)
        keep = current | referenced(self._pulled_meta)
        for name in self._pulled:
            if name != META and not name.startswith(".") and _segment_of(name) not in keep:
                self.store.delete(SEARCH_PREFIX + name)
        self._pulled = {**self._pulled, **{p.name: p.stat().st_size for p in self.folder.iterdir() if p.is_file()}}
        self._pulled_meta = meta

    def size(self) -> int:
        """Bytes of the index's files."""
        return sum(p.stat().st_size for p in self.folder.iterdir() if p.is_file()) if self.folder.is_dir() else 0
