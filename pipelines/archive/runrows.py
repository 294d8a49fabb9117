"""A run's staged rows, read a slice at a time, so that publishing a run of any size holds
one slice of it in memory: the clean step's Parquet file, or a list (tests, re-clean)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SLICE_ROWS = 5000           # rows planned and merged at a time (about as many distinct keys)


class RunRows:
    def __init__(self, path: Path | None = None, rows: list[dict] | None = None):
        self.path, self._rows = path, rows

    @classmethod
    def of(cls, source: "RunRows | Path | list[dict]") -> "RunRows":
        if isinstance(source, RunRows):
            return source
        return cls(path=Path(source)) if isinstance(source, (str, Path)) else cls(rows=list(source))

    def column(self, name: str) -> list:
        if self._rows is not None:
            return [row.get(name) for row in self._rows]
        return pq.read_table(self.path, columns=[name]).column(name).to_pylist()

    def __len__(self) -> int:
        return len(self._rows) if self._rows is not None else pq.ParquetFile(self.path).metadata.num_rows

    def slices(self, key: str, size: int = SLICE_ROWS) -> Iterator[list[dict]]:
        """The rows in order of `key`, a slice of about `size` distinct keys at a time; the rows of
        one key are always in the same slice."""
        present = set(self.column(key))
        keys = sorted(present - {None})
        for start in range(0, len(keys), size):
            wanted = keys[start:start + size]
            yield sorted(self._where(key, wanted), key=lambda row: row[key])
        if None in present:
            yield self._where(key, None)

    def _where(self, key: str, wanted: list | None) -> list[dict]:
        """Rows whose `key` is one of `wanted` (None: rows without one)."""
        if self._rows is not None:
            chosen = set(wanted) if wanted is not None else {None}
            return [row for row in self._rows if row.get(key) in chosen]
        found = []
        with pq.ParquetFile(self.path) as staged:     # a batch at a time: never the whole file's text
            for batch in staged.iter_batches(batch_size=1000):
                keys = batch.column(key)
                chosen = pc.is_in(keys, value_set=pa.array(wanted, keys.type)) if wanted is not None \
                    else pc.is_null(keys)
                found += batch.filter(chosen).to_pylist()
        return found
