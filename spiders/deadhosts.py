"""Hosts given up early, as Heritrix gives them up: after `UNREACHABLE_AFTER` DNS or connection
failures in a row (refused, no route, name not resolved), a host (host and port) is marked
unreachable for the rest of the run.

A news page hot-links hundreds of off-site requisites; where their hosts are gone, each URL
used to be tried three times on its own, every attempt waiting its turn behind the host's
download delay. Once a host is unreachable its remaining requests (retries, its robots.txt)
are refused before they are sent: each still ends as one failure record (spiders.evidence),
so the WARC and the captures table account for every request, without a fetch.

Any response from the host resets its count. Timeouts are not counted: a host that accepts
connections and answers slowly is bounded by `max_fetch_seconds`, and a slow moment of the
site's own host must not end its run."""
from __future__ import annotations

import logging

from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import ConnectError, DNSLookupError, SSLError, TimeoutError as TxTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE_AFTER = 3
# ConnectError covers refused, no route, unknown host and TCP connect timeouts
_CONNECT_FAILURES = (ConnectError, DNSLookupError, CannotResolveHostError, DownloadConnectionRefusedError)
_NOT_REACHABILITY = (TxTimeoutError, SSLError)      # subclasses of ConnectError that say nothing of the host


class HostUnreachable(IgnoreRequest):
    """Not sent: its host was given up in this run; str() says why."""


def connection_failure(exception: BaseException) -> bool:
    return isinstance(exception, _CONNECT_FAILURES) and not isinstance(exception, _NOT_REACHABILITY)


class UnreachableHosts:
    """Downloader middleware, nearer the downloader than the retries: it sees each attempt's
    failure before they resend it, and refuses the resent request once the host is given up."""

    def __init__(self, stats, threshold: int = UNREACHABLE_AFTER):
        self.stats, self.threshold = stats, threshold
        self.failures: dict[str, int] = {}      # host:port -> connection failures in a row
        self.given_up: dict[str, str] = {}      # host:port -> why it was given up

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_request(self, request, spider=None):
        host = _host(request)
        why = self.given_up.get(host)
        if why is not None:
            self.stats.inc_value("hosts/requests_not_sent")
            raise HostUnreachable(why)

    def process_response(self, request, response, spider=None):
        self.failures.pop(_host(request), None)
        return response

    def process_exception(self, request, exception, spider=None):
        host = _host(request)
        if host in self.given_up or not connection_failure(exception):
            return None
        count = self.failures[host] = self.failures.get(host, 0) + 1
        if count >= self.threshold:
            cause = exception.__cause__ or exception
            self.given_up[host] = (f"host unreachable: {host} failed to connect {count} times in a row "
                                   f"({type(cause).__name__}), given up for this run")
            self.stats.inc_value("hosts/unreachable")
            self.stats.set_value("hosts/unreachable_list", sorted(self.given_up))
            logger.warning("%s", self.given_up[host])
        return None


def _host(request) -> str:
    return urlparse_cached(request).netloc.lower()
