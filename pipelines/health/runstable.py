"""The `runs` Delta table: one health row per run of a site, written by the check step.
Re-checking a run replaces its row (merge on site and run id)."""
from __future__ import annotations

import random
import time

import pyarrow as pa
from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError

from pipelines.archive.deltaretry import retrying
from pipelines.archive.writer import MAX_ATTEMPTS, ArchiveError
from pipelines.store import Store, layout
from pipelines.archive.tables import UTC_TS, new_table_properties, open_table, site_rows

RUNS = pa.schema([
    ("site", pa.string()),
    ("run_id", pa.string()),
    ("kind", pa.string()),               # scheduled | backfill | manual: baselines compare like with like
    ("published_at", UTC_TS),
    ("window_start", UTC_TS),            # null: a full discovery
    ("window_end", UTC_TS),
    ("result", pa.string()),             # ok | warning | failed
    ("failed_checks", pa.list_(pa.string())),
    ("warnings", pa.list_(pa.string())),
    ("message", pa.string()),            # the one line a failed check raises
    ("responses", pa.int64()),
    ("status_2xx", pa.int64()),
    ("status_3xx", pa.int64()),
    ("status_4xx", pa.int64()),
    ("status_5xx", pa.int64()),
    ("fetch_errors", pa.int64()),        # no response at all (timeouts, refused, DNS)
    ("error_rate", pa.float64()),        # (4xx + 5xx + fetch errors) / attempts
    ("statuses", pa.string()),           # JSON: HTTP status -> responses
    ("blocked_robots", pa.int64()),      # requests robots.txt forbade
    ("blocked_scope", pa.int64()),       # requests dropped as out of scope; null while not counted
    ("budget_dropped", pa.string()),     # JSON: site limit (max_pages, max_depth, ...) -> URLs it dropped
    ("article_pages", pa.int64()),       # captures of article URLs
    ("articles_seen", pa.int64()),
    ("new_versions", pa.int64()),
    ("new_articles", pa.int64()),
    ("changed_articles", pa.int64()),
    ("skipped", pa.string()),            # JSON: reason -> captures that yielded no article
    ("empty_body_share", pa.float64()),  # article pages (HTTP 200) that yielded no article
    ("median_words", pa.float64()),      # per article seen in the run
    ("seconds_crawl", pa.float64()),
    ("seconds_upload", pa.float64()),
    ("seconds_clean", pa.float64()),
    ("seconds_publish", pa.float64()),
    ("bytes_written", pa.int64()),       # WARC bytes the run added
])


def _table(store: Store) -> DeltaTable | None:
    return open_table(store, layout.RUNS_TABLE)


def write_run(store: Store, row: dict) -> None:
    """Insert or replace the run's row; checks of concurrent runs retry on a lost commit, and
    a store failing for now is ridden out like any Delta write (pipelines/archive/deltaretry.py)."""
    source = pa.Table.from_pylist([row], schema=RUNS)
    # the site as a literal: the merge reads the site's partition, not the whole table
    predicate = f"t.site = {_literal(row['site'])} AND t.site = s.site AND t.run_id = s.run_id"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            retrying(store, f"record the health of run {row['run_id']} of {row['site']}",
                     lambda: _merge(store, source, predicate))
            return
        except CommitFailedError:
            if attempt == MAX_ATTEMPTS:
                raise ArchiveError(f"could not record the health of run {row['run_id']} of {row['site']} "
                                   f"after {MAX_ATTEMPTS} attempts (too many concurrent writers)") from None
            time.sleep(random.uniform(0.05, 0.3) * attempt)


def _merge(store: Store, source: pa.Table, predicate: str) -> None:
    table = _table(store) or DeltaTable.create(
        store.table_uri(layout.RUNS_TABLE), schema=RUNS, mode="ignore", partition_by=["site"],
        storage_options=store.storage_options(), configuration=new_table_properties(),
        raise_if_key_not_exists=False)
    (table.merge(source, predicate=predicate, source_alias="s", target_alias="t", merge_schema=True)
          .when_matched_update_all().when_not_matched_insert_all().execute())


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_runs(store: Store, site: str | None = None) -> list[dict]:
    """Health rows, oldest first (all sites, or one)."""
    table = _table(store)
    if table is None:
        return []
    rows = (site_rows(table, site) if site else table.to_pyarrow_table()).to_pylist()
    return sorted(rows, key=lambda r: (r["site"], r["published_at"], r["run_id"]))
