"""Scrapy extension that writes every HTTP exchange of a crawl to WARC files.

It listens to `response_downloaded`, which fires for every response the
downloader receives (robots.txt, redirects, errors, assets included) before any
middleware retries, follows redirects or decompresses the body.
"""
from __future__ import annotations

import logging
import platform
from datetime import datetime, timezone
from pathlib import Path

import scrapy
from importlib.metadata import version
from scrapy import signals
from scrapy.exceptions import NotConfigured

from . import __version__
from .warcfiles import RotatingWarcWriter
from .warcrecords import request_record, response_record

logger = logging.getLogger(__name__)


class WarcCapture:
    def __init__(self, crawler, directory: Path, prefix: str, max_bytes: int):
        self.stats = crawler.stats
        settings = crawler.settings
        self.writer = RotatingWarcWriter(directory, prefix, self._warcinfo(settings), max_bytes)

    @classmethod
    def from_crawler(cls, crawler):
        directory = crawler.settings.get("WARC_DIR")
        if not directory:
            raise NotConfigured("WARC_DIR is not set")
        ext = cls(crawler, Path(directory), crawler.settings.get("WARC_PREFIX", "newsarchive"),
                  crawler.settings.getint("WARC_MAX_BYTES", 1_000_000_000))
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def response_downloaded(self, response, request, spider):
        fetched_at = datetime.now(timezone.utc)
        response_rec = response_record(request, response, fetched_at)
        record_id = response_rec.rec_headers.get_header("WARC-Record-ID")
        request_rec = request_record(request, response, fetched_at, concurrent_to=record_id)
        self.writer.write(response_rec, request_rec)
        logger.info("captured %d %s", response.status, response.url)
        self.stats.inc_value("warc/records", 2)
        self.stats.inc_value("warc/response_bytes", len(response.body))

    def spider_closed(self, spider, reason):
        files = self.writer.close()
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
