"""The pipeline's steps, shared by the CLI and the Airflow DAGs:
crawl -> upload -> clean -> publish. Each step takes plain arguments and
returns a small JSON-able dict, so an Airflow task can hand it to the next."""
from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq

from spiders.crawl import SUMMARY_NAME, writable_folder
from spiders.runids import check_run_id
from spiders.siteconfig import SiteError, load_site

from . import keys, tables, warcindexes
from .archive import Archive
from .clean import clean_warcs
from .settings import PipelineSettings
from .store import Store, StoreError, open_store, upload_verified

log = logging.getLogger("newsarchive")


class StepError(Exception):
    """A step failed; the message is one line that says why."""


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


def open_checked_store(settings: PipelineSettings) -> Store:
    store = open_store(settings.store_uri)
    store.check()
    return store


def crawl(site_name: str, run_id: str, settings: PipelineSettings, base_url: str | None = None,
          on_line: Callable[[str], None] | None = None, *,
          window: tuple[datetime, datetime] | None = None, recheck: list[str] | None = None) -> dict:
    """Crawl in a separate process (Twisted's reactor cannot restart) into the staging folder.
    With a window (start, end) only the articles dated in [start, end) are taken; `recheck`
    lists article URLs to fetch again whatever their date."""
    load_site(site_name, settings.sites_dir)       # fail fast, before any process starts
    out = settings.run_dir(site_name, valid_run_id(run_id))
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
    if recheck:
        recheck_file = settings.staging_dir / site_name / f"{run_id}.recheck.txt"
        recheck_file.parent.mkdir(parents=True, exist_ok=True)
        recheck_file.write_text("\n".join(recheck) + "\n")
        cmd += ["--recheck", str(recheck_file)]
    cmd += warcindexes.before_crawl(settings, site_name, run_id)    # revisits need the digest index
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    tail: list[str] = []
    for line in proc.stdout:
        line = line.rstrip("\n")
        tail = (tail + [line])[-5:]
        (on_line or log.info)(line)
    if proc.wait() != 0:
        reason = next((l for l in reversed(tail) if l.startswith("error:")), f"exit code {proc.returncode}")
        raise StepError(f"crawl of {site_name} failed: {reason.removeprefix('error: ')}")
    return json.loads((out / SUMMARY_NAME).read_text())


def upload(site_name: str, run_id: str, settings: PipelineSettings) -> list[str]:
    """Ship the run's finished WARCs; each local file is removed only after a verified upload.
    The list of keys and the crawl summary are staged in the store for the next steps."""
    store = open_checked_store(settings)
    out = settings.run_dir(site_name, valid_run_id(run_id))
    if not out.is_dir() and _staged_json(store, site_name, run_id, "upload.json") is None:
        raise StepError(f"run {run_id} of {site_name} was never crawled here (no {out}): nothing to upload")
    summary_path = out / SUMMARY_NAME
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    uploaded = []
    for path in sorted(out.glob("*.warc.gz")):
        key = keys.warc_key(site_name, path.name)
        upload_verified(store, path, key)
        uploaded.append(key)
        log.info("uploaded %s", key)
    warcindexes.after_upload(store, settings, site_name, run_id, uploaded)   # CDXJ, digest index
    previous = _staged_json(store, site_name, run_id, "upload.json") or {}
    uploaded = sorted(set(previous.get("warc_keys", [])) | set(uploaded))   # a retried upload adds to it
    record = {"crawl": summary or previous.get("crawl", {}), "warc_keys": uploaded}
    store.put_bytes(keys.staging_key(site_name, run_id, "upload.json"), json.dumps(record, indent=2).encode())
    _remove_if_done(out)
    return uploaded


def _staged_json(store: Store, site: str, run_id: str, name: str) -> dict | None:
    key = keys.staging_key(site, run_id, name)
    return json.loads(store.get_bytes(key)) if store.exists(key) else None


def _remove_if_done(out: Path) -> None:
    """Drop the run folder once only the crawl summary is left in it."""
    leftovers = [p for p in out.iterdir() if p.name != SUMMARY_NAME] if out.is_dir() else []
    if out.is_dir() and not leftovers:
        (out / SUMMARY_NAME).unlink(missing_ok=True)
        out.rmdir()


def clean(site_name: str, run_id: str, settings: PipelineSettings,
          progress: Callable | None = None) -> dict:
    """Read the run's WARCs back from the store; stage capture and article rows as Parquet in it."""
    site = load_site(site_name, settings.sites_dir)
    store = open_checked_store(settings)
    warc_keys = _uploaded(store, site_name, valid_run_id(run_id))["warc_keys"]
    result = clean_warcs(store, warc_keys, site, run_id, progress=progress)
    for name, schema, rows in (("captures", tables.CAPTURES, result.captures),
                               ("articles", tables.ARTICLES, result.articles)):
        buf = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), buf)
        store.put_bytes(keys.staging_key(site_name, run_id, f"{name}.parquet"), buf.getvalue())
    return {"captures": len(result.captures), "articles": len(result.articles),
            "skipped": result.skip_counts()}


def publish(site_name: str, run_id: str, settings: PipelineSettings) -> dict:
    """Commit the staged rows to the Delta tables (one commit per table) and write the run manifest."""
    store = open_checked_store(settings)
    uploaded = _uploaded(store, site_name, valid_run_id(run_id))
    staged = {name: _read_staged(store, site_name, run_id, name) for name in ("captures", "articles")}
    result = Archive(store).publish(site_name, run_id, staged["captures"], staged["articles"])
    manifest = {
        "site": site_name, "run_id": run_id,
        "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "crawl": uploaded["crawl"], "warc_keys": uploaded["warc_keys"],
        **result.__dict__,
    }
    store.put_bytes(keys.manifest_key(site_name, run_id), json.dumps(manifest, indent=2, default=str).encode())
    for name in ("captures.parquet", "articles.parquet", "upload.json"):
        store.delete(keys.staging_key(site_name, run_id, name))
    return manifest


def _uploaded(store: Store, site: str, run_id: str) -> dict:
    record = _staged_json(store, site, run_id, "upload.json")
    if record is None:
        raise StepError(f"run {run_id} of {site} has nothing uploaded: run the upload step first")
    return record


def _read_staged(store: Store, site: str, run_id: str, name: str) -> list[dict]:
    key = keys.staging_key(site, run_id, f"{name}.parquet")
    if not store.exists(key):
        raise StepError(f"run {run_id} of {site} has nothing cleaned ({key}): run the clean step first")
    return pq.read_table(io.BytesIO(store.get_bytes(key))).to_pylist()
