"""The one date parser: the formats each of its readers needs."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from spiders.dates import parse_day, parse_http_date, parse_time, to_utc, try_parse_time

PLUS3 = timezone(timedelta(hours=3))


@pytest.mark.parametrize("text, expected", [
    ("2024-06-10", datetime(2024, 6, 10, tzinfo=timezone.utc)),                    # sitemap, JSON-LD day
    ("2024-06-10T09:22:00", datetime(2024, 6, 10, 9, 22, tzinfo=timezone.utc)),    # naive: UTC
    ("2024-06-10T09:22:00+03:00", datetime(2024, 6, 10, 9, 22, tzinfo=PLUS3)),     # W3C datetime
    ("2024-06-10T09:22:00+0300", datetime(2024, 6, 10, 9, 22, tzinfo=PLUS3)),      # meta tags without colon
    ("2024-06-10T06:22:00Z", datetime(2024, 6, 10, 6, 22, tzinfo=timezone.utc)),   # WARC-Date, CLI
    ("2024-06-10T06:22:00.123456Z", datetime(2024, 6, 10, 6, 22, 0, 123456, tzinfo=timezone.utc)),
    ("  2024-06-10T06:22:00Z\n", datetime(2024, 6, 10, 6, 22, tzinfo=timezone.utc)),
])
def test_iso_dates_everywhere(text, expected):
    found = parse_time(text)
    assert found == expected and found.utcoffset() == expected.utcoffset()
    assert try_parse_time(text, feeds=True) == expected


@pytest.mark.parametrize("text, expected", [
    ("Mon, 10 Jun 2024 09:22:00 +0300", datetime(2024, 6, 10, 9, 22, tzinfo=PLUS3)),   # RSS pubDate
    ("Mon, 10 Jun 2024 06:22:00 GMT", datetime(2024, 6, 10, 6, 22, tzinfo=timezone.utc)),  # HTTP date
    ("2024-06", datetime(2024, 6, 1, tzinfo=timezone.utc)),                            # bare year-month
])
def test_feed_dates_only_where_asked_for(text, expected):
    assert try_parse_time(text, feeds=True) == expected
    assert try_parse_time(text) is None          # page metadata and the archive read ISO only


@pytest.mark.parametrize("text", [None, "", "soon", "2024-13-01", "June 10"])
def test_unreadable_is_none_or_one_line_error(text):
    assert try_parse_time(text, feeds=True) is None
    with pytest.raises(ValueError, match=r"^not a date: .*ISO 8601") as err:
        parse_time(text, feeds=True)
    assert "\n" not in str(err.value)


def test_to_utc_keeps_the_moment():
    moment = parse_time("2024-07-04T09:22:00+03:00")
    assert to_utc(moment) == moment and to_utc(moment).tzinfo == timezone.utc
    assert to_utc(moment).hour == 6 and to_utc(None) is None


def test_days_of_the_command_line():
    assert parse_day("2024-06-10") == date(2024, 6, 10)
    with pytest.raises(ValueError, match=r"not a date: 'June' \(use YYYY-MM-DD\)"):
        parse_day("June")


def test_http_dates():
    assert parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT") == datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc)
    assert parse_http_date("Wed, 21 Oct 2015 07:28:00 -0000").tzinfo is not None      # unknown zone: UTC
    assert parse_http_date("2015-10-21") is None and parse_http_date(None) is None
