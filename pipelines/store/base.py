"""The store interface both backends implement, and verified uploads.

Keys are relative, "/"-separated paths below the store root.  Every failure is
raised as :class:`StoreError`, whose message is a single line naming the store
(and the key, where there is one).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from newsarchive.errors import StoreError

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str | None = None  # hex digest; None when unknown (e.g. from a listing)


def check_key(key: str) -> str:
    """Return ``key`` if it is a valid relative "/"-separated key, else raise StoreError."""
    if not isinstance(key, str) or not key:
        raise StoreError(f"invalid key {key!r}: must be a non-empty string")
    if key.startswith("/"):
        raise StoreError(f"invalid key {key!r}: must be relative (no leading '/')")
    if "\\" in key or "\0" in key:
        raise StoreError(f"invalid key {key!r}: backslashes and NUL are not allowed")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise StoreError(f"invalid key {key!r}: empty, '.' or '..' path segment")
    return key


def check_prefix(prefix: str) -> str:
    """Validate a listing prefix: "" or a key-like string that may end with "/"."""
    if prefix == "":
        return prefix
    check_key(prefix[:-1] if prefix.endswith("/") and len(prefix) > 1 else prefix)
    return prefix


def file_digest(path: str | os.PathLike) -> tuple[int, str]:
    """(size, sha256 hex) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


class Store(ABC):
    """Common interface of the local and S3 backends."""

    uri: str  # canonical: "file:///abs/path" or "s3://bucket/prefix"

    @abstractmethod
    def check(self) -> None:
        """Raise StoreError if the store is unreachable, missing or not writable."""

    @abstractmethod
    def put_file(self, path: Path, key: str) -> StoredObject:
        """Upload a local file, then verify size and sha256 of the stored copy.

        The local file is left in place (see :func:`upload_verified`)."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes) -> StoredObject: ...

    @abstractmethod
    def get_bytes(self, key: str) -> bytes: ...

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Streaming, readable binary file object (close it when done)."""

    def get_file(self, key: str, path: Path) -> Path:
        """Stream ``key`` into the local file ``path`` (replaced if present), a chunk at a
        time: the counterpart of :meth:`put_file` for objects too large to hold in memory."""
        path = Path(path)
        try:
            with self.open(key) as source, open(path, "wb") as dest:
                shutil.copyfileobj(source, dest, CHUNK_SIZE)
        except StoreError:
            path.unlink(missing_ok=True)
            raise
        except OSError as e:
            path.unlink(missing_ok=True)
            raise StoreError(f"store {self.uri}: cannot copy key {key!r} to {path}: {e}") from e
        return path

    @abstractmethod
    def open_range(self, key: str, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes from ``offset``; fewer if the object ends sooner."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def stat(self, key: str) -> StoredObject | None:
        """Size and sha256 (when known) of ``key``, or None if it does not exist."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """All objects whose key starts with ``prefix``, recursively, sorted by key."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Delete ``key``; deleting a missing key is not an error."""

    @abstractmethod
    def table_uri(self, key: str) -> str:
        """Location of a Delta table stored at ``key``, for deltalake."""

    @abstractmethod
    def storage_options(self) -> dict[str, str] | None:
        """``storage_options`` for deltalake (None when none are needed)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.uri!r})"


def upload_verified(store: Store, path: Path, key: str,
                    before_delete: Callable[[StoredObject], None] | None = None) -> StoredObject:
    """Move a local file into the store: upload, verify, then delete the local copy.

    If ``key`` already holds the same bytes (size and sha256), the upload is
    skipped, so re-running an interrupted job is cheap.  The local file is
    deleted only after verification passed and ``before_delete`` (e.g. writing
    a journal that names the key) returned; on any error it stays.
    """
    path = Path(path)
    check_key(key)
    try:
        size, sha256 = file_digest(path)
    except OSError as e:
        raise StoreError(f"store {store.uri}: cannot upload {path} to key {key!r}: {e}") from e
    stored = store.stat(key)
    if stored is None or stored.size != size or stored.sha256 != sha256:
        stored = store.put_file(path, key)
        if stored.size != size or stored.sha256 != sha256:
            raise StoreError(
                f"store {store.uri}: key {key!r} does not match {path} after upload "
                f"(stored {stored.size} bytes, sha256 {stored.sha256}; local {size} bytes, sha256 {sha256})"
            )
    if before_delete:
        before_delete(stored)
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as e:
        raise StoreError(f"store {store.uri}: key {key!r} verified, but cannot delete {path}: {e}") from e
    return stored
