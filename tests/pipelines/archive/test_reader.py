from datetime import timedelta

import duckdb
import pytest

from pipelines.archive.writer import Archive
from pipelines.archive.reader import ArchiveNotFound, open_archive
from pipelines.store import open_store

from tests.pipelines.archive.test_writer import T0, article, capture


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "store")
    archive = Archive(store)
    archive.publish("demo", "r1", [capture("c1")], [article("a"), article("b")])
    later = T0 + timedelta(days=1)
    seen_again = {**capture("c2", "r2"), "url": "http://x/b", "fetched_at": later,   # unchanged b, as clean makes it
                  "article_id": "b", "content_hash": article("b")["content_hash"]}
    archive.publish("demo", "r2", [seen_again], [article("a", text="Body text, corrected.", fetched=later, run="r2"),
                                                 {**article("b", fetched=later, run="r2")}])
    return store


def test_articles_versions_and_history(store):
    reader = open_archive(store)
    assert sorted(reader.articles()["version"]) == [1, 2]
    history = reader.history("http://x/a")
    assert list(history["version"]) == [1, 2] and list(history["change"]) == ["new", "body"]


def test_last_seen_comes_from_later_sightings(store):
    history = open_archive(store).history("http://x/b")
    assert len(history) == 1
    assert history["last_seen"].iloc[0] > history["first_seen"].iloc[0]


def test_show_by_version_and_time(store):
    reader = open_archive(store)
    assert reader.show("http://x/a")["version"] == 2
    assert reader.show("http://x/a", version=1)["text"] == "Body text."
    assert reader.show("http://x/a", at=(T0 + timedelta(hours=1)).isoformat())["version"] == 1
    with pytest.raises(ArchiveNotFound):
        reader.show("http://x/a", at="2000-01-01")
    with pytest.raises(ArchiveNotFound):
        reader.history("http://x/none")


def test_time_travel_to_a_table_version(store):
    first = open_archive(store, as_of=1)
    assert len(first.versions()) == 2
    assert len(open_archive(store).versions()) == 3


def test_duckdb_reads_the_tables(store):
    dataset = open_archive(store).dataset()
    count = duckdb.sql("select count(*) from dataset where version = 2").fetchall()[0][0]
    assert count == 1


def test_missing_archive_is_a_clear_error(tmp_path):
    with pytest.raises(ArchiveNotFound, match="no archive table"):
        open_archive(open_store(tmp_path / "empty")).articles()
