"""A Parquet file written in bounded batches of rows: a run of any size stages in flat memory."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

BATCH_ROWS = 1000


class StagedParquet:
    """Rows added one by one; every BATCH_ROWS they are written as a row group to a temporary
    file (`path`, removed on error; the caller uploads and removes it)."""

    def __init__(self, schema: pa.Schema, batch_rows: int = BATCH_ROWS):
        self.schema, self.batch_rows = schema, batch_rows
        fd, name = tempfile.mkstemp(prefix="staged-", suffix=".parquet")
        os.close(fd)
        self.path = Path(name)
        self._writer = pq.ParquetWriter(self.path, schema)
        self._rows: list[dict] = []
        self.count = 0                 # rows added

    def add(self, row: dict) -> None:
        self._rows.append(row)
        self.count += 1
        if len(self._rows) >= self.batch_rows:
            self._flush()

    def extend(self, rows) -> None:
        for row in rows:
            self.add(row)

    def _flush(self) -> None:
        self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self.schema))
        self._rows = []

    def __enter__(self) -> "StagedParquet":
        return self

    def __exit__(self, kind, error, tb) -> None:
        try:
            if kind is None:
                self._flush()        # an empty table still gets its schema written
        finally:
            self._writer.close()
            if kind is not None:
                self.path.unlink(missing_ok=True)
