"""Every expected failure of newsarchive, in one tree. The command line catches the base
once, prints its message as one line on stderr and exits 2; an Airflow task fails with it.

    NewsarchiveError            the base: ``str(e)`` is always exactly one line
    ├── SiteError               a site cannot be found or its file is invalid (spiders/siteconfig.py)
    ├── StoreError              a store operation failed: unreachable, denied, full (pipelines/store/)
    ├── WriteFailed             a local file could not be written (a full or failing disk): path and error
    ├── StepError               a pipeline step cannot go on: an earlier step is missing, a crawl failed
    │   └── CheckFailed         a run's health check failed; names what changed (pipelines/health/)
    ├── ArchiveError            the Delta tables could not be written (pipelines/archive/writer.py)
    ├── ArchiveNotFound         no archive, or no such article, where one was asked for
    ├── NotAnArticle            a page has no article to archive; the message is the recorded reason
    ├── ReplayError             pywb could not be started (pipelines/warc/replay.py)
    ├── SearchError             a search could not run: bad query syntax, no index (pipelines/search/)
    ├── TakedownError           a takedown could not be added or lifted (pipelines/access/)
    ├── WithheldError           the article asked for is withheld by a takedown (pipelines/access/)
    └── WaczError               a WACZ could not be made or did not validate (pipelines/warc/wacz.py)

Unexpected failures (bugs, a library's own errors) are not caught: they keep their traceback.
"""
from __future__ import annotations


class NewsarchiveError(Exception):
    """An expected failure; ``str(e)`` is always exactly one line."""

    def __init__(self, message: object = ""):
        super().__init__(" ".join(str(message).split()))


class SiteError(NewsarchiveError):
    """A site cannot be found or its file is invalid."""


class StoreError(NewsarchiveError):
    """A store operation failed."""


class WriteFailed(NewsarchiveError):
    """A local file (staging, the crawl's queues and index, a step's output) could not be
    written; the message names the path and the system's error."""

    def __init__(self, path: object, error: BaseException | str):
        reason = error if isinstance(error, str) else (getattr(error, "strerror", None) or str(error)
                                                       or type(error).__name__)
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path


class StepError(NewsarchiveError):
    """A step failed; the message says why."""


class CheckFailed(StepError):
    """A run's health check failed; the message names what changed."""


class ArchiveError(NewsarchiveError):
    """The archive could not be written."""


class ArchiveNotFound(NewsarchiveError):
    """No archive (or no such article) where one was asked for."""


class NotAnArticle(NewsarchiveError):
    """The page has no article to archive; str() is the reason recorded for it."""


class ReplayError(NewsarchiveError):
    """pywb could not be started."""


class SearchError(NewsarchiveError):
    """A search could not run (bad query syntax, no index)."""


class TakedownError(NewsarchiveError):
    """A takedown could not be added or lifted."""


class WithheldError(NewsarchiveError):
    """The article asked for is withheld by a takedown."""


class WaczError(NewsarchiveError):
    """The package could not be made or did not validate."""
