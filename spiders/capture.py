"""Scrapy extension that writes every HTTP exchange of a crawl to WARC files.

It listens to `response_downloaded`, which fires for every response the
downloader receives (robots.txt, redirects, errors, assets included) before any
middleware retries, follows redirects or decompresses the body.

Per exchange it writes the response record, the request record and a metadata
record with the fetch time and the page's outlinks; when the URL's payload is
unchanged since its latest capture, a revisit record and the request record only.

A record or index entry that cannot be written (a full disk) stops the crawl at once
(spiders/writestop.py); nothing more is recorded after it.
"""
from __future__ import annotations

import logging
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import scrapy
from importlib.metadata import version
from scrapy import signals
from scrapy.exceptions import NotConfigured, StopDownload

from newsarchive.errors import WriteFailed

from . import __version__
from . import wire
from . import writestop
from .dedup import DigestIndex
from .evidence import fetch_failed
from .links import PAGE_META, parse_wire_response
from .settings import MAX_FETCH_SECONDS_SETTING
from .warcfiles import RotatingWarcWriter
from .warcrecords import (FETCH_SECONDS_META, EarlierCapture, failure_record, metadata_record,
                          not_modified_record, payload_digest, request_record, response_record, revisit_record,
                          truncation)

logger = logging.getLogger(__name__)

_BYTES_META = "warc_bytes_received"
_STARTED_META = "warc_fetch_started"
_OUT_OF_TIME_META = "warc_out_of_time"


class WarcCapture:
    def __init__(self, crawler, directory: Path, prefix: str, max_bytes: int,
                 index: DigestIndex | None = None, max_response_bytes: int = 0,
                 max_fetch_seconds: float = 0):
        self.crawler, self.stats = crawler, crawler.stats
        settings = crawler.settings
        self.writer = RotatingWarcWriter(directory, prefix, self._warcinfo(settings), max_bytes)
        self.index = index or DigestIndex()
        self.max_response_bytes = max_response_bytes
        self.max_fetch_seconds = max_fetch_seconds

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        directory = settings.get("WARC_DIR")
        if not directory:
            raise NotConfigured("WARC_DIR is not set")
        wire.install()          # reason phrases and connection headers, which Scrapy drops
        index = DigestIndex.of_crawl(settings)
        ext = cls(crawler, Path(directory), settings.get("WARC_PREFIX", "newsarchive"),
                  settings.getint("WARC_MAX_BYTES", 1_000_000_000), index,
                  settings.getint("DOWNLOAD_MAXSIZE", 0), settings.getfloat(MAX_FETCH_SECONDS_SETTING, 0))
        logger.info("dedup index: %d URLs", len(index))
        crawler.signals.connect(ext.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(ext.request_reached_downloader, signal=signals.request_reached_downloader)
        crawler.signals.connect(ext.bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(ext.fetch_failed, signal=fetch_failed)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @staticmethod
    def request_scheduled(request, spider):
        """A request back to the scheduler (a redirect, a retry: a copy of one already fetched)
        leaves its predecessor's parse behind: it belongs to that response, and a parse cannot
        be pickled into the scheduler's disk queue."""
        request.meta.pop(PAGE_META, None)

    # -- truncated responses are kept, and marked, instead of dropped ------------------
    def request_reached_downloader(self, request, spider):
        """Scrapy drops a response over DOWNLOAD_MAXSIZE or cut by a lost connection
        without a trace; the capture wants it, marked WARC-Truncated. So the limit
        is enforced here instead (see bytes_received) and data loss is not an error.
        (response_downloaded puts the limit back for the decompression that follows.)"""
        request.meta["download_maxsize"] = 0
        request.meta["download_fail_on_dataloss"] = False
        request.meta[_BYTES_META] = 0
        request.meta[_STARTED_META] = time.monotonic()
        request.meta.pop(_OUT_OF_TIME_META, None)

    def bytes_received(self, data, request, spider):
        received = request.meta.get(_BYTES_META, 0) + len(data)
        request.meta[_BYTES_META] = received
        if self.max_response_bytes and received > self.max_response_bytes:
            # fail=False: the response goes on with what arrived, flagged "download_stopped".
            raise StopDownload(fail=False)
        if self.max_fetch_seconds and self._elapsed(request) > self.max_fetch_seconds:
            request.meta[_OUT_OF_TIME_META] = True      # a trickle: keep what came, marked "time"
            raise StopDownload(fail=False)

    @staticmethod
    def _elapsed(request) -> float:
        started = request.meta.get(_STARTED_META)
        return time.monotonic() - started if started is not None else 0.0

    # -- one exchange -> records ------------------------------------------------------
    def response_downloaded(self, response, request, spider):
        self._recorded(self._capture, response, request)

    def _recorded(self, capture, *args) -> None:
        """Run `capture`, stopping the crawl if it cannot write; after that, record nothing."""
        if writestop.failure_of(self.crawler):
            return
        try:
            capture(*args)
        except WriteFailed as exc:
            writestop.stop_crawl(self.crawler, exc)

    def _capture(self, response, request):
        fetched_at = datetime.now(timezone.utc)
        request.meta[FETCH_SECONDS_META] = self._elapsed(request)
        # Scrapy's decompression reads its cap from here: without it a gzip bomb inflates whole.
        request.meta["download_maxsize"] = self.max_response_bytes
        if request.meta.get(_OUT_OF_TIME_META):
            response.flags.append("time_limit")
        digest = payload_digest(response.body)
        earlier = self._earlier(response, digest) or self._not_modified(request, response)
        if earlier and response.status == 304:
            main = not_modified_record(request, response, fetched_at, earlier)
        elif earlier:
            main = revisit_record(request, response, fetched_at, earlier)
        else:
            main = response_record(request, response, fetched_at)
        record_id = main.rec_headers.get_header("WARC-Record-ID")
        records = [main, request_record(request, response, fetched_at, concurrent_to=record_id)]
        # parsed once: the spider's link discovery reads this parse from the request's meta
        page = request.meta[PAGE_META] = parse_wire_response(response, self.max_response_bytes)
        if not earlier:
            # A revisit gets none: its links and origin are those of the capture it refers
            # to, and at ~400 bytes a record it would be a third of an unchanged crawl's size.
            records.append(metadata_record(request, response, fetched_at, record_id, page.links if page else []))
        self.writer.write(*records)
        if not earlier and self._dedupable(response):
            self.index.remember(EarlierCapture(response.url, digest,
                                               main.rec_headers.get_header("WARC-Date"), record_id))
        self._count(response, main.rec_type)

    def _earlier(self, response, digest: str) -> EarlierCapture | None:
        return self.index.unchanged(response.url, digest) if self._dedupable(response) else None

    def _not_modified(self, request, response) -> EarlierCapture | None:
        """The capture a 304 to our own conditional request says is still current."""
        conditional = b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers
        return self.index.latest(response.url) if response.status == 304 and conditional else None

    @staticmethod
    def _dedupable(response) -> bool:
        """Only whole 200 responses: a revisit of a redirect or an error says little,
        and a truncated body is no reference for later captures."""
        return response.status == 200 and truncation(response) is None

    def _count(self, response, kind: str) -> None:
        logger.debug("captured %d %s%s", response.status, response.url, " (revisit)" if kind == "revisit" else "")
        self.stats.inc_value("warc/records", 2 if kind == "revisit" else 3)
        self.stats.inc_value(f"warc/{kind}_records")
        self.stats.inc_value("warc/response_bytes", len(response.body))
        if truncation(response):
            self.stats.inc_value("warc/truncated")

    def fetch_failed(self, request, reason: str):
        """An exchange that produced no response still leaves a record (see spiders.evidence)."""
        self._recorded(self._failure, request, reason)

    def _failure(self, request, reason: str):
        request.meta[FETCH_SECONDS_META] = self._elapsed(request)
        self.writer.write(failure_record(request, datetime.now(timezone.utc), reason))
        logger.info("failed %s: %s", request.url, reason)
        self.stats.inc_value("warc/records")
        self.stats.inc_value("warc/failure_records")
        kind = reason.split(":")[0]
        self.stats.inc_value(f"warc/failures/{kind}")

    def spider_closed(self, spider, reason):
        try:
            files = self.writer.close()
        except OSError as exc:
            writestop.stop_crawl(self.crawler, WriteFailed(self.writer.directory, exc))
            files = self.writer.finished
        self.index.close()
        self.stats.set_value("warc/files", [str(p) for p in files])

    @staticmethod
    def _warcinfo(settings) -> dict[str, str]:
        return {
            "software": f"newsarchive/{__version__} (Scrapy {scrapy.__version__}, warcio {version('warcio')})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": settings.get("WARC_IS_PART_OF", ""),
            "hostname": platform.node(),
            "http-header-user-agent": settings.get("USER_AGENT", ""),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "description": settings.get("WARC_DESCRIPTION", ""),
        }
