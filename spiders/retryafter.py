"""Retries that wait as long as the server asked (`Retry-After`), up to a cap.

Scrapy's RetryMiddleware re-sends a 503 or 429 at once, whatever the server
said; a polite crawler waits. The wait is cut to `cap` seconds so a hostile
`Retry-After: 86400` cannot stall a run."""
from __future__ import annotations

from datetime import datetime, timezone

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message

from .dates import parse_http_date
from .settings import RETRY_AFTER_CAP_SETTING


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    when = parse_http_date(text)
    if when is None:
        return None
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.cap = settings.getfloat(RETRY_AFTER_CAP_SETTING, 30.0)

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if wait:
            await _sleep(min(wait, self.cap))
        return retry


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))
