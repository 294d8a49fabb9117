"""Points in the archive's history as users write them: a table version or an ISO time.
Standard library only, so the command line can check them while parsing its arguments."""
from __future__ import annotations

from datetime import datetime, timezone


def parse_as_of(value: int | str | datetime | None) -> int | datetime | None:
    """A table version (an integer) or a moment (ISO-8601; naive means UTC)."""
    if value is None or isinstance(value, (int, datetime)):
        return value
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    return parse_time(text)


def parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a time: {text!r} (use ISO-8601, e.g. 2024-07-05T12:00:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
