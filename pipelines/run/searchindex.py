"""The step after publish: bring the full-text index up to the articles table. Idempotent
(a document per version key, replaced when indexed again) and a no-op when the index already
holds the table's latest version, so a retried or repeated task indexes each version once."""
from __future__ import annotations

import logging

from pipelines.settings import PipelineSettings, open_checked_store

log = logging.getLogger("newsarchive")


def index(settings: PipelineSettings) -> dict:
    from pipelines.search.indexer import Indexer

    result = Indexer(open_checked_store(settings)).update()
    log.info("search index: %d versions indexed up to articles table version %s in %.2f s",
             result.indexed, result.table_version, result.seconds)
    return {"indexed": result.indexed, "table_version": result.table_version,
            "seconds": round(result.seconds, 3), "rebuilt": result.rebuilt}


def index_after_run(settings: PipelineSettings) -> dict:
    """`index` for a whole run (CLI, backfill): the data is published by then, so a failure is
    reported in the result, not raised; `newsarchive reindex-search` catches up later."""
    try:
        return index(settings)
    except Exception as exc:          # noqa: BLE001 - any failure leaves a published run
        log.warning("search index not updated: %s", exc)
        return {"error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}
