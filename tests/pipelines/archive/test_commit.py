from datetime import datetime, timezone

import pyarrow as pa
import pytest
from deltalake.exceptions import CommitFailedError
from deltalake.schema import Field

from pipelines.archive import tables
from pipelines.archive.commit import commit
from pipelines.archive.datafiles import DataFiles
from pipelines.archive.writer import Archive

T0 = datetime(2024, 7, 4, tzinfo=timezone.utc)


def written(store, site: str, record: str) -> list:
    """Add actions of one capture row of `site`, uploaded but not committed."""
    row = {name: None for name in tables.CAPTURES.names} | {"site": site, "record_id": record, "fetched_at": T0}
    with DataFiles(store, tables.CAPTURES_TABLE, site, tables.CAPTURES) as files:
        files.write(pa.Table.from_pylist([row], schema=tables.CAPTURES))
    return files.adds


@pytest.fixture
def archive(any_store):
    archive = Archive(any_store)
    archive.ensure_tables()
    return archive


def records(archive) -> list:
    return sorted(archive.table(tables.CAPTURES_TABLE).to_pyarrow_table().column("record_id").to_pylist())


def test_a_commit_lands_right_after_the_snapshot_it_was_planned_on(archive):
    snapshot = archive.table(tables.CAPTURES_TABLE)
    version = commit(archive.store, tables.CAPTURES_TABLE, snapshot, "demo", written(archive.store, "demo", "a"),
                     {"newsarchive.publish_id": "p"})
    table = archive.table(tables.CAPTURES_TABLE)
    assert version == snapshot.version() + 1 == table.version()
    assert table.history(1)[0]["newsarchive.publish_id"] == "p" and records(archive) == ["a"]


def test_a_commit_to_the_same_site_since_the_snapshot_fails_it(archive):
    snapshot = archive.table(tables.CAPTURES_TABLE)
    commit(archive.store, tables.CAPTURES_TABLE, archive.table(tables.CAPTURES_TABLE), "demo",
           written(archive.store, "demo", "other"), {})
    with pytest.raises(CommitFailedError):
        commit(archive.store, tables.CAPTURES_TABLE, snapshot, "demo", written(archive.store, "demo", "mine"), {})
    assert records(archive) == ["other"]


def test_commits_to_other_sites_since_the_snapshot_are_stepped_over(archive):
    snapshot = archive.table(tables.CAPTURES_TABLE)
    for site in ("elsewhere", "faraway"):
        commit(archive.store, tables.CAPTURES_TABLE, archive.table(tables.CAPTURES_TABLE), site,
               written(archive.store, site, site), {})
    version = commit(archive.store, tables.CAPTURES_TABLE, snapshot, "demo", written(archive.store, "demo", "mine"), {})
    assert version == snapshot.version() + 3 == archive.table(tables.CAPTURES_TABLE).version()
    assert records(archive) == ["elsewhere", "faraway", "mine"]


def test_a_schema_change_since_the_snapshot_fails_it(archive):
    snapshot = archive.table(tables.CAPTURES_TABLE)
    archive.table(tables.CAPTURES_TABLE).alter.add_columns([Field.from_arrow(pa.field("extra", pa.string()))])
    with pytest.raises(CommitFailedError):
        commit(archive.store, tables.CAPTURES_TABLE, snapshot, "demo", written(archive.store, "demo", "mine"), {})
