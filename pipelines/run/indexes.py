"""The calls the steps make for deduplication and CDXJ indexes: before and after a crawl,
and after an upload."""
from __future__ import annotations

from pathlib import Path

from pipelines.settings import PipelineSettings
from pipelines.store import Store
from pipelines.warc import cdxj, digestindex


def local_digest_index(settings: PipelineSettings, site: str, run_id: str) -> Path:
    return settings.staging_dir / site / f"{run_id}.digests.parquet"


def before_crawl(store: Store, settings: PipelineSettings, site: str, run_id: str) -> Path | None:
    """The site's digest index, fetched from the store for the crawl process (None: no index yet)."""
    return digestindex.download(store, site, local_digest_index(settings, site, run_id))


def after_crawl(settings: PipelineSettings, site: str, run_id: str) -> None:
    """The crawl's copy of the digest index is of no use once it ended (nor on another worker)."""
    local_digest_index(settings, site, run_id).unlink(missing_ok=True)


def after_upload(store: Store, site: str, warc_keys: list[str]) -> None:
    """Index the uploaded WARCs (CDXJ) and fold their digests into the site's digest index."""
    if warc_keys:
        cdxj.index_warcs(store, site, warc_keys)
        digestindex.update(store, site, warc_keys)
