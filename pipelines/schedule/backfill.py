"""Backfill without Airflow: one run per schedule interval over a date range.

The intervals are the site's own data intervals (its cron in its time zone),
the same ones `airflow backfill create` makes, so both capture the same
articles. Each interval is a normal run (pipelines.run.steps.run: crawl with that window, upload, clean,
publish, check) with a run id derived from the interval, and is written to a record
in the store once published; running again skips recorded intervals, so an
interrupted backfill resumes where it stopped. Publishing adds a version only
when content changed, so redoing an interval adds nothing new.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

from croniter import croniter

from spiders.runids import RunId
from spiders.siteconfig import SiteDefinition

from newsarchive.errors import StepError
from pipelines.run import steps
from pipelines.settings import PipelineSettings, open_checked_store
from pipelines.store import Store, layout

log = logging.getLogger("newsarchive")


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime

    @property
    def run_id(self) -> RunId:
        return RunId.of(self.start.astimezone(timezone.utc).strftime("backfill-%Y%m%dT%H%M%SZ"))

    @property
    def key(self) -> str:
        return self.start.astimezone(timezone.utc).isoformat()

    def __str__(self) -> str:
        return f"{self.start.isoformat()} → {self.end.isoformat()}"


def intervals(site: SiteDefinition, first: date, last: date) -> list[Interval]:
    """Data intervals whose start falls on a day from `first` to `last` (both included) in the
    site's time zone: as Airflow's backfill, one interval per cron tick in that range."""
    if last < first:
        raise StepError(f"--to {last} is before --from {first}")
    zone = ZoneInfo(site.schedule.timezone)
    begin = datetime(first.year, first.month, first.day, tzinfo=zone)
    stop = datetime(last.year, last.month, last.day, tzinfo=zone) + timedelta(days=1)
    ticks = croniter(site.schedule.cron, begin - timedelta(seconds=1))
    found = []
    start = ticks.get_next(datetime)
    while start < stop:
        end = ticks.get_next(datetime)
        found.append(Interval(start, end))
        start = end
    return found


class BackfillState:
    """Which intervals of a site are finished, kept as JSON in the store."""

    def __init__(self, store: Store, site: str):
        self.store, self.site, self.key = store, site, layout.backfill_state_key(site)
        self.finished: dict[str, dict] = {}
        if store.exists(self.key):
            self.finished = json.loads(store.get_bytes(self.key)).get("finished", {})

    def done(self, interval: Interval) -> bool:
        return interval.key in self.finished

    def record(self, interval: Interval, manifest: dict) -> None:
        self.finished[interval.key] = {
            "end": interval.end.astimezone(timezone.utc).isoformat(),
            "run_id": manifest["run_id"],
            "versions_added": manifest.get("versions_added", 0),
            "articles_seen": manifest.get("articles_seen", 0),
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        body = {"site": self.site, "finished": dict(sorted(self.finished.items()))}
        self.store.put_bytes(self.key, json.dumps(body, indent=2).encode())


@dataclass
class IntervalResult:
    interval: Interval
    skipped: bool
    manifest: dict | None = None


def run_interval(site: SiteDefinition, interval: Interval, settings: PipelineSettings,
                 base_url: str | None = None, watch: steps.Watch = steps.unwatched) -> dict:
    """One normal run restricted to the interval's window; returns its manifest. A backfill
    goes on past an unhealthy interval: the check is recorded, and logged."""
    manifest = steps.run(site, settings, interval.run_id, base_url=base_url,
                         window=(interval.start, interval.end), kind="backfill", watch=watch)
    if manifest["health"]["result"] == "failed":
        log.warning("%s", manifest["health"]["message"])
    return manifest


def backfill(site: SiteDefinition, first: date, last: date, settings: PipelineSettings,
             base_url: str | None = None, redo: bool = False,
             watch: steps.Watch = steps.unwatched) -> Iterator[IntervalResult]:
    """Run every unfinished interval in order, recording each as it finishes.
    Yields one result per interval (skipped ones too), so callers can show progress."""
    store = open_checked_store(settings)       # an unreachable store fails before any fetch
    state = BackfillState(store, site.name)
    for interval in intervals(site, first, last):
        if state.done(interval) and not redo:
            yield IntervalResult(interval, skipped=True)
            continue
        manifest = run_interval(site, interval, settings, base_url, watch)
        state.record(interval, manifest)
        yield IntervalResult(interval, skipped=False, manifest=manifest)
