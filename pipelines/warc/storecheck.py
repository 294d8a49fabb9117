"""Whole-store checks of `verify`, and what `verify --repair` does about them:

- a stored WARC that no capture row, run manifest or upload journal refers to (an upload
  that died before its journal): repair re-attaches it to its run (named in its warcinfo)
  and cleans and publishes it, so its captures are recovered;
- a run uploaded a day ago or more that has no manifest: repair cleans and publishes it;
- files left in the local staging folder for a day or more (a crawl or upload that died
  and was never retried): reported, for the operator to re-run that run's steps.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from spiders.dates import parse_time

from pipelines.store import layout
from pipelines.archive import tables
from pipelines.archive.writer import Archive
from pipelines.store import Store

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
    for run_site, run_id, journal in staged_runs(store, site):
        started = journal.get("started")
        stale = started is None or now - parse_time(started) >= STALE
        if stale and not store.exists(layout.manifest_key(run_site, run_id)):
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
        filters = [("site", "=", site)] if site else None
        found |= set(captures.to_pyarrow_table(columns=["warc_key"], filters=filters).column("warc_key").to_pylist())
    for obj in store.list(layout.runs_prefix(site)):
        if obj.key.endswith(".json"):
            found |= set(json.loads(store.get_bytes(obj.key)).get("warc_keys", []))
    for _site, _run, journal in staged_runs(store, site):
        found |= set(journal.get("warc_keys", []))
    return found


def staged_runs(store: Store, site: str | None):
    """(site, run id, upload journal) of every run with a journal in staging."""
    for obj in store.list(layout.staging_prefix(site)):
        run = layout.journal_run(obj.key)
        if run:
            yield *run, json.loads(store.get_bytes(obj.key))


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


def repair(store: Store, findings: StoreFindings, settings) -> list[str]:
    """Recover what the findings point at; returns one line per action taken."""
    from pipelines import steps

    done = []
    by_run: dict[tuple[str, str], list[str]] = {}
    for key, run in findings.orphans.items():
        if run:
            site, _, run_id = run.partition("/")
            by_run.setdefault((site, run_id), []).append(key)
    for (site, run_id), warc_keys in sorted(by_run.items()):
        if steps.published(store, site, run_id) is None:
            steps.attach_warcs(store, site, run_id, warc_keys)
            findings.unpublished.append((site, run_id))
        else:
            added = publish_orphans(store, settings, site, run_id, warc_keys)
            done.append(f"published {added} captures of {len(warc_keys)} orphaned WARCs into run {run_id} of {site}")
    for site, run_id in sorted(set(findings.unpublished)):
        steps.clean(site, run_id, settings)
        manifest = steps.publish(site, run_id, settings)
        done.append(f"published run {run_id} of {site}: {manifest['captures_added']} captures, "
                    f"{manifest['versions_added']} new article versions")
    return done


def publish_orphans(store: Store, settings, site: str, run_id: str, warc_keys: list[str]) -> int:
    """Clean WARCs of an already published run and publish them once, under a publish id of
    their own; the run's manifest then lists them too."""
    from spiders.siteconfig import load_site

    from pipelines.clean.step import clean_warcs

    result = clean_warcs(store, warc_keys, load_site(site, settings.sites_dir), run_id)
    publish_id = f"{run_id}/repair-" + hashlib.sha1("\n".join(sorted(warc_keys)).encode()).hexdigest()[:12]
    published = Archive(store).publish(site, run_id, result.captures, result.articles, publish_id=publish_id)
    key = layout.manifest_key(site, run_id)
    manifest = json.loads(store.get_bytes(key))
    manifest["warc_keys"] = sorted(set(manifest["warc_keys"]) | set(warc_keys))
    manifest.setdefault("repairs", {})[publish_id] = published.__dict__
    store.put_bytes(key, json.dumps(manifest, indent=2, default=str).encode())
    return published.captures_added
