"""Object store for WARC files and Delta tables: a local folder or an S3 bucket.

    store = open_store("./archive")            # or "/abs/dir", "file:///abs/dir"
    store = open_store("s3://bucket/prefix")   # AWS, MinIO, moto, ...

Keys are relative, "/"-separated paths below the store root.  Every failure is
raised as :class:`StoreError`, whose message is a single line naming the store
(and the key, where there is one).
"""

from __future__ import annotations

import hashlib
import os
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator
from urllib.parse import unquote, urlsplit

CHUNK_SIZE = 1024 * 1024

# `ftp:/x`, `http:x`...: a scheme this store does not know, not a folder name (a drive letter is one)
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_BUCKET_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$")


class StoreError(Exception):
    """A store operation failed.  ``str(e)`` is always exactly one line."""

    def __init__(self, message: object):
        super().__init__(" ".join(str(message).split()))


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


def open_store(uri: str | Path) -> Store:
    """Open a store from a local path, a ``file://`` URI or an ``s3://bucket[/prefix]`` URI."""
    if isinstance(uri, Path):
        return _local(uri)
    if not isinstance(uri, str) or not uri.strip():
        raise StoreError(f"unsupported store URI {uri!r}: expected a path, file:// or s3:// URI")
    if uri.startswith("s3://"):
        bucket, _, prefix = uri[len("s3://"):].partition("/")
        prefix = prefix.strip("/")
        if not _BUCKET_RE.match(bucket):
            raise StoreError(f"unsupported store URI {uri!r}: invalid bucket name {bucket!r}")
        if prefix:
            try:
                check_key(prefix)
            except StoreError as e:
                raise StoreError(f"unsupported store URI {uri!r}: invalid prefix ({e})") from None
        from .s3store import S3Store

        return S3Store(bucket, prefix)
    if uri.startswith("file://"):
        parts = urlsplit(uri)
        path = unquote(parts.path)
        if parts.netloc not in ("", "localhost") or not path.startswith("/"):
            raise StoreError(f"unsupported store URI {uri!r}: expected file:///absolute/path")
        return _local(Path(path))
    if "://" in uri or uri.startswith(("s3:", "file:")) or _SCHEME_RE.match(uri):
        raise StoreError(f"unsupported store URI {uri!r}: expected a path, file:// or s3:// URI")
    return _local(Path(uri).expanduser())


def _local(path: Path) -> Store:
    from .localstore import LocalStore

    return LocalStore(path)


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
