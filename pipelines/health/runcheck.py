"""Step 5's verdict, after publish: compute the run's health from its manifest, check it
against the site's baseline and record it in the `runs` table. The step (pipelines/run/)
keeps the row in the run manifest, then `conclude` logs the warnings and raises
CheckFailed, one line saying what changed, when the site looks broken; the run's data is
already published either way."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from spiders.siteconfig import SiteDefinition

from newsarchive.errors import CheckFailed
from pipelines.archive.writer import Archive
from pipelines.health import checks, runstable
from pipelines.health.runhealth import run_health
from pipelines.store import Store

log = logging.getLogger("newsarchive")


def assess(store: Store, site: SiteDefinition, manifest: dict, kind: str = "manual",
           now: datetime | None = None) -> tuple[dict, checks.Verdict]:
    """The run's health row, judged against the site's earlier runs and written to the runs table."""
    row = run_health(Archive(store), site, manifest, manifest.get("step_seconds") or {})
    row["kind"] = kind
    verdict = checks.evaluate(row, runstable.read_runs(store, site.name), site.health,
                              now or datetime.now(timezone.utc))
    row.update(result=verdict.result, failed_checks=sorted({f.check for f in verdict.failed}),
               warnings=[f.message for f in verdict.warnings],
               message=verdict.line(site.name, row["run_id"]) if verdict.findings else None)
    runstable.write_run(store, row)
    return row, verdict


def conclude(row: dict, verdict: checks.Verdict) -> dict:
    """Log the verdict; CheckFailed when the run failed a check."""
    site, run_id = row["site"], row["run_id"]
    for finding in verdict.warnings:
        log.warning("health warning for %s run %s: %s", site, run_id, finding.message)
    if verdict.failed:
        raise CheckFailed(f"health check failed: {verdict.line(site, run_id)}")
    log.info("health of %s run %s: %s (baseline of %d runs)", site, run_id, verdict.result, verdict.baseline_runs)
    return row
