"""The crawl's progress comes from its stats as JSON events on a channel, not from its log text."""
import logging
import os

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from spiders.progress import Channel, CrawlProgress, ErrorEvents, read_events


def channel_events(write) -> list[dict]:
    read_end, write_end = os.pipe()
    try:
        write(Channel(write_end))
    finally:
        os.close(write_end)
    with open(read_end, encoding="utf-8") as lines:
        return list(read_events(lines))


def test_a_progress_event_carries_the_response_count():
    stats = MemoryStatsCollector(get_crawler())
    stats.set_value("downloader/response_count", 1234)
    assert channel_events(lambda channel: CrawlProgress(stats, channel).report()) == [
        {"event": "progress", "responses": 1234}]


def test_errors_logged_in_the_crawl_become_log_events():
    def log_some(channel):
        log = logging.getLogger("test.progress")
        handler = ErrorEvents(channel)
        log.addHandler(handler)
        try:
            log.warning("not sent")
            try:
                raise RuntimeError("boom")
            except RuntimeError:
                log.exception("Spider error processing <GET http://x/>\nsecond line")
        finally:
            log.removeHandler(handler)

    events = channel_events(log_some)
    assert len(events) == 1 and events[0]["event"] == "log"
    assert events[0]["line"].endswith("[test.progress] ERROR: Spider error processing <GET http://x/>")


def test_reading_skips_what_is_not_an_event_and_a_channel_without_reader_is_quiet():
    assert list(read_events(['{"event": "failed", "reason": "x"}', "plain text", "[1]"])) == [
        {"event": "failed", "reason": "x"}]
    read_end, write_end = os.pipe()
    os.close(read_end)
    channel = Channel(write_end)
    channel.send("progress", responses=1)          # EPIPE: dropped, not raised
    assert channel.fd is None
    os.close(write_end)
