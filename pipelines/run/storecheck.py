"""Whole-store checks of `verify` (what repair.py does about them is `verify --repair`):

- a stored WARC that no capture row, run manifest or upload journal refers to (an upload
  that died before its journal): repair re-attaches it to its run (named in its warcinfo)
  and cleans and publishes it, so its captures are recovered;
- a run uploaded a day ago or more that has no manifest: repair cleans and publishes it;
- files left in the local staging folder for a day or more (a crawl or upload that died
  and was never retried): reported, for the operator to re-run that run's steps.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from warcio.archiveiterator import ArchiveIterator

from spiders.dates import parse_time

from pipelines.archive import tables
from pipelines.archive.writer import Archive
from pipelines.run import journal as journals
from pipelines.run.manifest import Manifest
from pipelines.store import Store
from pipelines.warc.verify import Report, stored_warc_keys, verify

STALE = timedelta(days=1)


@dataclass
class StoreFindings:
    orphans: dict[str, str | None] = field(default_factory=dict)   # WARC key -> its run ("site/run_id")
    unpublished: list[tuple[str, str]] = field(default_factory=list)   # (site, run_id)
    leftovers: list[Path] = field(default_factory=list)

    def problems(self) -> list[str]:
        return ([f"{key}: no capture row and no run refers to this WARC (run {run or 'unknown'})"
                 for key, run in self.orphans.items()]
                + [f"run {run} of {site} was uploaded a day ago or more but has no manifest (never published)"
                   for site, run in self.unpublished]
                + [f"{path}: left in the staging folder for a day or more" for path in self.leftovers])


def check_store(store: Store, warc_keys: list[str], site: str | None = None,
                staging_dir: Path | None = None, now: datetime | None = None) -> StoreFindings:
    now = now or datetime.now(timezone.utc)
    findings = StoreFindings()
    referenced = referenced_warcs(store, site)
    findings.orphans = {key: warc_run(store, key) for key in warc_keys if key not in referenced}
    for run_site, run_id, journal in journals.staged_runs(store, site):
        started = journal.get("started")
        stale = started is None or now - parse_time(started) >= STALE
        if stale and not Manifest(store, run_site, run_id).exists():
            findings.unpublished.append((run_site, run_id))
    if staging_dir is not None and staging_dir.is_dir():
        cutoff = time.time() - STALE.total_seconds()
        findings.leftovers = sorted(p for p in staging_dir.rglob("*") if p.is_file() and p.stat().st_mtime < cutoff
                                    and (site is None or p.relative_to(staging_dir).parts[0] == site))
    return findings


def referenced_warcs(store: Store, site: str | None) -> set[str]:
    """WARC keys some capture row, run manifest or upload journal refers to."""
    found: set[str] = set()
    captures = Archive(store).table(tables.CAPTURES_TABLE)
    if captures is not None:
        rows = tables.site_rows(captures, site, ["warc_key"]) if site else captures.to_pyarrow_table(columns=["warc_key"])
        found |= set(rows.column("warc_key").to_pylist())
    for manifest in Manifest.all(store, site):
        found |= set(manifest.get("warc_keys", []))
    for _site, _run, journal in journals.staged_runs(store, site):
        found |= set(journal.get("warc_keys", []))
    return found


def warc_run(store: Store, key: str) -> str | None:
    """"site/run_id" from the WARC's warcinfo record (WARC isPartOf), if it says."""
    with store.open(key) as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "warcinfo":
                for line in record.content_stream().read().decode("utf-8", "replace").splitlines():
                    name, _, value = line.partition(":")
                    if name.strip() == "isPartOf" and "/" in value:
                        return value.strip()
            return None
    return None


def verify_store(store: Store, site: str | None = None, progress: Callable[[str], None] | None = None,
                 staging_dir: Path | None = None) -> tuple[Report, StoreFindings]:
    """`verify`: every stored WARC and archive row (pipelines/warc/verify.py), then the runs:
    the findings' problems are in the report too."""
    report = verify(store, site, progress)
    findings = check_store(store, stored_warc_keys(store, site), site, staging_dir)
    report.problems += findings.problems()
    return report, findings
