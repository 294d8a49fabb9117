"""Keep the Delta tables fast and small: compact small files (articles are
Z-ordered by article id so one article's versions sit together and `history`
reads little), write a checkpoint, then vacuum files that no table version
younger than the retention period still needs."""
from __future__ import annotations

from dataclasses import dataclass

from deltalake import DeltaTable

from pipelines.archive import tables
from pipelines.store import Store

DEFAULT_RETENTION_DAYS = 30


@dataclass
class MaintainReport:
    table: str
    files_before: int
    files_after: int
    removed: int
    version: int


def maintain(store: Store, retention_days: int = DEFAULT_RETENTION_DAYS, dry_run: bool = False) -> list[MaintainReport]:
    if retention_days < 0:
        raise ValueError("retention must be zero or more days")
    reports = []
    for key, order in ((tables.ARTICLES_TABLE, ["article_id"]), (tables.CAPTURES_TABLE, ["url"])):
        table = tables.open_table(store, key)
        if table is not None:
            reports.append(_maintain_table(table, key, order, retention_days, dry_run))
    return reports


def _maintain_table(table: DeltaTable, key: str, order: list[str], retention_days: int,
                    dry_run: bool) -> MaintainReport:
    before = len(table.file_uris())
    if not dry_run:
        table.optimize.z_order(order, writer_properties=tables.WRITER_PROPERTIES)
        table.create_checkpoint()
    # Versions younger than the retention keep every file they reference: vacuum only
    # deletes files that were removed from the table longer ago than that.
    removed = table.vacuum(retention_hours=retention_days * 24, dry_run=dry_run,
                           enforce_retention_duration=False)
    table.update_incremental() if hasattr(table, "update_incremental") else None
    return MaintainReport(key, before, len(table.file_uris()), len(removed), table.version())
