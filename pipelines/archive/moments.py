"""Points in the archive's history as users write them: a table version or an ISO time.
Standard library only, so the command line can check them while parsing its arguments;
times are read by spiders.dates, the project's one date parser."""
from __future__ import annotations

from datetime import datetime

from spiders.dates import parse_time


__all__ = ["parse_as_of", "parse_time"]


def parse_as_of(value: int | str | datetime | None) -> int | datetime | None:
    """A table version (an integer) or a moment (ISO-8601; naive means UTC)."""
    if value is None or isinstance(value, (int, datetime)):
        return value
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    return parse_time(text)

