"""The one date parser of the project, for every date it reads.

ISO 8601 dates and datetimes (a zone as Z, ±HH:MM or ±HHMM) are read everywhere: WARC-Date,
JSON-LD and meta tags, sitemaps, command-line options. Feeds and HTTP headers also give
RFC 2822 dates ("Mon, 10 Jun 2024 09:22:00 +0300"), and some sitemaps a bare year-month;
those are read only where asked for (`feeds=True`). A time without a zone is UTC.
Lives with the crawl side because spiders may not import pipelines; pipelines import it.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime

YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")
HINT = "use ISO 8601, e.g. 2024-06-10 or 2024-06-10T06:00:00+00:00"


def try_parse_time(text: str | None, feeds: bool = False) -> datetime | None:
    """An aware datetime, or None when the text is empty or unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        found = _feed_date(text) if feeds else None
    if found is None:
        return None
    return found if found.tzinfo else found.replace(tzinfo=timezone.utc)


def parse_time(text: str | None, feeds: bool = False) -> datetime:
    """As `try_parse_time`, but unreadable text is a ValueError with a one-line message."""
    found = try_parse_time(text, feeds)
    if found is None:
        raise ValueError(f"not a date: {text!r} ({HINT})")
    return found


def to_utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(timezone.utc) if moment is not None else None


def parse_day(text: str) -> date:
    """A calendar day, YYYY-MM-DD; ValueError otherwise."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def parse_http_date(text: str | None) -> datetime | None:
    """An RFC 2822 date (HTTP's Retry-After and Last-Modified, RSS pubDate) as an aware
    datetime, or None."""
    try:
        found = parsedate_to_datetime((text or "").strip())
    except (TypeError, ValueError, IndexError):
        return None
    return found if found.tzinfo else found.replace(tzinfo=timezone.utc)


def _feed_date(text: str) -> datetime | None:
    """RSS pubDate and HTTP dates; also a bare year-month, as its first day."""
    found = parse_http_date(text)
    if found is not None:
        return found
    month = YEAR_MONTH.fullmatch(text)
    if month:
        return datetime(int(month[1]), int(month[2]), 1, tzinfo=timezone.utc)
    return None
