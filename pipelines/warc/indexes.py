"""The calls the pipeline steps make for deduplication and CDXJ indexes:
before and after a crawl, and after an upload."""
from __future__ import annotations

from pathlib import Path

from pipelines.warc import cdxj
from pipelines.warc import digestindex
from pipelines.settings import PipelineSettings
from pipelines.store import open_store


def local_digest_index(settings: PipelineSettings, site: str, run_id: str) -> Path:
    return settings.staging_dir / site / f"{run_id}.digests.parquet"


def before_crawl(settings: PipelineSettings, site: str, run_id: str) -> list[str]:
    """Arguments for the crawl process: the site's digest index, fetched from the store."""
    store = open_store(settings.store_uri)
    path = digestindex.download(store, site, local_digest_index(settings, site, run_id))
    return ["--dedup-index", str(path)] if path else []


def after_crawl(settings: PipelineSettings, site: str, run_id: str) -> None:
    """The crawl's copy of the digest index is of no use once it ended (nor on another worker)."""
    local_digest_index(settings, site, run_id).unlink(missing_ok=True)


def after_upload(store, site: str, warc_keys: list[str]) -> None:
    """Index the uploaded WARCs (CDXJ) and fold their digests into the site's digest index."""
    if warc_keys:
        cdxj.index_warcs(store, site, warc_keys)
        digestindex.update(store, site, warc_keys)
