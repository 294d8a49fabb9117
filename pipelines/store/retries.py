"""Bounded retries for calls to the store: exponential backoff with jitter until a time
budget is spent, then the last error. The budget is per call, so one slow object never
holds a step for longer than `seconds` plus one request timeout.
NEWSARCHIVE_STORE_RETRY_SECONDS and NEWSARCHIVE_STORE_TIMEOUT set the budget and the
request timeout (newsarchive/environment.py)."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, TypeVar

from newsarchive import environment

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    seconds: float = environment.BY_NAME["NEWSARCHIVE_STORE_RETRY_SECONDS"].default   # give up after failing this long
    timeout: float = environment.BY_NAME["NEWSARCHIVE_STORE_TIMEOUT"].default         # one request (connect or read)
    first_delay: float = 0.2
    max_delay: float = 10.0

    @classmethod
    def from_env(cls) -> "RetryPolicy":
        return cls(seconds=environment.value("NEWSARCHIVE_STORE_RETRY_SECONDS"),
                   timeout=environment.value("NEWSARCHIVE_STORE_TIMEOUT"))

    def run(self, call: Callable[[], T], retryable: Callable[[Exception], bool],
            give_up: Callable[[Exception, float, int], Exception]) -> T:
        """`call()` until it succeeds, a non-retryable error, or the budget is spent
        (then `give_up(last error, seconds spent, attempts)` is raised)."""
        start, attempt, delay = time.monotonic(), 0, self.first_delay
        while True:
            attempt += 1
            try:
                return call()
            except Exception as exc:
                if not retryable(exc):
                    raise
                spent = time.monotonic() - start
                if spent + delay > self.seconds:
                    raise give_up(exc, spent, attempt) from exc
            time.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, self.max_delay)
