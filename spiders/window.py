"""The stretch of time one run covers, and the dates that sitemaps and feeds give.

A run restricted to the window [since, until) takes only the articles whose
sitemap <lastmod> or feed date falls in it. Dates come in many shapes (W3C
datetimes, bare dates, RFC 822 in RSS); a date without a zone is read as UTC.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime

    def __post_init__(self):
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise ValueError("window bounds need a time zone")
        if self.since >= self.until:
            raise ValueError(f"empty window: {self.since.isoformat()} is not before {self.until.isoformat()}")

    @classmethod
    def parse(cls, since: str, until: str) -> "Window":
        return cls(parse_date(since, strict=True), parse_date(until, strict=True))

    def __contains__(self, moment: datetime) -> bool:
        return self.since <= moment < self.until

    def __str__(self) -> str:
        return f"[{self.since.isoformat()}, {self.until.isoformat()})"


def parse_date(text: str | None, strict: bool = False) -> datetime | None:
    """An aware datetime from a sitemap, feed or command-line date; None when unreadable
    (or ValueError when `strict`)."""
    text = (text or "").strip()
    found = _parse(text) if text else None
    if found is None and strict:
        raise ValueError(f"not a date: {text!r} (use ISO 8601, e.g. 2024-06-10 or 2024-06-10T06:00:00+00:00)")
    return found


def _parse(text: str) -> datetime | None:
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        found = _rfc822(text)
    if found is None:
        return None
    return found if found.tzinfo else found.replace(tzinfo=timezone.utc)


def _rfc822(text: str) -> datetime | None:
    """RSS pubDate ("Mon, 10 Jun 2024 09:22:00 +0300"); also a bare year-month."""
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    month = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if month:
        return datetime(int(month[1]), int(month[2]), 1, tzinfo=timezone.utc)
    return None


def date_in_url(pattern: str, url: str) -> datetime | None:
    """The day a URL names (e.g. /news/2024/06/10/slug/) as the start of that day in UTC."""
    match = re.search(pattern, url)
    if not match:
        return None
    try:
        day = date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
