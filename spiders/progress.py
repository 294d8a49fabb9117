"""The crawl's progress channel: JSON lines written to a file descriptor its parent passed
(`python -m spiders.crawl ... --progress-fd N`), read by the pipeline step that started it.

One event per line:
  {"event": "progress", "responses": N}   once a second from the crawl's stats, and at the end
  {"event": "log", "line": "..."}         an error logged in the crawl (first line of it)
  {"event": "failed", "reason": "..."}    why the crawl ended in an expected failure

Every line goes out in one write() no longer than PIPE_BUF, so lines from the extension and
the log handler never interleave. Scrapy and Twisted are imported where used: the reading
side imports `read_events` alone."""
from __future__ import annotations

import json
import logging
import os
from typing import Iterable, Iterator

logger = logging.getLogger(__name__)
INTERVAL = 1.0
PROGRESS, LOG, FAILED = "progress", "log", "failed"
MAX_TEXT = 1000            # characters of a log line or reason: keeps a line under PIPE_BUF


class Channel:
    """The writing end; without a file descriptor (a crawl run by hand) it sends nothing."""

    def __init__(self, fd: int | None):
        self.fd = fd

    def send(self, event: str, **fields) -> None:
        if self.fd is None:
            return
        fields = {k: v[:MAX_TEXT] if isinstance(v, str) else v for k, v in fields.items()}
        try:
            os.write(self.fd, (json.dumps({"event": event, **fields}) + "\n").encode())
        except OSError:          # the reader is gone: the crawl itself goes on
            self.fd = None


def read_events(lines: Iterable[str]) -> Iterator[dict]:
    """The events of a channel, as dicts; anything that is not an event line is skipped."""
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and "event" in event:
            yield event


class ErrorEvents(logging.Handler):
    """Sends every error logged in the crawl process as a `log` event."""

    def __init__(self, channel: Channel):
        super().__init__(logging.ERROR)
        self.channel = channel
        self.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s",
                                            "%Y-%m-%d %H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        plain = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        self.channel.send(LOG, line=self.format(plain).splitlines()[0])


class CrawlProgress:
    """Scrapy extension: the response count, from the crawl's stats, once a second."""

    def __init__(self, stats, channel: Channel, interval: float = INTERVAL):
        self.stats, self.channel, self.interval = stats, channel, interval
        self._loop = None

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        fd = crawler.settings.get("PROGRESS_FD")
        ext = cls(crawler.stats, Channel(int(fd) if fd is not None else None))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        from twisted.internet import task

        self._loop = task.LoopingCall(self.report)
        self._loop.start(self.interval, now=False)

    def report(self):
        responses = self.stats.get_value("downloader/response_count", 0)
        logger.info("crawl progress: %d responses", responses)     # for the crawl's own log
        self.channel.send(PROGRESS, responses=responses)

    def spider_closed(self, spider, reason):
        if self._loop and self._loop.running:
            self._loop.stop()
        self.report()
