"""`verify --repair`: recover what the whole-store checks (storecheck.py) found.

- a stored WARC no run refers to is re-attached to its run (named in its warcinfo): a run
  not yet published gets it in its upload journal and indexes, then is cleaned and
  published; a published run gets it cleaned and published once under a publish id of its
  own, and listed in its manifest;
- a run uploaded a day ago or more that has no manifest is cleaned and published."""
from __future__ import annotations

import hashlib
from functools import cache

from spiders.siteconfig import load_site

from pipelines.archive.writer import Archive
from pipelines.clean.step import clean_warcs
from pipelines.run import journal as journals
from pipelines.run import steps
from pipelines.run.manifest import Manifest
from pipelines.run.storecheck import StoreFindings
from pipelines.settings import PipelineSettings
from pipelines.store import Store
from pipelines.warc import cdxj, digestindex


def repair(store: Store, findings: StoreFindings, settings: PipelineSettings) -> list[str]:
    """Recover what the findings point at; returns one line per action taken."""
    site_of = cache(lambda name: load_site(name, settings.sites_dir))     # each site file read once
    done = []
    by_run: dict[tuple[str, str], list[str]] = {}
    for key, run in findings.orphans.items():
        if run:
            site, _, run_id = run.partition("/")
            by_run.setdefault((site, run_id), []).append(key)
    for (site, run_id), warc_keys in sorted(by_run.items()):
        if steps.published(store, site, run_id) is None:
            attach_warcs(store, site, run_id, warc_keys)
            findings.unpublished.append((site, run_id))
        else:
            added = publish_orphans(store, site_of(site), run_id, warc_keys)
            done.append(f"published {added} captures of {len(warc_keys)} orphaned WARCs into run {run_id} of {site}")
    for site, run_id in sorted(set(findings.unpublished)):
        steps.clean(site_of(site), run_id, settings)
        manifest = steps.publish(site_of(site), run_id, settings)
        done.append(f"published run {run_id} of {site}: {manifest['captures_added']} captures, "
                    f"{manifest['versions_added']} new article versions")
    return done


def attach_warcs(store: Store, site: str, run_id: str, warc_keys: list[str]) -> None:
    """Add stored WARCs to a run's upload journal and to the site's indexes (an upload that
    died between storing a WARC and journaling it)."""
    journal = journals.load_or_new(store, site, run_id)
    cdxj.index_warcs(store, site, sorted(warc_keys))
    digestindex.update(store, site, warc_keys)
    journal["complete"] = True
    journals.save(store, site, run_id, journal, set(journal["warc_keys"]) | set(warc_keys))


def publish_orphans(store: Store, site, run_id: str, warc_keys: list[str]) -> int:
    """Clean WARCs of an already published run and publish them once, under a publish id of
    their own; the run's manifest then lists them too."""
    result = clean_warcs(store, warc_keys, site, run_id)
    publish_id = f"{run_id}/repair-" + hashlib.sha1("\n".join(sorted(warc_keys)).encode()).hexdigest()[:12]
    published = Archive(store).publish(site.name, run_id, result.captures, result.articles, publish_id=publish_id)
    manifest = Manifest(store, site.name, run_id)
    body = manifest.read()
    manifest.write(body | {"warc_keys": sorted(set(body["warc_keys"]) | set(warc_keys)),
                           "repairs": {**body.get("repairs", {}), publish_id: published.__dict__}})
    return published.captures_added
