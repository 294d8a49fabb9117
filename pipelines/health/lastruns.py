"""Each site's last run and its number of runs, read from the runs table's file statistics and
the one file per site that holds the last run: `status` costs the same after ten runs or ten
thousand."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from pipelines.archive.tables import PARTITION, site_rows
from pipelines.health.runstable import _table
from pipelines.store import Store


def last_runs(store: Store, site: str | None = None) -> tuple[dict[str, dict], dict[str, int]]:
    """(site -> its last run's row, site -> how many runs it has), for every site or one."""
    table = _table(store)
    if table is None:
        return {}, {}
    files = pa.table(table.get_add_actions(flatten=True))
    column = f"partition.{PARTITION}"
    if site is not None:
        files = files.filter(pc.equal(files[column], site))
    if not files.num_rows:
        return {}, {}
    if files["num_records"].null_count or files["max.published_at"].null_count:
        return _from_rows(table, site)                 # files without statistics: read the rows
    counts: dict[str, int] = {}
    newest: dict[str, object] = {}
    for name, records, latest in zip(*(files[c].to_pylist() for c in (column, "num_records", "max.published_at"))):
        counts[name] = counts.get(name, 0) + records
        newest[name] = max(newest.get(name, latest), latest)
    wanted = {path for path, name, latest in zip(*(files[c].to_pylist() for c in ("path", column, "max.published_at")))
              if latest == newest[name]}
    dataset = table.to_pyarrow_dataset()
    pieces = [f for f in dataset.get_fragments() if any(f.path.endswith(path) for path in wanted)]
    rows = ds.FileSystemDataset(pieces, dataset.schema, dataset.format, dataset.filesystem).to_table().to_pylist()
    return _last_of(rows), counts


def _from_rows(table, site: str | None) -> tuple[dict[str, dict], dict[str, int]]:
    rows = (site_rows(table, site) if site else table.to_pyarrow_table()).to_pylist()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["site"]] = counts.get(row["site"], 0) + 1
    return _last_of(rows), counts


def _last_of(rows: list[dict]) -> dict[str, dict]:
    """site -> the row of its last run (latest published_at; of equal times, the greatest run id)."""
    last: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: (r["site"], r["published_at"], r["run_id"])):
        last[row["site"]] = row
    return last
