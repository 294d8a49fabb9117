"""Where things live in the store: every key is built (and read back) here.

    warcs/{site}/{YYYY}/{MM}/{DD}/{file}.warc.gz     WARC files, dated by their own name
    warcs/.../{file}.warc.gz.cdxj                    each WARC's CDXJ index
    indexes/{site}/index.cdxj                        the site's merged CDXJ index (replay)
    indexes/{site}/digests.parquet                   the site's digest index (deduplication)
    staging/{site}/{run_id}/upload.json              a run's upload journal
    attempts/{site}/{run_id}/{file}.warc.gz          WARCs of a crawl attempt that died, set aside
    staging/{site}/{run_id}/times/{step}.json        how long each step of a run took
    staging/{site}/{run_id}/{name}                   a run's other staged files
    runs/{site}/{run_id}.json                        a published run's manifest
    runs/{site}/backfill-state.json                  which backfill intervals are finished
    templates/{site}/v{N:06d}.json                   versions of the site's template
    search/index/...                                 the full-text index's files (pipelines/search)
    articles, captures, runs_table, takedowns        Delta tables
"""
from __future__ import annotations

import re
from datetime import date

WARC_NAME = re.compile(r"-(\d{4})(\d{2})(\d{2})\d{6}-\d+-")
WARC_SUFFIX = ".warc.gz"
CDXJ_SUFFIX = ".cdxj"
UPLOAD_JOURNAL = "upload.json"
BACKFILL_STATE = "backfill-state.json"
TEMPLATE_NAME = re.compile(r"v(\d{6})\.json$")

ARTICLES_TABLE = "articles"
CAPTURES_TABLE = "captures"
RUNS_TABLE = "runs_table"       # runs/ holds the JSON manifests
TAKEDOWNS_TABLE = "takedowns"   # withheld URLs, the audit trail of every takedown
SEARCH_PREFIX = "search/index/"


def _prefix(kind: str, site: str | None) -> str:
    return f"{kind}/{site}/" if site else f"{kind}/"


# -- WARC files and their indexes ---------------------------------------------------
def warc_key(site: str, filename: str) -> str:
    """warcs/{site}/{YYYY}/{MM}/{DD}/{file}, dated by the file's own timestamp."""
    match = WARC_NAME.search(filename)
    if not match:
        raise ValueError(f"not a newsarchive WARC file name: {filename}")
    year, month, day = match.groups()
    return f"warcs/{site}/{year}/{month}/{day}/{filename}"


def warc_date(key: str) -> date:
    """The day a WARC key (made by `warc_key`) is filed under."""
    year, month, day = key.split("/")[2:5]
    return date(int(year), int(month), int(day))


def warc_prefix(site: str | None = None) -> str:
    return _prefix("warcs", site)


def is_warc(key: str) -> bool:
    return key.endswith(WARC_SUFFIX)


def attempt_key(site: str, run_id: str, warc_key: str) -> str:
    """attempts/{site}/{run_id}/{file}: a WARC stored by a crawl attempt that died. It is kept
    (nothing captured is deleted) but outside warcs/, so no run, index or check counts it."""
    return f"attempts/{site}/{run_id}/{warc_key.rsplit('/', 1)[-1]}"


def warc_index_key(warc_key: str) -> str:
    return warc_key + CDXJ_SUFFIX


def site_index_key(site: str) -> str:
    return f"indexes/{site}/index.cdxj"


def indexed_site(key: str) -> str | None:
    """The site whose merged CDXJ index is at `key`, else None."""
    parts = key.split("/")
    return parts[1] if len(parts) == 3 and key == site_index_key(parts[1]) else None


def indexes_prefix() -> str:
    return "indexes/"


def digest_index_key(site: str) -> str:
    return f"indexes/{site}/digests.parquet"


# -- runs ---------------------------------------------------------------------------
def staging_key(site: str, run_id: str, name: str) -> str:
    return f"staging/{site}/{run_id}/{name}"


def staging_prefix(site: str | None = None) -> str:
    return _prefix("staging", site)


def journal_key(site: str, run_id: str) -> str:
    return staging_key(site, run_id, UPLOAD_JOURNAL)


def journal_run(key: str) -> tuple[str, str] | None:
    """(site, run id) of the upload journal at `key`, else None."""
    parts = key.split("/")
    if len(parts) == 4 and parts[0] == "staging" and parts[3] == UPLOAD_JOURNAL:
        return parts[1], parts[2]
    return None


def step_times_key(site: str, run_id: str, step: str) -> str:
    return staging_key(site, run_id, f"times/{step}.json")


def manifest_key(site: str, run_id: str) -> str:
    return f"runs/{site}/{run_id}.json"


def manifest_run(key: str) -> tuple[str, str] | None:
    """(site, run id) of the run manifest at `key`, else None."""
    parts = key.split("/")
    if len(parts) == 3 and parts[0] == "runs" and parts[2].endswith(".json") and parts[2] != BACKFILL_STATE:
        return parts[1], parts[2].removesuffix(".json")
    return None


def runs_prefix(site: str | None = None) -> str:
    return _prefix("runs", site)


def backfill_state_key(site: str) -> str:
    return f"runs/{site}/{BACKFILL_STATE}"


# -- site templates -------------------------------------------------------------------
def template_prefix(site: str) -> str:
    return _prefix("templates", site)


def template_key(site: str, version: int) -> str:
    return f"{template_prefix(site)}v{version:06d}.json"


def template_version(key: str) -> int | None:
    """The version of the template at `key`, else None."""
    match = TEMPLATE_NAME.search(key)
    return int(match.group(1)) if match else None
