"""Store backend for a local (or mounted) directory."""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import stat as stat_mod
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from pipelines.store.base import (
    CHUNK_SIZE,
    Store,
    StoredObject,
    StoreError,
    check_key,
    check_prefix,
    file_digest,
)

# Temporary files live next to their destination until os.replace():
# ".<name>.<16 hex>.storetmp".  Listings skip them.
_TMP_SUFFIX = ".storetmp"
_TMP_RE = re.compile(r"^\..*\.[0-9a-f]{16}\.storetmp$", re.DOTALL)


def _hashing_copy(src: BinaryIO, dst: BinaryIO) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := src.read(CHUNK_SIZE):
        digest.update(chunk)
        dst.write(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


class LocalStore(Store):
    def __init__(self, root: str | os.PathLike):
        self.root = Path(os.path.abspath(root))
        self.uri = self.root.as_uri()

    # -- helpers -------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def _error(self, action: str, key: str, exc: OSError) -> StoreError:
        if isinstance(exc, FileNotFoundError) and action in ("read", "stat"):
            detail = "no such key"
        else:
            detail = str(exc)
        return StoreError(f"store {self.uri}: cannot {action} key {key!r}: {detail}")

    def _write(self, key: str, fill: Callable[[BinaryIO], tuple[int, str]]) -> StoredObject:
        """Write via a temp file in the destination directory, verify it, then os.replace()."""
        dest = self._path(key)
        tmp = dest.with_name(f".{dest.name[:100]}.{secrets.token_hex(8)}{_TMP_SUFFIX}")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as e:
            raise self._error("write", key, e) from e
        try:
            with os.fdopen(fd, "wb") as f:
                size, sha256 = fill(f)
                f.flush()
                os.fsync(f.fileno())
            stored = file_digest(tmp)
            if stored != (size, sha256):
                raise StoreError(
                    f"store {self.uri}: verification of key {key!r} failed: stored {stored[0]} bytes, "
                    f"sha256 {stored[1]}; expected {size} bytes, sha256 {sha256}"
                )
            os.replace(tmp, dest)
            _fsync_dir(dest.parent)
        except BaseException as e:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            if isinstance(e, OSError):
                raise self._error("write", key, e) from e
            raise
        return StoredObject(key, size, sha256)

    # -- Store API -----------------------------------------------------------

    def check(self) -> None:
        probe = self.root / f".check.{secrets.token_hex(8)}{_TMP_SUFFIX}"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            os.unlink(probe)
        except OSError as e:
            raise StoreError(f"store {self.uri} is not a writable directory: {e}") from e

    def put_file(self, path: Path, key: str) -> StoredObject:
        check_key(key)

        def copy(dst: BinaryIO) -> tuple[int, str]:
            with open(path, "rb") as src:
                return _hashing_copy(src, dst)

        return self._write(key, copy)

    def put_bytes(self, key: str, data: bytes) -> StoredObject:
        return self._write(key, lambda dst: _hashing_copy(io.BytesIO(data), dst))

    def get_bytes(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except OSError as e:
            raise self._error("read", key, e) from e

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return open(path, "rb")
        except OSError as e:
            raise self._error("read", key, e) from e

    def open_range(self, key: str, offset: int, length: int) -> bytes:
        path = self._path(key)
        if offset < 0 or length < 0:
            raise StoreError(f"store {self.uri}: invalid range offset={offset} length={length} for key {key!r}")
        if length == 0:
            return b""
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                return f.read(length)
        except OSError as e:
            raise self._error("read", key, e) from e

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def stat(self, key: str) -> StoredObject | None:
        path = self._path(key)
        try:
            if not path.is_file():
                return None
            size, sha256 = file_digest(path)
        except FileNotFoundError:
            return None
        except OSError as e:
            raise self._error("stat", key, e) from e
        return StoredObject(key, size, sha256)

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        check_prefix(prefix)
        return iter(self._list(prefix))

    def _list(self, prefix: str) -> list[StoredObject]:
        base = prefix.rpartition("/")[0]
        start = self.root.joinpath(*base.split("/")) if base else self.root

        def on_error(e: OSError) -> None:
            if not isinstance(e, (FileNotFoundError, NotADirectoryError)):
                raise StoreError(f"store {self.uri}: cannot list prefix {prefix!r}: {e}") from e

        found = []
        for dirpath, _dirs, files in os.walk(start, onerror=on_error):
            rel = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
            for name in files:
                key = name if rel == "." else f"{rel}/{name}"
                if _TMP_RE.match(name) or not key.startswith(prefix):
                    continue
                try:
                    st = os.stat(os.path.join(dirpath, name))
                except FileNotFoundError:
                    continue  # deleted while listing
                if stat_mod.S_ISREG(st.st_mode):
                    found.append(StoredObject(key, st.st_size))
        found.sort(key=lambda o: o.key)
        return found

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as e:
            raise self._error("delete", key, e) from e

    def table_uri(self, key: str) -> str:
        return str(self._path(key))

    def storage_options(self) -> dict[str, str] | None:
        return None


def _fsync_dir(path: Path) -> None:
    """Make a rename durable (best effort: not every filesystem allows it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
