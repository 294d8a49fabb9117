import os
import time
from datetime import timedelta

import pytest
from deltalake import DeltaTable

from pipelines.archive import tables
from pipelines.archive.writer import Archive
from newsarchive.errors import ArchiveError, NewsarchiveError
from pipelines.archive.maintain import log_entries, maintain, partition_files
from pipelines.cli.main import main as cli_main
from pipelines.health.runstable import read_runs, write_run
from pipelines.store import open_store
from pipelines.store.layout import RUNS_TABLE
from pipelines.archive.tables import ARTICLES_TABLE, CAPTURES_TABLE

from tests.pipelines.archive.test_writer import T0, article, capture


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


def publish_runs(store, runs: int, sites=("demo",)) -> None:
    for run in range(runs):
        for site in sites:
            rows = [{**article(f"{site}-a{i}", text=f"Body {run if i == 0 else 0}.", fetched=T0 + timedelta(hours=run),
                              run=f"r{run}"), "site": site} for i in range(3)]
            caps = [{**capture(f"{site}-{run}-{i}", run=f"r{run}"), "site": site} for i in range(2)]
            Archive(store).publish(site, f"r{run}", caps, rows, publish_id=f"{site}/{run}")
            write_run(store, {"site": site, "run_id": f"r{run}", "published_at": T0 + timedelta(hours=run),
                              "result": "ok", "failed_checks": [], "warnings": []})


def test_every_table_compacted_per_site_with_checkpoint_and_expired_log(tmp_path):
    store = open_store(tmp_path / "store")
    publish_runs(store, 12, sites=("demo", "other"))
    for key in (ARTICLES_TABLE, CAPTURES_TABLE, RUNS_TABLE):
        assert partition_files(tables.open_table(store, key)) == {"demo": 12, "other": 12}
        # publishes write a checkpoint every CHECKPOINT_INTERVAL commits themselves
        assert store.exists(f"{key}/_delta_log/_last_checkpoint"), key
    reports = {r.table: r for r in maintain(store, retention_days=0, sites=["demo"])}
    assert set(reports) == {ARTICLES_TABLE, CAPTURES_TABLE, RUNS_TABLE}
    for key, report in reports.items():
        table = tables.open_table(store, key)
        assert partition_files(table) == {"demo": 1, "other": 12}, key
        assert report.compacted == ["demo"]
        assert report.log_entries == 1 == log_entries(store, key)    # the rest expired past the checkpoint
        assert table.metadata().configuration["delta.logRetentionDuration"] == "interval 0 days"
    assert len(read_runs(store)) == 24
    assert tables.open_table(store, ARTICLES_TABLE).to_pyarrow_table().num_rows == 2 * (3 + 11)


def test_tables_can_be_chosen_and_bad_requests_fail_in_one_line(tmp_path, monkeypatch):
    store = open_store(tmp_path / "store")
    publish_runs(store, 3)
    reports = maintain(store, keys=[RUNS_TABLE])
    assert [r.table for r in reports] == [RUNS_TABLE]
    assert partition_files(tables.open_table(store, ARTICLES_TABLE)) == {"demo": 3}
    with pytest.raises(ArchiveError, match="no such table: templates"):
        maintain(store, keys=["templates"])
    monkeypatch.setenv("NEWSARCHIVE_RETENTION_DAYS", "a month")
    with pytest.raises(NewsarchiveError, match="NEWSARCHIVE_RETENTION_DAYS='a month' is not valid"):
        maintain(store)


def test_cli_maintain_reports_each_table(tmp_path, capsys):
    store = open_store(tmp_path / "store")
    publish_runs(store, 3)
    assert cli_main(["maintain", "--store", str(tmp_path / "store"), "--retention-days", "0"]) == 0
    out = " ".join(capsys.readouterr().out.split())       # as one line, whatever the terminal's width
    assert "articles: 3 files → 1, 1 partitions compacted, 3 old files removed, 1 log entries" in out
    assert "runs_table: 3 files → 1" in out


def test_vacuum_removes_old_orphans_of_killed_publishes_only(tmp_path):
    store = open_store(tmp_path / "store")
    publish_runs(store, 2)
    folder = tmp_path / "store" / ARTICLES_TABLE / "site=demo"
    old, young = folder / "part-orphan-old.parquet", folder / "part-orphan-young.parquet"
    for path in (old, young):
        path.write_bytes((next(folder.glob("part-*.parquet"))).read_bytes())
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    maintain(store, retention_days=1)
    assert not old.exists() and young.exists()
    assert tables.open_table(store, ARTICLES_TABLE).to_pyarrow_table().num_rows == 3 + 1
