"""The pipeline's steps, shared by the CLI, backfills and the Airflow DAGs:
crawl -> upload -> clean -> publish -> check. `run` goes through them all; the DAG runs
each as its own task with the same arguments. Steps hand over through the store (the
run's `upload.json` and staged Parquet), so each can be retried on its own."""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, ContextManager


from spiders import jobdir
from spiders.crawl import SUMMARY_NAME, writable_folder
from spiders.progress import FAILED, read_events
from spiders.runids import check_run_id
from spiders.siteconfig import SiteError, load_site
from spiders.warcfiles import OPEN_SUFFIX

from pipelines.errors import StepError
from pipelines.warc import cdxj
from pipelines.warc import digestindex
from pipelines.store import layout
from pipelines.health import runcheck, steptimes
from pipelines.archive import tables
from pipelines.warc import indexes, shipping
from pipelines.archive.writer import Archive
from pipelines.clean.step import clean_stream, skip_counts
from pipelines.archive.staged import StagedParquet
from pipelines.settings import PipelineSettings, open_checked_store
from pipelines.health.steptimes import timed
from pipelines.search import step as search_step
from pipelines.store import Store, open_store

log = logging.getLogger("newsarchive")


def valid_run_id(run_id: str) -> str:
    try:
        return check_run_id(run_id)
    except ValueError as exc:
        raise StepError(str(exc)) from None


def new_run_id(now: datetime | None = None) -> str:
    return (now or datetime.now(timezone.utc)).strftime("run-%Y%m%dT%H%M%SZ")


def safe_run_id(run_id: str) -> str:
    """Airflow run ids carry ':' and '+'; keep them usable as file and key names."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id).strip("_")


@timed("crawl")
def crawl(site_name: str, run_id: str, settings: PipelineSettings, base_url: str | None = None,
          on_event: Callable[[dict], None] | None = None, *,
          window: tuple[datetime, datetime] | None = None, recheck: list[str] | None = None) -> dict:
    """Crawl in a separate process (Twisted's reactor cannot restart) into the staging folder,
    shipping each WARC to the store once it is closed; the crawl summary goes to the store's
    staging area last, so a run whose summary is there has all its WARCs stored.
    With a window (start, end) only the articles dated in [start, end) are taken; `recheck`
    lists article URLs to fetch again whatever their date. `on_event` gets the crawl's
    progress and error events (spiders/progress.py); its log goes to this process's log."""
    load_site(site_name, settings.sites_dir)       # fail fast, before any process starts
    out = settings.run_dir(site_name, valid_run_id(run_id))
    store = open_checked_store(settings)
    done = _finished_crawl(store, site_name, run_id, out)
    if done is not None:                            # a retry after the crawl itself had finished
        return done
    _discard_unfinished(out)
    shipping.discard_dead_attempt(store, site_name, run_id)
    try:
        writable_folder(out)
    except SiteError as exc:
        raise StepError(str(exc)) from None
    cmd = [sys.executable, "-m", "spiders.crawl", site_name, "--out", str(out), "--run-id", run_id,
           "--sites-dir", str(settings.sites_dir)]
    if base_url:
        cmd += ["--base-url", base_url]
    if window:
        cmd += ["--since", window[0].isoformat(), "--until", window[1].isoformat()]
    recheck_file = settings.staging_dir / site_name / f"{run_id}.recheck.txt"
    if recheck:
        recheck_file.parent.mkdir(parents=True, exist_ok=True)
        recheck_file.write_text("\n".join(recheck) + "\n")
        cmd += ["--recheck", str(recheck_file)]
    cmd += indexes.before_crawl(settings, site_name, run_id)    # revisits need the digest index
    cmd += ["--parent-pid", str(os.getpid())]      # it dies with this process: no crawler left writing
    try:
        with shipping.Shipper(store, site_name, run_id, out) as shipper:
            code, failure = _run_crawler(cmd, on_event)
    finally:
        recheck_file.unlink(missing_ok=True)       # read by now; it would be left in staging
        indexes.after_crawl(settings, site_name, run_id)
    if code != 0:
        raise StepError(f"crawl of {site_name} failed: {failure or f'exit code {code}'}")
    shipper.finish()
    return _store_summary(store, site_name, run_id, out)


def _run_crawler(cmd: list[str], on_event: Callable[[dict], None] | None) -> tuple[int, str | None]:
    """Run the crawl process; (its exit code, the reason it gave for failing). Its events come
    on a pipe of their own; its output is logged line by line meanwhile."""
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.Popen(cmd + ["--progress-fd", str(write_end)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1, pass_fds=(write_end,))
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)                        # the crawl holds it now: EOF when it ends
    output = threading.Thread(target=_log_lines, args=(proc.stdout,), daemon=True)
    output.start()
    failure = None
    with open(read_end, encoding="utf-8") as channel:
        for event in read_events(channel):
            if event["event"] == FAILED:
                failure = event.get("reason")
            elif on_event:
                on_event(event)
    code = proc.wait()
    output.join()
    return code, failure


def _log_lines(stream) -> None:
    for line in stream:
        log.info("%s", line.rstrip("\n"))


def _store_summary(store: Store, site: str, run_id: str, out: Path) -> dict:
    """The finished crawl's summary, put in the store's staging area (every WARC is stored by now)."""
    path = out / SUMMARY_NAME
    summary = json.loads(path.read_text())
    store.put_bytes(layout.staging_key(site, run_id, SUMMARY_NAME), json.dumps(summary, indent=2).encode())
    _remove_if_done(out)
    return summary


def _finished_crawl(store: Store, site: str, run_id: str, out: Path) -> dict | None:
    """The summary of a crawl of this run that already finished (stored, uploaded, or finished
    here with WARCs left to ship), else None."""
    stored = _staged_json(store, site, run_id, SUMMARY_NAME)
    if stored is not None:
        return stored
    journal = shipping.load_journal(store, site, run_id)
    if journal and journal.get("complete"):
        return journal["crawl"]
    path = out / SUMMARY_NAME
    summary = json.loads(path.read_text()) if path.is_file() and not _unfinished_files(out) else {}
    if not summary.get("responses"):               # one that fetched nothing failed: crawl again
        return None
    journal = journal or shipping.new_journal()
    shipping.ship(store, site, run_id, out, journal, set(journal["warc_keys"]))
    return _store_summary(store, site, run_id, out)


def _unfinished_files(out: Path) -> list[Path]:
    return sorted(out.glob(f"*{OPEN_SUFFIX}")) if out.is_dir() else []


def _discard_unfinished(out: Path, why: str = "a crawl that did not finish") -> None:
    """A crawl of this run died before its summary: its files are replaced by a new crawl,
    so the run's captures are neither lost (re-fetched) nor doubled."""
    leftovers = sorted(p for p in out.iterdir() if p.is_file()) if out.is_dir() else []
    if leftovers:
        log.warning("run %s: discarding %d local files of %s", out.name, len(leftovers), why)
    for path in leftovers:
        path.unlink()


@timed("upload")
def upload(site_name: str, run_id: str, settings: PipelineSettings) -> list[str]:
    """The run's finisher, on any worker: ship what is still in the local staging folder (a crawl
    staged by hand, or one whose shipping failed), index the run's stored WARCs (CDXJ, digest
    index) and mark the journal complete. A local file goes only after a verified upload and
    after its key is in the journal, so a retry carries on from what is in the store."""
    store = open_checked_store(settings)
    out = settings.run_dir(site_name, valid_run_id(run_id))
    manifest = published(store, site_name, run_id)
    if manifest is not None and not any(out.glob("*.warc.gz")):
        _remove_if_done(out)
        return manifest["warc_keys"]         # a retry after the run was published
    journal = shipping.load_journal(store, site_name, run_id) or shipping.new_journal()
    journal["crawl"] = _crawl_summary(store, site_name, run_id, out, journal)
    known = set(journal["warc_keys"]) | set(shipping.run_warc_keys(store, site_name, run_id))
    local = any(out.glob("*.warc.gz"))
    if journal.get("complete") and not local and known == set(journal["warc_keys"]):
        _remove_if_done(out)
        return journal["warc_keys"]          # a retry after a finished upload
    journal["complete"] = False
    shipping.ship(store, site_name, run_id, out, journal, known)
    indexes.after_upload(store, site_name, sorted(known))   # CDXJ, digest index
    journal["complete"] = True
    shipping.save_journal(store, site_name, run_id, journal, known)
    _remove_if_done(out)
    return journal["warc_keys"]


def _crawl_summary(store: Store, site: str, run_id: str, out: Path, journal: dict) -> dict:
    """The summary of the run's finished crawl: in the store's staging area (shipped by the crawl),
    else beside WARCs staged in this worker's folder. Local files of an attempt that another
    crawl replaced are dropped."""
    stored = _staged_json(store, site, run_id, SUMMARY_NAME)
    path = out / SUMMARY_NAME
    local = json.loads(path.read_text()) if path.is_file() else None
    if stored is not None:
        if local != stored and out.is_dir() and any(out.iterdir()):
            _discard_unfinished(out, "a crawl attempt that another one replaced")
        return stored
    if local is not None and not _unfinished_files(out):
        return local
    if out.is_dir() and any(out.glob("*.warc.gz")) or _unfinished_files(out):
        raise StepError(f"the crawl of run {run_id} of {site} did not finish ({out}): run the crawl step again")
    if journal.get("complete") or journal["crawl"]:
        return journal["crawl"]
    raise StepError(f"run {run_id} of {site} has no finished crawl (no crawl summary in the store "
                    f"nor in {out}): run the crawl step first")


def attach_warcs(store: Store, site: str, run_id: str, warc_keys: list[str]) -> None:
    """Add stored WARCs to a run's upload journal and to the site's indexes (`verify --repair`
    of an upload that died between storing a WARC and journaling it)."""
    journal = shipping.load_journal(store, site, run_id) or shipping.new_journal()
    cdxj.index_warcs(store, site, sorted(warc_keys))
    digestindex.update(store, site, warc_keys)
    journal["complete"] = True
    shipping.save_journal(store, site, run_id, journal, set(journal["warc_keys"]) | set(warc_keys))


def _staged_json(store: Store, site: str, run_id: str, name: str) -> dict | None:
    key = layout.staging_key(site, run_id, name)
    return json.loads(store.get_bytes(key)) if store.exists(key) else None


def _remove_if_done(out: Path) -> None:
    """Drop the run folder once only the crawl summary is left in it (and disk queues a killed
    crawl may have left: nothing resumes from them)."""
    if out.is_dir():
        jobdir.remove_stale(out)
    leftovers = [p for p in out.iterdir() if p.name != SUMMARY_NAME] if out.is_dir() else []
    if out.is_dir() and not leftovers:
        (out / SUMMARY_NAME).unlink(missing_ok=True)
        out.rmdir()


@timed("clean")
def clean(site_name: str, run_id: str, settings: PipelineSettings,
          progress: Callable | None = None) -> dict:
    """Read the run's WARCs back from the store; stage capture and article rows as Parquet in it."""
    site = load_site(site_name, settings.sites_dir)
    store = open_checked_store(settings)
    manifest = published(store, site_name, valid_run_id(run_id))
    if manifest is not None:              # a retry after the run was published: nothing to redo
        return {"captures": manifest["captures_added"], "articles": manifest["articles_seen"], "skipped": {}}
    warc_keys = _uploaded(store, site_name, run_id)["warc_keys"]
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
            store.put_file(staged.path, layout.staging_key(site_name, run_id, f"{name}.parquet"))
    finally:
        captures.path.unlink(missing_ok=True)
        articles.path.unlink(missing_ok=True)
    return counts


STAGED = ("captures.parquet", "articles.parquet", shipping.JOURNAL, SUMMARY_NAME)


def publish(site_name: str, run_id: str, settings: PipelineSettings) -> dict:
    """Commit the staged rows to the Delta tables (one commit per table, exactly once) and write
    the run manifest. Run again after it succeeded, it changes nothing and returns the manifest."""
    started = time.monotonic()
    store = open_checked_store(settings)
    manifest = published(store, site_name, valid_run_id(run_id))
    if manifest is None:
        uploaded = _uploaded(store, site_name, run_id)
        with _staged_file(store, site_name, run_id, "captures") as captures, \
                _staged_file(store, site_name, run_id, "articles") as articles:
            result = Archive(store).publish(site_name, run_id, captures, articles,
                                            publish_id=publish_id(run_id, uploaded["crawl"]))
        manifest = {
            "site": site_name, "run_id": run_id,
            "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "crawl": uploaded["crawl"], "warc_keys": uploaded["warc_keys"],
            **result.__dict__,
        }
        manifest["step_seconds"] = {**steptimes.collect(store, site_name, run_id),
                                    "publish": round(time.monotonic() - started, 3)}
        store.put_bytes(layout.manifest_key(site_name, run_id), json.dumps(manifest, indent=2, default=str).encode())
    for name in STAGED:                   # the manifest is written: the staged copies can go
        store.delete(layout.staging_key(site_name, run_id, name))
    steptimes.clear(store, site_name, run_id)
    return manifest


def published(store: Store, site: str, run_id: str) -> dict | None:
    """The run's manifest, if it published the crawl staged now (a retry, not a re-run of the run)."""
    key = layout.manifest_key(site, run_id)
    manifest = json.loads(store.get_bytes(key)) if store.exists(key) else None
    journal = shipping.load_journal(store, site, run_id) if manifest else None
    return manifest if journal is None or journal.get("crawl") == manifest.get("crawl") else None


def publish_id(run_id: str, crawl: dict) -> str:
    """Names one publish of one crawl of the run: retries share it, a re-run of the run gets its own."""
    return f"{run_id}@{crawl['started']}" if crawl.get("started") else run_id


def _uploaded(store: Store, site: str, run_id: str) -> dict:
    record = shipping.load_journal(store, site, run_id)
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


def check(site_name: str, run_id: str, settings: PipelineSettings, kind: str = "manual") -> dict:
    """Step 5: the run's health against the site's baseline, recorded in the `runs` table;
    CheckFailed (one line naming what changed) when the site looks broken."""
    return runcheck.check(site_name, run_id, settings, kind=kind)


Watch = Callable[[str], ContextManager[Callable | None]]


def unwatched(step: str) -> ContextManager[None]:
    return nullcontext()


def run(site_name: str, settings: PipelineSettings, run_id: str | None = None, *,
        base_url: str | None = None, window: tuple[datetime, datetime] | None = None,
        recheck: list[str] | None = None, kind: str = "manual", watch: Watch = unwatched) -> dict:
    """One whole run: crawl -> upload -> clean -> publish -> check, then the search index; its
    manifest with the check's result under "health" and the index's under "search" (a failed
    check is returned there, not raised: the data is published by then). `watch(step)` is entered around each step; what it yields gets
    the crawl's events (crawl) or each cleaned record (clean)."""
    load_site(site_name, settings.sites_dir)
    open_checked_store(settings)          # an unreachable store fails before anything is fetched
    run_id = run_id or new_run_id()
    with watch("crawl") as seen:
        crawl(site_name, run_id, settings, base_url, on_event=seen, window=window, recheck=recheck)
    with watch("upload"):
        upload(site_name, run_id, settings)
    with watch("clean") as seen:
        clean(site_name, run_id, settings, progress=seen)
    with watch("publish"):
        manifest = publish(site_name, run_id, settings)
    with watch("check"):
        try:
            health = check(site_name, run_id, settings, kind)
        except runcheck.CheckFailed as exc:
            health = {"result": "failed", "message": str(exc)}
    with watch("index"):
        search = search_step.index_after_run(settings)
    return manifest | {"health": health, "search": search}
