"""Where each site stands: its last run and how that went, and when the next one is due."""
from __future__ import annotations

from datetime import datetime

from spiders.siteconfig import SiteDefinition

from pipelines.health.lastruns import last_runs
from pipelines.store import Store


def next_run(site: SiteDefinition, now: datetime) -> datetime | None:
    """The next cron tick in the site's time zone (None for a disabled site)."""
    if not site.enabled:
        return None
    from croniter import croniter
    from zoneinfo import ZoneInfo

    return croniter(site.schedule.cron, now.astimezone(ZoneInfo(site.schedule.timezone))).get_next(datetime)


def site_status(store: Store, sites: list[SiteDefinition], now: datetime, only: str | None = None) -> list[dict]:
    """One entry per site (site files and sites with recorded runs alike), by name."""
    last, counts = last_runs(store, only)
    defined = {s.name: s for s in sites}
    names = sorted(({only} if only else set(defined) | set(last)))
    return [{"site": name, "last": last.get(name), "runs": counts.get(name, 0),
             "next_run": next_run(defined[name], now) if name in defined else None}
            for name in names]
