"""Answers from the Delta log's per-file statistics, without reading data files: what a
reader needs to know before it reads can cost one snapshot, whatever the archive's size."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable

from pipelines.archive.tables import PARTITION


def newest_extractor(table: DeltaTable, site: str | None = None) -> tuple[bool, str | None]:
    """(known, extractor of the newest version row) from the file statistics: known is False
    when the file holding the newest row mixes extractors or has no statistics (then the
    caller reads the rows). An empty table (or site) is known to have none."""
    files = pa.table(table.get_add_actions(flatten=True))
    if site is not None and f"partition.{PARTITION}" in files.column_names:
        files = files.filter(pc.equal(files[f"partition.{PARTITION}"], site))
    if not files.num_rows:
        return True, None
    needed = ("max.fetched_at", "min.extractor", "max.extractor")
    if not all(name in files.column_names for name in needed):
        return False, None
    newest = files.filter(pc.equal(files["max.fetched_at"], pc.max(files["max.fetched_at"])))
    low, high = set(newest["min.extractor"].to_pylist()), set(newest["max.extractor"].to_pylist())
    if len(low) == 1 and low == high and None not in low:
        return True, low.pop()
    return False, None
