"""Open a store by URI: a local folder or an S3 bucket."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pipelines.store.base import Store, StoreError, check_key
from pipelines.store.local import LocalStore

# `ftp:/x`, `http:x`...: a scheme this store does not know, not a folder name (a drive letter is one)
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_BUCKET_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$")


def open_store(uri: str | Path) -> Store:
    """Open a store from a local path, a ``file://`` URI or an ``s3://bucket[/prefix]`` URI."""
    where = uri if isinstance(uri, Path) else _location(uri)
    if isinstance(where, Path):
        return LocalStore(where)
    from pipelines.store.s3 import S3Store      # boto3: only for an S3 store

    return S3Store(*where)


def check_uri(uri: str) -> str:
    """`uri` when it names a store open_store can open, else StoreError; opens nothing."""
    _location(uri)
    return uri


def _location(uri: str) -> Path | tuple[str, str]:
    """A local folder, or (bucket, prefix) of an S3 store."""
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
        return bucket, prefix
    if uri.startswith("file://"):
        parts = urlsplit(uri)
        path = unquote(parts.path)
        if parts.netloc not in ("", "localhost") or not path.startswith("/"):
            raise StoreError(f"unsupported store URI {uri!r}: expected file:///absolute/path")
        return Path(path)
    if "://" in uri or uri.startswith(("s3:", "file:")) or _SCHEME_RE.match(uri):
        raise StoreError(f"unsupported store URI {uri!r}: expected a path, file:// or s3:// URI")
    return Path(uri).expanduser()
