"""The crawl's scheduler: Scrapy's, with its disk queues failing loudly and its leftovers counted.

Pending requests wait pickled in disk queues (spiders/jobdir.py). Scrapy's scheduler lets
an error writing or reading them escape into the engine's loop, which logs it every few
seconds and never ends; here such an error stops the crawl (spiders/writestop.py).

A crawl never resumes, so the queues' state file is not written when it closes. A crawl
closed by its page budget (`max_pages`) leaves requests unfetched: their number is
counted (`budget/max_pages`), since a budget that drops URLs is reported by the run's
health check."""
from __future__ import annotations

from contextlib import suppress

from scrapy.core.scheduler import Scheduler

from newsarchive.errors import WriteFailed

from . import writestop

MAX_PAGES_STAT = "budget/max_pages"
MAX_PAGES_REASON = "closespider_pagecount"      # Scrapy's CloseSpider extension


class RunScheduler(Scheduler):
    def _dqpush(self, request) -> bool:
        if writestop.failure_of(self.crawler):
            return False                         # stopping: held in memory until the end
        try:
            return super()._dqpush(request)
        except OSError as exc:
            self._failed(exc)
            return False

    def _dqpop(self):
        if writestop.failure_of(self.crawler):
            return None
        try:
            return super()._dqpop()
        except OSError as exc:
            self._failed(exc)
            return None

    def _failed(self, exc: OSError) -> None:
        writestop.stop_crawl(self.crawler, WriteFailed(exc.filename or self.dqdir, exc))

    def close(self, reason: str):
        if reason == MAX_PAGES_REASON:
            self.stats.set_value(MAX_PAGES_STAT, len(self))
        with suppress(OSError):                  # the queues are thrown away with their folder
            return super().close(reason)
        return self.df.close(reason)

    def _write_dqs_state(self, dqdir: str, state) -> None:
        """Nothing: a crawl never resumes from its queues."""
