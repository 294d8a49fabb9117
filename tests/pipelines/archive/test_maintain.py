from datetime import timedelta

from deltalake import DeltaTable

from pipelines.archive.writer import Archive
from pipelines.archive.maintain import maintain
from pipelines.store import open_store
from pipelines.archive.tables import ARTICLES_TABLE

from tests.pipelines.archive.test_writer import T0, article


def test_maintain_compacts_and_keeps_young_versions_readable(tmp_path):
    store = open_store(tmp_path / "store")
    for run in range(4):
        Archive(store).publish("demo", f"r{run}", [], [article(f"a{run}-{i}", fetched=T0 + timedelta(days=run))
                                                       for i in range(3)])
    uri = store.table_uri(ARTICLES_TABLE)
    before = DeltaTable(uri)
    assert len(before.file_uris()) >= 4
    reports = {r.table: r for r in maintain(store, retention_days=30)}
    after = DeltaTable(uri)
    assert len(after.file_uris()) == 1 == reports[ARTICLES_TABLE].files_after
    assert after.to_pyarrow_table().num_rows == 12
    # every earlier version is still there: nothing is younger than 30 days yet
    assert reports[ARTICLES_TABLE].removed == 0
    assert DeltaTable(uri, version=1).to_pyarrow_table().num_rows == 3


def test_zero_retention_vacuums_replaced_files(tmp_path):
    store = open_store(tmp_path / "store")
    for run in range(3):
        Archive(store).publish("demo", f"r{run}", [], [article(f"a{run}", fetched=T0 + timedelta(days=run))])
    reports = {r.table: r for r in maintain(store, retention_days=0)}
    assert reports[ARTICLES_TABLE].removed >= 3
    assert DeltaTable(store.table_uri(ARTICLES_TABLE)).to_pyarrow_table().num_rows == 3
