"""Delta data files written by a publish itself, so that it holds one batch of rows at a time
whatever the size of the run (Delta's merge held its whole source in memory).

Rows go to a local Parquet file, a row group per batch; past FILE_BYTES the file is closed,
uploaded into the table's partition folder and described by a Delta add action carrying the
statistics readers skip files with. Nothing is visible until the add actions are committed
(pipelines/archive/commit.py); files of a publish that never commits are orphans that vacuum
removes.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake.transaction import AddAction

from pipelines.store import Store

PARTITION = "site"
FILE_BYTES = 64 * 2**20        # a new file past this size (on disk, compressed)
STATS_CHARS = 64               # min/max kept for strings up to this long (URLs and ids, not bodies)
COPY_BYTES = 2**20             # chunk of a stored file copied at a time
READ_ROWS = 1000               # rows read at a time from a Parquet file (a row group of a data file)


class DataFiles:
    """Writes rows of one partition (`site`) of the table stored at `table_key` as data files;
    `adds` lists the files uploaded so far. Use as a context manager: leaving it closes and
    uploads the last file; on an error the local file is removed."""

    def __init__(self, store: Store, table_key: str, site: str, schema: pa.Schema):
        self.store, self.table_key, self.site = store, table_key, site
        self.schema = pa.schema([f for f in schema if f.name != PARTITION])   # the path holds the site
        self.adds: list[AddAction] = []
        self._writer: pq.ParquetWriter | None = None
        self._path: Path | None = None
        self._stats: FileStats | None = None

    def write(self, rows: pa.Table | pa.RecordBatch) -> None:
        if not rows.num_rows:
            return
        rows = conform(rows, self.schema)
        if self._writer is None:
            self._open()
        self._writer.write_table(rows)
        self._stats.update(rows)
        if self._path.stat().st_size >= FILE_BYTES:
            self._finish_file()

    def write_file(self, path: Path) -> None:
        """Every row of a local Parquet file, a batch at a time."""
        for batch in read_batches(path):
            self.write(batch)

    def _open(self) -> None:
        fd, name = tempfile.mkstemp(prefix="datafile-", suffix=".parquet")
        os.close(fd)
        self._path = Path(name)
        self._writer = pq.ParquetWriter(self._path, self.schema, compression="snappy")
        self._stats = FileStats(self.schema)

    def _finish_file(self) -> None:
        self._writer.close()
        self._writer = None
        try:
            name = f"part-{len(self.adds):05d}-{uuid.uuid4()}-c000.snappy.parquet"
            relative = f"{PARTITION}={quote(self.site, safe='')}/{name}"
            size = self._path.stat().st_size
            self.store.put_file(self._path, f"{self.table_key}/{relative}")
        finally:
            self._path.unlink(missing_ok=True)
        self.adds.append(AddAction(relative, size, {PARTITION: self.site}, now_ms(), True,
                                   json.dumps(self._stats.as_delta())))

    def __enter__(self) -> "DataFiles":
        return self

    def __exit__(self, kind, error, tb) -> None:
        if self._writer is None:
            return
        if kind is None:
            self._finish_file()
        else:
            self._writer.close()
            self._path.unlink(missing_ok=True)


class FileStats:
    """A data file's Delta statistics: row count, and per column (lists aside) null count,
    minimum and maximum. Strings longer than STATS_CHARS get no min/max, as if unknown."""

    def __init__(self, schema: pa.Schema):
        self.rows = 0
        self.nulls = {f.name: 0 for f in schema if not pa.types.is_nested(f.type)}
        self.low: dict = {}
        self.high: dict = {}
        self.unbounded: set[str] = set()

    def update(self, rows: pa.Table) -> None:
        self.rows += rows.num_rows
        for name in self.nulls:
            column = rows.column(name)
            self.nulls[name] += column.null_count
            if name in self.unbounded or column.null_count == len(column):
                continue
            bounds = pc.min_max(column)
            low, high = bounds["min"].as_py(), bounds["max"].as_py()
            if isinstance(low, str) and max(len(low), len(high)) > STATS_CHARS:
                self.unbounded.add(name)
                self.low.pop(name, None)
                self.high.pop(name, None)
                continue
            self.low[name] = low if name not in self.low else min(self.low[name], low)
            self.high[name] = high if name not in self.high else max(self.high[name], high)

    def as_delta(self) -> dict:
        return {"numRecords": self.rows,
                "minValues": {k: _json_value(v) for k, v in self.low.items()},
                "maxValues": {k: _json_value(v) for k, v in self.high.items()},
                "nullCount": self.nulls}


def _json_value(value):
    if isinstance(value, datetime):     # Delta's form: UTC, microseconds, a Z
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def conform(rows: pa.Table | pa.RecordBatch, schema: pa.Schema) -> pa.Table:
    """`rows` with exactly the columns of `schema`, in its order and types (missing ones null)."""
    if isinstance(rows, pa.RecordBatch):
        rows = pa.Table.from_batches([rows])
    columns = [rows.column(f.name).cast(f.type) if f.name in rows.column_names
               else pa.nulls(rows.num_rows, f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def read_batches(path: Path, columns: list[str] | None = None) -> Iterable[pa.RecordBatch]:
    """A local Parquet file a batch at a time (no pre-buffering: that caches the whole file)."""
    with pq.ParquetFile(path, pre_buffer=False) as parquet:
        yield from parquet.iter_batches(batch_size=READ_ROWS, columns=columns, use_threads=False)


@contextmanager
def local_copy(store: Store, key: str) -> Iterator[Path]:
    """A temporary local copy of a stored file, streamed (never whole in memory)."""
    fd, name = tempfile.mkstemp(prefix="stored-", suffix=".parquet")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, store.open(key) as stored:
            shutil.copyfileobj(stored, out, COPY_BYTES)
        yield path
    finally:
        path.unlink(missing_ok=True)


def now_ms() -> int:
    return int(time.time() * 1000)
