"""The one base of every expected failure in newsarchive (bad input, an unreachable store,
a broken site): the command line prints its message as one line and exits non-zero.
It lives here because the crawl side must not import the pipeline; pipelines.errors
re-exports it."""
from __future__ import annotations


class NewsarchiveError(Exception):
    """An expected failure; ``str(e)`` is always exactly one line."""

    def __init__(self, message: object = ""):
        super().__init__(" ".join(str(message).split()))
