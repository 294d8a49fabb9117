"""Evidence of every exchange that produced no response.

A downloader middleware placed next to the downloader sees every exception a
request ends in: a reset, a timeout, a DNS error, a refusal by the scope check
or by robots.txt. It names the failure and sends `fetch_failed`, on which the
capture writes a failure record, so the WARC accounts for every request."""
from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from twisted.internet.error import DNSLookupError

from .addressscope import blocked_address

fetch_failed = object()          # signal: (request, reason)
_DNS_ERRORS = (CannotResolveHostError, DNSLookupError)   # Scrapy's, and Twisted's underneath


def failure_reason(request, exception: BaseException) -> str:
    host = urlsplit(request.url).hostname or ""
    if isinstance(exception, _DNS_ERRORS) and (address := blocked_address(host)):
        return f"blocked by scope: {host} resolves to {address}, not a public address"
    if isinstance(exception, IgnoreRequest):
        text = str(exception)
        return "refused by robots.txt" if "robots.txt" in text else (text or "request ignored")
    cause = exception.__cause__ or exception            # Scrapy wraps Twisted's errors
    reasons = getattr(cause, "reasons", None)           # ResponseFailed and kin carry a list
    if reasons:
        return f"{type(exception).__name__}: " + "; ".join(
            f"{type(r.value).__name__}: {r.value}" for r in reasons)
    return f"{type(exception).__name__}: {exception}"


class FailureEvidence:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_exception(self, request, exception, spider=None):
        self.crawler.signals.send_catch_log(signal=fetch_failed, request=request,
                                            reason=failure_reason(request, exception))
        return None
