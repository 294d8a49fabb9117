"""Step 5, after publish: compute the run's health, check it against the site's baseline,
record it in the `runs` table and the run manifest. A failed check raises one line
saying what changed; the run's data is already published either way."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from spiders.siteconfig import load_site

from pipelines.health import checks
from pipelines.store import layout
from pipelines.health import runstable
from pipelines.archive.writer import Archive
from pipelines.health.runhealth import run_health
from pipelines.settings import PipelineSettings, open_checked_store
from newsarchive.errors import CheckFailed, StepError

log = logging.getLogger("newsarchive")


def check(site_name: str, run_id: str, settings: PipelineSettings, kind: str = "manual",
          now: datetime | None = None) -> dict:
    site = load_site(site_name, settings.sites_dir)
    store = open_checked_store(settings)
    manifest_key = layout.manifest_key(site_name, run_id)
    if not store.exists(manifest_key):
        raise StepError(f"run {run_id} of {site_name} has no manifest ({manifest_key}): run the publish step first")
    manifest = json.loads(store.get_bytes(manifest_key))
    seconds = manifest.get("step_seconds") or {}
    row = run_health(Archive(store), site, manifest, seconds)
    row["kind"] = kind
    verdict = checks.evaluate(row, runstable.read_runs(store, site_name), site.health,
                                    now or datetime.now(timezone.utc))
    row.update(result=verdict.result, failed_checks=sorted({f.check for f in verdict.failed}),
               warnings=[f.message for f in verdict.warnings],
               message=verdict.line(site_name, run_id) if verdict.findings else None)
    runstable.write_run(store, row)
    manifest["health"] = row
    store.put_bytes(manifest_key, json.dumps(manifest, indent=2, default=str).encode())
    for finding in verdict.warnings:
        log.warning("health warning for %s run %s: %s", site_name, run_id, finding.message)
    if verdict.failed:
        raise CheckFailed(f"health check failed: {verdict.line(site_name, run_id)}")
    log.info("health of %s run %s: %s (baseline of %d runs)", site_name, run_id, verdict.result,
             verdict.baseline_runs)
    return row

