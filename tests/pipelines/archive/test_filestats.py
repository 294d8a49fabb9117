"""Reads that need only the Delta log and one site's files: the default extractor from the
file statistics, and site-filtered reads that open no file of another site."""
from __future__ import annotations

import shutil
from datetime import timedelta

from pipelines.archive import tables
from pipelines.archive.export import export
from pipelines.archive.filestats import newest_extractor
from pipelines.archive.reader import open_archive
from pipelines.archive.writer import Archive
from pipelines.store import open_store
from tests.pipelines.archive.test_writer import T0, article, capture


def publish(store, site, run, extractor, hours):
    row = {**article(f"{site}-a", text=f"Body {run}.", fetched=T0 + timedelta(hours=hours), run=run),
           "site": site, "extractor": extractor}
    Archive(store).publish(site, run, [{**capture(f"{site}-{run}", run=run), "site": site}], [row],
                           publish_id=f"{site}/{run}")


def test_newest_extractor_from_statistics(tmp_path):
    store = open_store(tmp_path / "store")
    publish(store, "demo", "r1", "x/1", 0)
    publish(store, "other", "r1", "x/1", 5)
    publish(store, "demo", "r2", "x/2", 1)
    table = tables.open_table(store, tables.ARTICLES_TABLE)
    assert newest_extractor(table) == (True, "x/1")                 # the other site's row is newest
    assert newest_extractor(table, "demo") == (True, "x/2")
    assert newest_extractor(table, "nowhere") == (True, None)
    assert open_archive(store).extractor() == "x/1"


def test_site_reads_open_only_that_sites_files(tmp_path):
    store = open_store(tmp_path / "store")
    for hours, run in enumerate(("r1", "r2")):
        publish(store, "demo", run, "x/1", hours)
        publish(store, "other", run, "x/1", hours)
    for key in (tables.ARTICLES_TABLE, tables.CAPTURES_TABLE):      # the other site's files are gone
        shutil.rmtree(tmp_path / "store" / key / "site=other")
    reader = open_archive(store)
    assert len(reader.versions("demo")) == 2
    assert len(reader.captures("demo")) == 2
    assert export(reader, tmp_path / "demo.parquet", "parquet", "demo") == 2
