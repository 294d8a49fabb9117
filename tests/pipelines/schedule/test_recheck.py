"""The decaying re-check schedule: often for young articles, rarely for old ones."""
from datetime import datetime, timedelta, timezone

from pipelines.schedule.recheck import checkpoints, due_urls, is_due

T0 = datetime(2024, 6, 10, 9, 30, tzinfo=timezone.utc)


def test_checkpoints_double_up_to_the_limit():
    ages = checkpoints(14)
    assert ages[:4] == [timedelta(hours=h) for h in (1, 2, 4, 8)]
    assert ages[-1] <= timedelta(days=14) < ages[-1] * 2
    assert checkpoints(0) == []


def test_hourly_runs_recheck_young_articles_often_and_old_ones_rarely():
    def checks_on_day(day: int) -> int:
        start = T0 + timedelta(days=day)
        return sum(is_due(T0, start + timedelta(hours=h), start + timedelta(hours=h + 1), 14) for h in range(24))

    per_day = [checks_on_day(d) for d in range(16)]
    assert per_day[0] == 5                       # at 1, 2, 4, 8 and 16 hours
    assert sum(per_day[7:]) <= 1 and per_day[15] == 0
    assert sum(per_day) == len(checkpoints(14))  # runs that tile time see each checkpoint once


def test_due_urls_prefers_canonical_and_skips_when_disabled():
    rows = [{"url": "http://x/a?utm=1", "canonical_url": "http://x/a", "published": T0},
            {"url": "http://x/b", "canonical_url": None, "published": T0 - timedelta(hours=30)},
            {"url": "http://x/old", "canonical_url": None, "published": T0 - timedelta(days=40)}]
    window = (T0 + timedelta(minutes=30), T0 + timedelta(hours=2))
    assert due_urls(rows, *window, max_days=14) == ["http://x/a"]
    assert due_urls(rows, T0, T0 + timedelta(days=1), 14) == ["http://x/a", "http://x/b"]
    assert due_urls(rows, *window, max_days=0) == []
