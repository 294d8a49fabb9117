"""Delta writes that ride out a failing store, as the store's own (boto3) calls do.

delta-rs talks to S3 through its own client: it retries reads, and writes answered 5xx, but
not a write whose connection was reset (a PUT may have landed: object_store cannot tell), and
its error then ends the operation. Each Delta operation of the archive is therefore run again
as a whole, with back-off, for the store's retry budget (NEWSARCHIVE_STORE_RETRY_SECONDS,
pipelines/store/retries.py). Running one again is safe: a publish finds its own commit by its
publish id, the runs table merges on (site, run id), and compaction, checkpoints and vacuum
only tidy. Past the budget the operation fails with one line naming the endpoint.
"""
from __future__ import annotations

import re
from typing import Callable, TypeVar

from deltalake.exceptions import CommitFailedError

from newsarchive.errors import ArchiveError, NewsarchiveError
from pipelines.store import Store
from pipelines.store.retries import RetryPolicy

T = TypeVar("T")

# What delta-rs / object_store / reqwest say of a store that failed for now, not for good.
_TRANSIENT = re.compile(
    r"connection (reset|closed|refused|aborted)|broken pipe|error sending request|"
    r"operation timed out|timed? ?out|incomplete ?message|unexpected eof|end of file|"
    r"error (reading|decoding) response body|request or response body error|"
    r"slow ?down|service ?unavailable|internal ?error|internal server error|bad gateway|"
    r"gateway time-?out|throttl|\b50[0234]\b|dispatch failure",
    re.IGNORECASE)


def transient(exc: BaseException) -> bool:
    """Whether a Delta operation's error is the store failing for now (worth another try)."""
    if isinstance(exc, (CommitFailedError, NewsarchiveError)):
        return False      # a lost commit is planned again by the caller; ours are already final
    return bool(_TRANSIENT.search(str(exc)))


def endpoint(store: Store) -> str:
    """The address the store's requests go to, for the one-line error."""
    url = getattr(store, "endpoint_url", None)
    if url:
        return url
    region = getattr(store, "region", None)
    return f"https://s3.{region}.amazonaws.com" if region else store.uri


def one_line(exc: BaseException) -> str:
    """deltalake's multi-line, coloured error chains as one plain line."""
    return " ".join(re.sub(r"\x1b\[[0-9;]*m|↳", " ", str(exc)).split())


def retrying(store: Store, what: str, call: Callable[[], T], policy: RetryPolicy | None = None) -> T:
    """`call()` (one whole Delta operation), again while the store fails transiently, for the
    store's retry budget; then ArchiveError: `store …: cannot <what>: endpoint … failing …`."""
    policy = policy or getattr(store, "retry", None) or RetryPolicy.from_env()

    def give_up(exc: Exception, seconds: float, attempts: int) -> Exception:
        return ArchiveError(f"store {store.uri}: cannot {what}: endpoint {endpoint(store)} failing for "
                               f"{seconds:.0f} s ({attempts} attempts): {one_line(exc)}")

    return policy.run(call, transient, give_up)
