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
