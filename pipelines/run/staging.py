"""A run's local staging folder (`{staging}/{site}/{run_id}/`, where the crawl writes its
WARCs and summary) and the crawl summary's copy in the store: which crawl of the run
finished, what a dead attempt left behind, when the folder can go."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from spiders import jobdir
from spiders.crawl import SUMMARY_NAME
from spiders.warcfiles import OPEN_SUFFIX

from newsarchive.errors import StepError
from pipelines.run import journal as journals
from pipelines.run import shipping
from pipelines.store import Store, layout

log = logging.getLogger("newsarchive")


def stored_summary(store: Store, site: str, run_id: str) -> dict | None:
    """The finished crawl's summary in the store's staging area (put there after its WARCs)."""
    key = layout.staging_key(site, run_id, SUMMARY_NAME)
    return json.loads(store.get_bytes(key)) if store.exists(key) else None


def store_summary(store: Store, site: str, run_id: str, out: Path) -> dict:
    """Put the finished crawl's summary in the store's staging area (every WARC is stored by now)."""
    summary = json.loads((out / SUMMARY_NAME).read_text())
    store.put_bytes(layout.staging_key(site, run_id, SUMMARY_NAME), json.dumps(summary, indent=2).encode())
    remove_if_done(out)
    return summary


def delete_summary(store: Store, site: str, run_id: str) -> None:
    store.delete(layout.staging_key(site, run_id, SUMMARY_NAME))


def finished_crawl(store: Store, site: str, run_id: str, out: Path) -> dict | None:
    """The summary of a crawl of this run that already finished (stored, uploaded, or finished
    here with WARCs left to ship), else None."""
    stored = stored_summary(store, site, run_id)
    if stored is not None:
        return stored
    journal = journals.load(store, site, run_id)
    if journal and journal.get("complete"):
        return journal["crawl"]
    path = out / SUMMARY_NAME
    summary = json.loads(path.read_text()) if path.is_file() and not unfinished_files(out) else {}
    if not summary.get("responses") or summary.get("failed"):    # it failed: crawl again
        return None
    journal = journal or journals.new()
    shipping.ship(store, site, run_id, out, journal, set(journal["warc_keys"]))
    return store_summary(store, site, run_id, out)


def crawl_summary(store: Store, site: str, run_id: str, out: Path, journal: dict) -> dict:
    """The summary of the run's finished crawl: in the store's staging area (shipped by the crawl),
    else beside WARCs staged in this worker's folder. Local files of an attempt that another
    crawl replaced are dropped."""
    stored = stored_summary(store, site, run_id)
    path = out / SUMMARY_NAME
    local = json.loads(path.read_text()) if path.is_file() else None
    if stored is not None:
        if local != stored and out.is_dir() and any(out.iterdir()):
            discard_unfinished(out, "a crawl attempt that another one replaced")
        return stored
    if local is not None and not unfinished_files(out):
        return local
    if out.is_dir() and any(out.glob("*.warc.gz")) or unfinished_files(out):
        raise StepError(f"the crawl of run {run_id} of {site} did not finish ({out}): run the crawl step again")
    if journal.get("complete") or journal["crawl"]:
        return journal["crawl"]
    raise StepError(f"run {run_id} of {site} has no finished crawl (no crawl summary in the store "
                    f"nor in {out}): run the crawl step first")


def unfinished_files(out: Path) -> list[Path]:
    return sorted(out.glob(f"*{OPEN_SUFFIX}")) if out.is_dir() else []


def has_warcs(out: Path) -> bool:
    return any(out.glob("*.warc.gz"))


def discard_unfinished(out: Path, why: str = "a crawl that did not finish") -> None:
    """A crawl of this run died before its summary: its files are replaced by a new crawl,
    so the run's captures are neither lost (re-fetched) nor doubled."""
    leftovers = sorted(p for p in out.iterdir() if p.is_file()) if out.is_dir() else []
    if leftovers:
        log.warning("run %s: discarding %d local files of %s", out.name, len(leftovers), why)
    for path in leftovers:
        path.unlink()


def remove_if_done(out: Path) -> None:
    """Drop the run folder once only the crawl summary is left in it (and disk queues a killed
    crawl may have left: nothing resumes from them)."""
    if out.is_dir():
        jobdir.remove_stale(out)
    leftovers = [p for p in out.iterdir() if p.name != SUMMARY_NAME] if out.is_dir() else []
    if out.is_dir() and not leftovers:
        (out / SUMMARY_NAME).unlink(missing_ok=True)
        out.rmdir()
