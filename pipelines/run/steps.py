"""The pipeline's steps, shared by the CLI, backfills and the Airflow DAGs:
crawl -> upload -> clean -> publish -> check. `run` goes through them all; the DAG runs
each as its own task with the same arguments. Steps hand over through the store (the
run's upload journal and staged Parquet), so each can be retried on its own.

Every step takes the loaded site definition, a checked `RunId` (a plain string is checked
once, here) and the pipeline settings: nothing below reloads the site or re-checks the id."""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, ContextManager

from spiders.crawl import writable_folder
from spiders.runids import RunId
from spiders.siteconfig import SiteDefinition, SiteError

from newsarchive.errors import CheckFailed, StepError
from pipelines.archive import tables
from pipelines.archive.staged import StagedParquet
from pipelines.archive.writer import Archive
from pipelines.clean.step import clean_stream, skip_counts
from pipelines.health import runcheck
from pipelines.run import crawler, indexes, searchindex, shipping, staging, steptimes
from pipelines.run import journal as journals
from pipelines.run.localwrites import local_writes
from pipelines.run.manifest import Manifest
from pipelines.run.steptimes import timed
from pipelines.settings import PipelineSettings, open_checked_store
from pipelines.store import Store, layout

log = logging.getLogger("newsarchive")


def checked(run_id: str) -> RunId:
    """The run id as a RunId: a plain string is checked here, once (StepError if unsafe)."""
    try:
        return RunId.of(run_id)
    except ValueError as exc:
        raise StepError(str(exc)) from None


@timed("crawl")
@local_writes()
def crawl(site: SiteDefinition, run_id: RunId, settings: PipelineSettings, base_url: str | None = None,
          on_event: Callable[[dict], None] | None = None, *,
          window: tuple[datetime, datetime] | None = None, recheck: list[str] | None = None) -> dict:
    """Crawl in a separate process (Twisted's reactor cannot restart) into the staging folder,
    shipping each WARC to the store once it is closed; the crawl summary goes to the store's
    staging area last, so a run whose summary is there has all its WARCs stored.
    With a window (start, end) only the articles dated in [start, end) are taken; `recheck`
    lists article URLs to fetch again whatever their date. `on_event` gets the crawl's
    progress and error events (spiders/progress.py); its log goes to this process's log."""
    run_id = checked(run_id)
    out = settings.run_dir(site.name, run_id)
    store = open_checked_store(settings)
    done = staging.finished_crawl(store, site.name, run_id, out)
    if done is not None:                            # a retry after the crawl itself had finished
        return done
    staging.discard_unfinished(out)
    shipping.discard_dead_attempt(store, site.name, run_id)
    try:
        writable_folder(out)
    except SiteError as exc:
        raise StepError(str(exc)) from None
    recheck_file = settings.staging_dir / site.name / f"{run_id}.recheck.txt"
    if recheck:
        recheck_file.parent.mkdir(parents=True, exist_ok=True)
        recheck_file.write_text("\n".join(recheck) + "\n")
    try:
        cmd = crawler.crawl_command(site.name, run_id, out, settings.sites_dir, base_url, window,
                                    recheck_file if recheck else None,
                                    indexes.before_crawl(store, settings, site.name, run_id))
        with shipping.Shipper(store, site.name, run_id, out) as shipper:
            code, failure = crawler.run_crawler(cmd, on_event)
    finally:
        recheck_file.unlink(missing_ok=True)       # read by now; it would be left in staging
        indexes.after_crawl(settings, site.name, run_id)
    if code != 0:
        raise StepError(f"crawl of {site.name} failed: {failure or f'exit code {code}'}")
    shipper.finish()
    return staging.store_summary(store, site.name, run_id, out)


@timed("upload")
def upload(site: SiteDefinition, run_id: RunId, settings: PipelineSettings) -> list[str]:
    """The run's finisher, on any worker: ship what is still in the local staging folder (a crawl
    staged by hand, or one whose shipping failed), index the run's stored WARCs (CDXJ, digest
    index) and mark the journal complete. A local file goes only after a verified upload and
    after its key is in the journal, so a retry carries on from what is in the store."""
    run_id = checked(run_id)
    store = open_checked_store(settings)
    out = settings.run_dir(site.name, run_id)
    manifest = published(store, site.name, run_id)
    if manifest is not None and not staging.has_warcs(out):
        staging.remove_if_done(out)
        return manifest["warc_keys"]         # a retry after the run was published
    journal = journals.load_or_new(store, site.name, run_id)
    journal["crawl"] = staging.crawl_summary(store, site.name, run_id, out, journal)
    known = set(journal["warc_keys"]) | set(shipping.run_warc_keys(store, site.name, run_id))
    if journal.get("complete") and not staging.has_warcs(out) and known == set(journal["warc_keys"]):
        staging.remove_if_done(out)
        return journal["warc_keys"]          # a retry after a finished upload
    journal["complete"] = False
    shipping.ship(store, site.name, run_id, out, journal, known)
    indexes.after_upload(store, site.name, sorted(known))   # CDXJ, digest index
    journal["complete"] = True
    journals.save(store, site.name, run_id, journal, known)
    staging.remove_if_done(out)
    return journal["warc_keys"]


@timed("clean")
@local_writes()
def clean(site: SiteDefinition, run_id: RunId, settings: PipelineSettings,
          progress: Callable | None = None) -> dict:
    """Read the run's WARCs back from the store; stage capture and article rows as Parquet in it."""
    run_id = checked(run_id)
    store = open_checked_store(settings)
    manifest = published(store, site.name, run_id)
    if manifest is not None:              # a retry after the run was published: nothing to redo
        return {"captures": manifest["captures_added"], "articles": manifest["articles_seen"], "skipped": {}}
    warc_keys = _uploaded(store, site.name, run_id)["warc_keys"]
    counts = {"captures": 0, "articles": 0, "skipped": {}}
    with StagedParquet(tables.CAPTURES) as captures, StagedParquet(tables.ARTICLES) as articles:
        for capture, article in clean_stream(store, warc_keys, site, run_id, progress=progress):
            captures.add(capture)
            counts["captures"] += 1
            skip_counts([capture], counts["skipped"])
            if article:
                articles.add(article)
                counts["articles"] += 1
    try:
        for name, staged in (("captures", captures), ("articles", articles)):
            store.put_file(staged.path, layout.staging_key(site.name, run_id, f"{name}.parquet"))
    finally:
        captures.path.unlink(missing_ok=True)
        articles.path.unlink(missing_ok=True)
    return counts


STAGED_ROWS = ("captures.parquet", "articles.parquet")


@local_writes()
def publish(site: SiteDefinition, run_id: RunId, settings: PipelineSettings) -> dict:
    """Commit the staged rows to the Delta tables (one commit per table, exactly once) and write
    the run manifest. Run again after it succeeded, it changes nothing and returns the manifest."""
    run_id = checked(run_id)
    started = time.monotonic()
    store = open_checked_store(settings)
    manifest = published(store, site.name, run_id)
    if manifest is None:
        uploaded = _uploaded(store, site.name, run_id)
        with _staged_file(store, site.name, run_id, "captures") as captures, \
                _staged_file(store, site.name, run_id, "articles") as articles:
            result = Archive(store).publish(site.name, run_id, captures, articles,
                                            publish_id=publish_id(run_id, uploaded["crawl"]))
        manifest = {
            "site": site.name, "run_id": run_id,
            "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "crawl": uploaded["crawl"], "warc_keys": uploaded["warc_keys"],
            **result.__dict__,
        }
        manifest["step_seconds"] = {**steptimes.collect(store, site.name, run_id),
                                    "publish": round(time.monotonic() - started, 3)}
        Manifest(store, site.name, run_id).write(manifest)
    for name in STAGED_ROWS:              # the manifest is written: the staged copies can go
        store.delete(layout.staging_key(site.name, run_id, name))
    journals.delete(store, site.name, run_id)
    staging.delete_summary(store, site.name, run_id)
    steptimes.clear(store, site.name, run_id)
    return manifest


def published(store: Store, site: str, run_id: str) -> dict | None:
    """The run's manifest, if it published the crawl staged now (a retry, not a re-run of the run)."""
    manifest = Manifest(store, site, run_id).read()
    journal = journals.load(store, site, run_id) if manifest else None
    return manifest if journal is None or journal.get("crawl") == manifest.get("crawl") else None


def publish_id(run_id: str, crawl: dict) -> str:
    """Names one publish of one crawl of the run: retries share it, a re-run of the run gets its own."""
    return f"{run_id}@{crawl['started']}" if crawl.get("started") else run_id


def _uploaded(store: Store, site: str, run_id: str) -> dict:
    record = journals.load(store, site, run_id)
    if record is None:
        raise StepError(f"run {run_id} of {site} has nothing uploaded: run the upload step first")
    return record


@contextmanager
def _staged_file(store: Store, site: str, run_id: str, name: str):
    """A local copy of a staged Parquet file, streamed from the store (never whole in memory)."""
    key = layout.staging_key(site, run_id, f"{name}.parquet")
    if not store.exists(key):
        raise StepError(f"run {run_id} of {site} has nothing cleaned ({key}): run the clean step first")
    fd, local = tempfile.mkstemp(prefix=f"publish-{name}-", suffix=".parquet")
    path = Path(local)
    try:
        with os.fdopen(fd, "wb") as out, store.open(key) as stored:
            shutil.copyfileobj(stored, out, 1 << 20)
        yield path
    finally:
        path.unlink(missing_ok=True)


def check(site: SiteDefinition, run_id: RunId, settings: PipelineSettings, kind: str = "manual",
          now: datetime | None = None) -> dict:
    """Step 5: the run's health against the site's baseline, recorded in the `runs` table and
    the run manifest; CheckFailed (one line naming what changed) when the site looks broken."""
    run_id = checked(run_id)
    store = open_checked_store(settings)
    manifest = Manifest(store, site.name, run_id)
    body = manifest.read()
    if body is None:
        raise StepError(f"run {run_id} of {site.name} has no manifest ({manifest.location}): "
                        "run the publish step first")
    row, verdict = runcheck.assess(store, site, body, kind, now)
    manifest.write(body | {"health": row})
    return runcheck.conclude(row, verdict)


Watch = Callable[[str], ContextManager[Callable | None]]


def unwatched(step: str) -> ContextManager[None]:
    return nullcontext()


def run(site: SiteDefinition, settings: PipelineSettings, run_id: str | None = None, *,
        base_url: str | None = None, window: tuple[datetime, datetime] | None = None,
        recheck: list[str] | None = None, kind: str = "manual", watch: Watch = unwatched) -> dict:
    """One whole run: crawl -> upload -> clean -> publish -> check, then the search index; its
    manifest with the check's result under "health" and the index's under "search" (a failed
    check is returned there, not raised: the data is published by then). `watch(step)` is entered around each step; what it yields gets
    the crawl's events (crawl) or each cleaned record (clean)."""
    open_checked_store(settings)          # an unreachable store fails before anything is fetched
    run_id = checked(run_id) if run_id else RunId.new()
    with watch("crawl") as seen:
        crawl(site, run_id, settings, base_url, on_event=seen, window=window, recheck=recheck)
    with watch("upload"):
        upload(site, run_id, settings)
    with watch("clean") as seen:
        clean(site, run_id, settings, progress=seen)
    with watch("publish"):
        manifest = publish(site, run_id, settings)
    with watch("check"):
        try:
            health = check(site, run_id, settings, kind)
        except CheckFailed as exc:
            health = {"result": "failed", "message": str(exc)}
    with watch("index"):
        search = searchindex.index_after_run(settings)
    return manifest | {"health": health, "search": search}
