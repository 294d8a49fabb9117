"""A publish finds out whether it already committed from the table's snapshot (its app
transaction), not by reading the table's history: a first publish reads no history at all,
a retry still finds its commit and its counts, and so does one on a table made before marks."""
from __future__ import annotations

import json
import shutil

from deltalake import DeltaTable

from pipelines.archive import tables
from pipelines.archive.publishmarks import MARKS_SINCE
from pipelines.archive.writer import Archive
from pipelines.store import open_store
from tests.pipelines.archive.test_writer import article, capture


def test_a_first_publish_reads_no_history_and_a_retry_finds_its_commit(tmp_path, monkeypatch):
    archive = Archive(open_store(tmp_path / "store"))
    archive.publish("demo", "r1", [capture("c1")], [article("a")])
    read = []
    original = DeltaTable.history
    monkeypatch.setattr(DeltaTable, "history", lambda self, *a, **k: read.append(1) or original(self, *a, **k))
    first = archive.publish("demo", "r2", [capture("c2", run="r2")], [article("b", run="r2")])
    assert read == [] and first.versions_added == 1
    again = archive.publish("demo", "r2", [capture("c2", run="r2")], [article("b", run="r2")])
    assert read and (again.versions_added, again.captures_added) == (1, 1)        # its own counts
    assert again.articles_table_version == first.articles_table_version
    assert archive.table(tables.ARTICLES_TABLE).to_pyarrow_table().num_rows == 2


def test_a_table_made_before_marks_still_finds_an_unmarked_commit(tmp_path):
    store = open_store(tmp_path / "store")
    archive = Archive(store)
    archive.publish("demo", "r1", [capture("c1")], [article("a")])
    # as an older version of the code left it: no marks, no MARKS_SINCE
    log = tmp_path / "store" / tables.ARTICLES_TABLE / "_delta_log"
    for entry in log.glob("*.json"):
        actions = [json.loads(line) for line in entry.read_text().splitlines() if line.strip()]
        for action in actions:
            action.get("metaData", {}).get("configuration", {}).pop(MARKS_SINCE, None)
        entry.write_text("".join(json.dumps(a) + "\n" for a in actions if "txn" not in a))
    for checkpoint in log.glob("*checkpoint*"):
        checkpoint.unlink()
    shutil.rmtree(tmp_path / "store" / tables.CAPTURES_TABLE)
    again = archive.publish("demo", "r1", [capture("c1")], [article("a")])
    assert again.versions_added == 1
    assert archive.table(tables.ARTICLES_TABLE).to_pyarrow_table().num_rows == 1
    assert MARKS_SINCE in archive.table(tables.ARTICLES_TABLE).metadata().configuration    # marked from now on
