"""A run's staged rows, read a slice at a time, so that publishing a run of any size holds
one slice of it in memory: the clean step's Parquet file, or a list (tests, re-clean)."""
from __future__ import annotations

import bisect
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SLICE_ROWS = 1000           # distinct keys planned at a time (a slice of 1,000 articles: ~25 MB)
OPEN_BUCKETS = 64           # slice files written at once while sorting a file into slices
READ_ROWS = 1000

# Folds rows of a slice as they are read: (rows kept so far + the next batch) -> rows to keep.
Fold = Callable[[list[dict]], list[dict]]


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

    def slices(self, key: str, size: int | None = None, fold: Fold | None = None) -> Iterator[list[dict]]:
        """The rows in order of `key`, a slice of about `size` (SLICE_ROWS) distinct keys at a time;
        the rows of one key are always in the same slice, in their staged order; rows without a
        key come last. With `fold`, a slice is folded a batch of rows at a time as it is read,
        so that many rows of few keys (one article fetched under many URLs) are never all held."""
        size = size or SLICE_ROWS
        present = set(self.column(key))
        keys = sorted(present - {None})
        firsts = keys[::size]                       # the first key of each slice
        groups = [*range(len(firsts))] + ([None] if None in present else [])
        if self._rows is not None:
            by_group: dict = {}
            for row in self._rows:
                by_group.setdefault(_slice_of(row.get(key), firsts), []).append(row)
            for group in groups:
                rows = by_group.get(group, [])
                rows = fold(rows) if fold else rows
                yield sorted(rows, key=lambda row: row[key]) if group is not None else rows
            return
        for start in range(0, len(groups), OPEN_BUCKETS):
            yield from self._file_slices(key, firsts, groups[start:start + OPEN_BUCKETS], fold)

    def _file_slices(self, key: str, firsts: list, groups: list, fold: Fold | None) -> Iterator[list[dict]]:
        """Slices `groups` of the file: one pass sorts its rows into a file per slice, each then
        read back a batch at a time (reading the staged file once per slice would decode it again
        and again)."""
        with tempfile.TemporaryDirectory(prefix="runrows-") as folder:
            paths = {group: Path(folder) / f"{n}.arrows" for n, group in enumerate(groups)}
            with pq.ParquetFile(self.path, pre_buffer=False) as staged:   # pre-buffering caches the whole file
                writers = {group: pa.ipc.new_stream(paths[group], staged.schema_arrow) for group in groups}
                try:
                    for batch in staged.iter_batches(batch_size=READ_ROWS, use_threads=False):
                        slice_of = pa.array([_slice_of(k, firsts) for k in batch.column(key).to_pylist()],
                                            pa.int64())
                        for group, writer in writers.items():
                            chosen = pc.is_null(slice_of) if group is None else pc.equal(slice_of, group)
                            rows = batch.filter(pc.fill_null(chosen, False))
                            if rows.num_rows:
                                writer.write_batch(rows)
                finally:
                    for writer in writers.values():
                        writer.close()
            for group in groups:      # through an OSFile: a stream opened by its path is read whole
                with pa.OSFile(str(paths[group])) as source, pa.ipc.open_stream(source) as reader:
                    rows = reader.read_all().to_pylist() if fold is None else _folded(reader, fold)
                paths[group].unlink()
                yield sorted(rows, key=lambda row: row[key]) if group is not None else rows


def _folded(reader: pa.ipc.RecordBatchStreamReader, fold: Fold) -> list[dict]:
    rows: list[dict] = []
    for batch in reader:
        rows = fold(rows + batch.to_pylist())
    return rows


def _slice_of(value, firsts: list) -> int | None:
    """Which slice a key falls in, given each slice's first key (None: no key)."""
    return None if value is None else bisect.bisect_right(firsts, value) - 1
