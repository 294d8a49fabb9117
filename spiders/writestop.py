"""A crawl that cannot write what it fetches stops at once.

A full or failing disk shows first as an error writing a WARC record, a request to the
disk queue or an entry of the digest index. Scrapy catches and logs what a signal handler
or the scheduler raises and goes on: the crawl would fetch pages it no longer records,
then wait forever on a queue it cannot read. Whoever meets the error calls `stop_crawl`:
the first error is kept (the crawl's one line: the path and the system's error), the
spider is closed, and a watchdog stops the reactor if closing takes longer than
`GRACE_SECONDS` (a download that hangs). What was written whole stays; the crawl exits
non-zero and a re-run of the same run id starts over (spiders/crawl.py).

Before a crawl starts, the staging folder's free space is checked against a floor
(`check_free_space`), so a crawl does not start on a disk it would fill at once."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

from newsarchive.errors import WriteFailed

logger = logging.getLogger(__name__)

STAT = "crawl/write_failed"        # the one line, once a write failed
REASON = "write_failed"            # the spider's close reason
GRACE_SECONDS = 10.0


def failure_of(crawler) -> str | None:
    return crawler.stats.get_value(STAT)


def stop_crawl(crawler, failure: WriteFailed) -> None:
    """Close the crawl because of `failure`; later failures (writes already under way) add nothing."""
    if failure_of(crawler):
        return
    crawler.stats.set_value(STAT, str(failure))
    # a warning: the step reports the line once, as the crawl's failure, not as a logged error too
    logger.warning("%s: the crawl stops", failure)
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import reactor

    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=REASON))
    reactor.callLater(GRACE_SECONDS, _force_stop, reactor)


def _force_stop(reactor) -> None:
    if reactor.running:
        logger.warning("the crawl did not close within %g s of a failed write: stopping it", GRACE_SECONDS)
        reactor.stop()


def check_free_space(folder: Path, floor_bytes: int) -> None:
    """Raise WriteFailed when `folder` has less than `floor_bytes` free."""
    if floor_bytes <= 0:
        return
    free = shutil.disk_usage(folder).free
    if free < floor_bytes:
        raise WriteFailed(folder, f"only {_mb(free)} free, below the floor of {_mb(floor_bytes)} "
                                  f"(NEWSARCHIVE_MIN_FREE_MB)")


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"
