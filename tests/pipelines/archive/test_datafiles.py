import json
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from pipelines.archive import datafiles, tables
from pipelines.archive.datafiles import DataFiles, FileStats
from pipelines.archive.writer import Archive

T0 = datetime(2024, 7, 4, 6, 22, 1, 250000, tzinfo=timezone.utc)


def captures(n: int, start: int = 0) -> pa.Table:
    rows = [{name: None for name in tables.CAPTURES.names} | {
        "site": "demo", "run_id": "r1", "record_id": f"<urn:uuid:{i:05d}>", "url": f"http://x/{i}",
        "fetched_at": T0 + timedelta(seconds=i), "status": 200, "warc_offset": i * 10,
        "skip_reason": "x" * 100 if i % 2 else None} for i in range(start, start + n)]
    return pa.Table.from_pylist(rows, schema=tables.CAPTURES)


def test_statistics_bound_every_value_and_leave_long_strings_unbounded():
    stats = FileStats(pa.schema([f for f in tables.CAPTURES if f.name != "site"]))
    for part in (captures(3, 10), captures(2, 0)):
        stats.update(part.drop_columns(["site"]))
    got = stats.as_delta()
    assert got["numRecords"] == 5
    assert got["minValues"]["record_id"] == "<urn:uuid:00000>" and got["maxValues"]["record_id"] == "<urn:uuid:00012>"
    assert got["minValues"]["fetched_at"] == "2024-07-04T06:22:01.250000Z"
    assert got["maxValues"]["warc_offset"] == 120
    assert got["nullCount"]["skip_reason"] == 3 and got["nullCount"]["mime"] == 5
    assert "skip_reason" not in got["minValues"] and "skip_reason" not in got["maxValues"]   # 100 characters
    assert "mime" not in got["minValues"]                                                   # all null


def test_files_roll_over_and_commit_readable_with_their_statistics(local_store, monkeypatch):
    monkeypatch.setattr(datafiles, "FILE_BYTES", 1)          # a file per write
    Archive(local_store).ensure_tables()
    table = DeltaTable(local_store.table_uri(tables.CAPTURES_TABLE))
    with DataFiles(local_store, tables.CAPTURES_TABLE, "demo", tables.CAPTURES) as files:
        files.write(captures(4))
        files.write(captures(3, 4).to_batches()[0])
    assert len(files.adds) == 2 and all(a.path.startswith("site=demo/") for a in files.adds)
    table.create_write_transaction(files.adds, mode="append", schema=table.schema(), partition_by=["site"])
    table = DeltaTable(local_store.table_uri(tables.CAPTURES_TABLE))
    stored = table.to_pyarrow_table().sort_by("record_id")
    assert stored.to_pylist() == captures(7).to_pylist()
    assert json.loads(files.adds[1].stats)["minValues"]["record_id"] == "<urn:uuid:00004>"
    one = table.to_pyarrow_dataset().get_fragments(filter=pa.compute.field("record_id") == "<urn:uuid:00005>")
    assert [f.path for f in one] == [files.adds[1].path]       # readers skip files by these statistics
    assert "site" not in pq.read_schema(local_store.root / tables.CAPTURES_TABLE / files.adds[0].path).names


def test_an_error_leaves_no_local_file_and_uploads_nothing_more(local_store, tmp_path, monkeypatch):
    monkeypatch.setattr(datafiles.tempfile, "tempdir", str(tmp_path))
    with pytest.raises(RuntimeError):
        with DataFiles(local_store, tables.CAPTURES_TABLE, "demo", tables.CAPTURES) as files:
            files.write(captures(2))
            raise RuntimeError("killed")
    assert files.adds == [] and list(tmp_path.glob("datafile-*")) == []
    assert not (local_store.root / tables.CAPTURES_TABLE).exists()
