"""Bounded resources: capped inflation, Retry-After, path shapes, depth 0, reason phrases, run ids."""
import gzip
import resource
import zlib
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from spiders.budget import CrawlBudget, path_shape
from spiders.inflate import BodyTooLarge, inflate
from spiders.outlinks import decoded_body
from spiders.retryafter import retry_after_seconds
from spiders.runids import check_run_id
from spiders.warcrecords import reason_phrase


def test_a_gzip_bomb_stops_at_the_cap_without_inflating_whole():
    bomb = gzip.compress(b"\0" * (200 * 2**20), compresslevel=1)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(BodyTooLarge):
        inflate(bomb, ["gzip"], 1_000_000)
    response = HtmlResponse("http://x/", body=bomb, headers={"Content-Encoding": "gzip"})
    assert decoded_body(response, 1_000_000) is None
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024   # KiB: < 100 MB


def test_inflate_undoes_each_coding():
    assert inflate(gzip.compress(b"a") + gzip.compress(b"b"), ["gzip"], 10) == b"ab"   # two members
    assert inflate(zlib.compress(b"x" * 50), ["deflate"], 0) == b"x" * 50
    assert inflate(gzip.compress(zlib.compress(b"y")), ["deflate", "gzip"], 0) == b"y"
    with pytest.raises(ValueError):
        inflate(gzip.compress(b"z" * 100)[:20], ["gzip"], 0)


def test_retry_after_forms():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert retry_after_seconds(b"1") == 1.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def test_path_shapes_group_calendars_and_ids():
    assert path_shape("http://x/cal/2024/01/") == path_shape("http://x/cal/1999/12/")
    assert path_shape("http://x/list?page=3&sort=a") == path_shape("http://x/list?sort=b&page=9")
    assert path_shape("http://x/news/a-story/") != path_shape("http://x/news/other-story/")


class _Stats(dict):
    def inc_value(self, key, count=1):
        self[key] = self.get(key, 0) + count


def test_max_depth_zero_means_start_pages_only_and_shapes_have_budgets():
    crawler = type("C", (), {"stats": _Stats()})()
    budget = CrawlBudget(crawler, max_depth=0, per_shape=2)
    assert not budget.allowed(Request("http://x/a/", meta={"depth": 1}))
    budget = CrawlBudget(crawler, max_depth=5, per_shape=2)
    months = [Request(f"http://x/cal/2024/{m:02d}/", meta={"depth": 1}) for m in range(1, 5)]
    assert [budget.allowed(r) for r in months] == [True, True, False, False]
    assert budget.allowed(months[0])                 # a URL already counted is not a new page
    assert crawler.stats == {"budget/too_deep": 1, "budget/shape_exhausted": 2}


def test_no_invented_reason_phrase():
    assert reason_phrase(Request("http://x/"), 799) == ""
    assert reason_phrase(Request("http://x/", meta={"warc_reason_phrase": b""}), 200) == ""
    assert reason_phrase(Request("http://x/"), 404) == "Not Found"


@pytest.mark.parametrize("bad", ["../../etc", "..", "a/b", "", ".hidden", "x" * 200, "a\nb", "a..b"])
def test_unsafe_run_ids_are_refused(bad):
    with pytest.raises(ValueError, match="invalid run id"):
        check_run_id(bad)


def test_safe_run_ids_pass():
    for good in ("run-20261127T053000Z", "manual_2024-06-10T00_00_00_00_00", "fault-1", "a.b"):
        assert check_run_id(good) == good


def test_shape_budgets_keep_no_url_strings():
    from tests.spiders.test_links import kept_bytes

    budget = CrawlBudget(type("C", (), {"stats": _Stats()})(), max_depth=5, per_shape=10**6)
    # one shape: a set of the 20,000 URLs would keep about 4.8 MB
    assert kept_bytes(lambda url: budget.allowed(Request(url, meta={"depth": 1}))) < 1_000_000
    assert budget.allowed(Request("https://news.example.org/2026/11/30/section-1/a-rather-long-article-slug-number-1/"))
    assert len(budget.seen) == 1
