"""Keep the Delta tables fast and small, whatever the number of runs, for every table the
project writes (`articles`, `captures`, `runs_table`; site templates are JSON files, not a
table). Per table:

1. compact each site's partition that has gathered more than one data file: articles are
   Z-ordered by article id and captures by URL, so one article's versions sit in few row
   groups and `history` reads little; the runs table is bin-packed;
2. write a checkpoint and expire log entries older than the retention (opening a table then
   reads one checkpoint and the commits since, not every commit ever made);
3. vacuum data files removed from the table longer ago than the retention, and files no commit
   added (a killed publish's uploads) once older than the retention.

Safe while publishes commit: a compaction only rewrites rows (no row is added or dropped), and
it is an ordinary commit in the site's partition. A publish that planned before it sees its
commit fail, plans again on the compacted files and commits (pipelines/archive/commit.py);
a compaction that loses to a publish which rewrote the same files is made again here.

Retention is a store-level setting (`--retention-days`, NEWSARCHIVE_RETENTION_DAYS, default 30):
it bounds time travel. A table version older than the retention may have lost its log entry
and its files, so `--as-of` earlier than that is not guaranteed to work.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from deltalake import CommitProperties, DeltaTable
from deltalake.exceptions import CommitFailedError, DeltaError

from pipelines.archive import tables
from pipelines.archive.deltaretry import retrying
from newsarchive import environment
from newsarchive.errors import ArchiveError
from pipelines.store import Store, layout

DEFAULT_RETENTION_DAYS = tables.DEFAULT_RETENTION_DAYS
COMPACT_ATTEMPTS = 10          # compactions lost to concurrent publishes before giving up on a partition
# table -> how its partitions are compacted: Z-order columns, or None for plain bin-packing
ORDER = {tables.ARTICLES_TABLE: ["article_id"], tables.CAPTURES_TABLE: ["url"], layout.RUNS_TABLE: None}


def retention_days_from_env() -> int:
    return environment.value("NEWSARCHIVE_RETENTION_DAYS")


@dataclass
class MaintainReport:
    table: str
    files_before: int
    files_after: int
    removed: int
    version: int
    compacted: list[str] = field(default_factory=list)    # sites whose partition was rewritten
    log_entries: int = 0                                   # commit files left in the log


def maintain(store: Store, retention_days: int | None = None, dry_run: bool = False,
             sites: list[str] | None = None, keys: list[str] | None = None) -> list[MaintainReport]:
    """Maintain the store's tables (`keys`, default all) and their sites' partitions (`sites`,
    default all); the retention defaults to NEWSARCHIVE_RETENTION_DAYS, else 30 days."""
    retention_days = retention_days_from_env() if retention_days is None else retention_days
    if retention_days < 0:
        raise ArchiveError("retention must be zero or more days")
    unknown = set(keys or ()) - set(ORDER)
    if unknown:
        raise ArchiveError(f"no such table: {', '.join(sorted(unknown))} (tables: {', '.join(ORDER)})")
    reports = []
    for key, order in ORDER.items():
        if (keys is None or key in keys) and tables.open_table(store, key) is not None:
            reports.append(retrying(store, f"maintain table {key}",
                                    lambda: _maintain_table(store, key, order, retention_days, dry_run, sites)))
    return reports


def _maintain_table(store: Store, key: str, order: list[str] | None, retention_days: int, dry_run: bool,
                    sites: list[str] | None) -> MaintainReport:
    table = tables.open_table(store, key)
    before = len(table.file_uris())
    compacted = []
    if not dry_run:
        tables.ensure_properties(table, retention_days)
        for site, files in sorted(partition_files(table).items()):
            if files > 1 and (sites is None or site in sites):
                _compact(store, key, site, order)
                compacted.append(site)
        table = tables.open_table(store, key)
    # Versions younger than the retention keep every file they reference: vacuum only deletes
    # files removed from the table longer ago than that (before the checkpoint forgets them),
    # and, with a retention of a day or more, files no commit ever added that are older than
    # it (uploads of killed publishes; a publish under way has uploaded its files just now).
    removed = table.vacuum(retention_hours=retention_days * 24, dry_run=dry_run, enforce_retention_duration=False,
                           full=retention_days >= 1,
                           commit_properties=CommitProperties(max_commit_retries=COMPACT_ATTEMPTS))
    if not dry_run:
        table = tables.open_table(store, key)
        table.create_checkpoint()
        table.cleanup_metadata()            # log entries older than the retention, before the checkpoint
    return MaintainReport(key, before, len(table.file_uris()), len(removed), table.version(), compacted,
                          log_entries(store, key))


def _compact(store: Store, key: str, site: str, order: list[str] | None) -> None:
    """Rewrite one site's partition into few files; again, on a fresh snapshot, when a publish
    that rewrote some of the same files committed first."""
    for attempt in range(1, COMPACT_ATTEMPTS + 1):
        table = tables.open_table(store, key)
        options = dict(partition_filters=[(tables.PARTITION, "=", site)],
                       writer_properties=tables.WRITER_PROPERTIES,
                       commit_properties=CommitProperties(max_commit_retries=COMPACT_ATTEMPTS))
        try:
            if order:
                table.optimize.z_order(order, **options)
            else:
                table.optimize.compact(**options)
            return
        except (CommitFailedError, DeltaError) as exc:
            if attempt == COMPACT_ATTEMPTS or not _lost_commit(exc):
                raise
            time.sleep(random.uniform(0.05, 0.3) * attempt)


def _lost_commit(exc: Exception) -> bool:
    text = str(exc).lower()
    return isinstance(exc, CommitFailedError) or "concurrent" in text or "conflict" in text


def partition_files(table: DeltaTable) -> dict[str, int]:
    """site -> data files of its partition in the current table version."""
    actions = table.get_add_actions(flatten=True)
    column = f"partition.{tables.PARTITION}"
    if column not in actions.column_names:
        return {}
    counts: dict[str, int] = {}
    for site in actions.column(column).to_pylist():
        counts[site] = counts.get(site, 0) + 1
    return counts


def log_entries(store: Store, key: str) -> int:
    """Commit files in the table's log (what a reader without a checkpoint would replay)."""
    return sum(1 for obj in store.list(f"{key}/_delta_log/") if obj.key.endswith(".json")
               and "/_delta_log/0" in obj.key)
