"""argparse types: bad input is a usage error (one line, exit 2) before any command runs.
Standard library only, or modules that are (they run while the arguments are parsed)."""
from __future__ import annotations

import argparse
import os
from datetime import date, datetime
from functools import wraps
from pathlib import Path

from spiders.runids import run_id_arg as run_id     # noqa: F401  (the crawl's own check)

__all__ = ["run_id", "day", "moment", "version_or_moment", "as_of", "store_uri", "writable_file", "count"]


def _usage_error(parse):
    """The ValueError (or NewsarchiveError) of `parse` as argparse's usage error."""
    from newsarchive.errors import NewsarchiveError

    @wraps(parse)
    def checked(text: str):
        try:
            return parse(text)
        except (ValueError, NewsarchiveError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return checked


@_usage_error
def day(text: str) -> date:
    from spiders.dates import parse_day

    return parse_day(text)


@_usage_error
def moment(text: str) -> datetime:
    """An ISO time (naive means UTC)."""
    from pipelines.archive.moments import parse_time

    return parse_time(text)


@_usage_error
def version_or_moment(text: str) -> int | datetime:
    """A version number (an integer) or an ISO time."""
    return int(text) if text.strip().isdigit() else moment.__wrapped__(text)


@_usage_error
def as_of(text: str) -> int | datetime:
    """A table version or an ISO time."""
    from pipelines.archive.moments import parse_as_of

    return parse_as_of(text)


@_usage_error
def store_uri(text: str) -> str:
    """A store URI that names a store the pipeline can open (nothing is opened yet)."""
    from pipelines.store.factory import check_uri

    return check_uri(text)


@_usage_error
def writable_file(text: str) -> Path:
    """A file path that can be created or overwritten."""
    path = Path(text)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ValueError(f"cannot write {path}: it is a folder")
    if not folder.is_dir():
        raise ValueError(f"cannot write {path}: no folder {folder}")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"cannot write {path}: permission denied")
    return path


@_usage_error
def count(text: str) -> int:
    """A whole number, zero or more."""
    value = int(text)
    if value < 0:
        raise ValueError(f"must be zero or more: {text}")
    return value
