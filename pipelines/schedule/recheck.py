"""Which archived articles a recurring run fetches again, to catch revisions.

News articles change most in their first hours and rarely after weeks, so, as
NewsDiffs does, young articles are re-checked often and old ones seldom. The
schedule is stateless: an article is due in the run whose window holds one of
its checkpoints, at ages 1 h, 2 h, 4 h, 8 h, … (doubling) up to `max_days`.
Runs that tile time (as scheduled runs do) therefore re-check each article
once per checkpoint, and a daily run re-checks a week-old article at most once
in several days.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

FIRST_CHECK = timedelta(hours=1)


def checkpoints(max_days: float) -> list[timedelta]:
    """Ages at which an article is due again: doubling from one hour up to `max_days`."""
    limit = timedelta(days=max_days)
    ages, age = [], FIRST_CHECK
    while age <= limit:
        ages.append(age)
        age *= 2
    return ages


def is_due(published: datetime, start: datetime, end: datetime, max_days: float) -> bool:
    """Whether one of the article's checkpoints falls in the run's window [start, end)."""
    return any(start <= published + age < end for age in checkpoints(max_days))


def due_urls(articles: Iterable[dict], start: datetime, end: datetime, max_days: float) -> list[str]:
    """URLs (canonical where known) of the articles due in [start, end), each once, youngest first."""
    if max_days <= 0:
        return []
    newest: dict[str, datetime] = {}
    for row in articles:
        url, published = row.get("canonical_url") or row.get("url"), row.get("published")
        if url and published is not None and is_due(published, start, end, max_days):
            newest[url] = published
    return sorted(newest, key=newest.get, reverse=True)


def archived_articles(store, site: str, since: datetime) -> list[dict]:
    """Articles of `site` published since `since`, read from the archive's Delta table."""
    import pyarrow.compute as pc

    from pipelines.archive.tables import ARTICLES_TABLE, open_table, site_rows

    table = open_table(store, ARTICLES_TABLE)
    if table is None:
        return []

    data = site_rows(table, site, ["site", "url", "canonical_url", "published"])
    data = data.filter(pc.greater_equal(data["published"], since))
    return data.to_pylist()


def recheck_urls(store, site, start: datetime, end: datetime) -> list[str]:
    """The URLs a run of `site` over [start, end) should fetch again."""
    days = site.schedule.recheck_days
    if days <= 0:
        return []
    rows = archived_articles(store, site.name, start - timedelta(days=days))
    return due_urls(rows, start, end, days)
