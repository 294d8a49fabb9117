import json
from datetime import timedelta

import pyarrow as pa

from pipelines.archive.changes import StoredChanges
from pipelines.archive.tables import ARTICLES, ARTICLES_TABLE
from pipelines.archive.writer import Archive
from pipelines.store import open_store

from tests.pipelines.archive.test_writer import T0, article, rows


def stored(*keys) -> pa.RecordBatch:
    data = [{name: None for name in ARTICLES.names} | {"article_id": a, "content_hash": h, "extractor": x,
                                                      "version": 1, "change": "new", "text": f"{a}{h}{x}"}
            for a, h, x in keys]
    return pa.RecordBatch.from_pylist(data, schema=ARTICLES)


def test_changes_renumber_and_drop_only_their_own_extractors_rows():
    changes = StoredChanges("demo", "x/1")
    changes.renumber("a", "h1", 2, "body")
    changes.drop("a", "h2")
    got = changes.apply(stored(("a", "h1", "x/1"), ("a", "h2", "x/1"), ("a", "h1", "x/2"), ("b", "h1", "x/1"),
                               (None, None, "x/1")))
    assert [(r["article_id"], r["content_hash"], r["extractor"], r["version"], r["change"], r["text"])
            for r in got.to_pylist()] == [
        ("a", "h1", "x/1", 2, "body", "ah1x/1"),          # renumbered, text kept
        ("a", "h1", "x/2", 1, "new", "ah1x/2"),           # another extractor's row: untouched
        ("b", "h1", "x/1", 1, "new", "bh1x/1"),
        (None, None, "x/1", 1, "new", "NoneNonex/1")]
    assert not StoredChanges("demo", "x/1")


def log_actions(archive: Archive, version: int) -> list[dict]:
    log = archive.store.get_bytes(f"{ARTICLES_TABLE}/_delta_log/{version:020d}.json").decode()
    return [json.loads(line) for line in log.splitlines() if line.strip()]


def test_an_earlier_run_published_later_rewrites_the_stored_files_in_the_same_commit(tmp_path):
    archive = Archive(open_store(tmp_path / "store"))
    later, earlier = T0 + timedelta(days=2), T0 + timedelta(days=1)
    archive.publish("demo", "r3", [], [article("a", text="third", fetched=later, run="r3"),
                                       article("b", text="same", fetched=later, run="r3"),
                                       article("c", text="untouched", fetched=later, run="r3")])
    result = archive.publish("demo", "r2", [], [article("a", text="second", fetched=earlier, run="r2"),
                                                article("b", text="same", fetched=earlier, run="r2")])
    assert (result.versions_added, result.changed_articles) == (1, 1)
    got = [(r["article_id"], r["version"], r["change"], r["text"], r["run_id"]) for r in rows(archive)]
    assert got == [("a", 1, "new", "second", "r2"), ("a", 2, "body", "third", "r3"),   # renumbered
                   ("b", 1, "new", "same", "r2"),                  # moved to the capture that showed it first
                   ("c", 1, "new", "untouched", "r3")]             # copied with its file
    actions = log_actions(archive, result.articles_table_version)
    assert [a["commitInfo"]["newsarchive.run_id"] for a in actions if "commitInfo" in a] == ["r2"]
    assert len([a for a in actions if "remove" in a]) == 1 and len([a for a in actions if "add" in a]) >= 1
