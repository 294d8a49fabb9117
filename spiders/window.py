"""The stretch of time one run covers, and the dates that sitemaps and feeds give.

A run restricted to the window [since, until) takes only the articles whose
sitemap <lastmod> or feed date falls in it. Dates are read by spiders.dates
(W3C datetimes, bare dates, RFC 822 in RSS; a date without a zone is UTC).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from .dates import parse_time


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
        return cls(parse_time(since, feeds=True), parse_time(until, feeds=True))

    def __contains__(self, moment: datetime) -> bool:
        return self.since <= moment < self.until

    def __str__(self) -> str:
        return f"[{self.since.isoformat()}, {self.until.isoformat()})"


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
