import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.archive.runrows import RunRows

ROWS = [{"k": k, "n": n} for n, k in enumerate(["b", "a", "c", "a", None, "d", "b"])]


def _file(tmp_path, rows_per_group=2):
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), path, row_group_size=rows_per_group)
    return path


def test_a_file_and_a_list_give_the_same_slices_with_each_key_whole(tmp_path):
    from_file = list(RunRows.of(_file(tmp_path)).slices("k", size=2))
    from_list = list(RunRows.of(ROWS).slices("k", size=2))
    assert from_file == from_list
    assert [[r["n"] for r in s] for s in from_file] == [[1, 3, 0, 6], [2, 5], [4]]   # the key-less row last
    assert len(RunRows.of(_file(tmp_path))) == len(ROWS)


def test_a_fold_reads_a_slice_a_batch_at_a_time(tmp_path, monkeypatch):
    monkeypatch.setattr("pipelines.archive.runrows.READ_ROWS", 2)
    seen = []

    def first_per_key(rows):
        seen.append(len(rows))
        return list({row["k"]: row for row in reversed(rows)}.values())[::-1]

    from_file = list(RunRows.of(_file(tmp_path)).slices("k", size=2, fold=first_per_key))
    assert [[r["n"] for r in s] for s in from_file] == [[1, 0], [2, 5], [4]]
    assert max(seen) <= 2 + 2            # what was kept (two keys) and one batch, never the whole slice
    assert from_file == list(RunRows.of(ROWS).slices("k", size=2, fold=first_per_key))
