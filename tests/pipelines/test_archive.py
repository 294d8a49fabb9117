import json
from datetime import datetime, timedelta, timezone

import pytest
from deltalake import DeltaTable

from pipelines.archive import Archive, change_kind
from pipelines.clean import content_hash
from pipelines.store import open_store
from pipelines.tables import ARTICLES, ARTICLES_KEY, CAPTURES, CAPTURES_KEY

T0 = datetime(2024, 7, 4, 6, 22, tzinfo=timezone.utc)


def article(aid: str, title: str = "Title", text: str = "Body text.", fetched: datetime = T0, run="r1") -> dict:
    row = {name: None for name in ARTICLES.names}
    content = {"title": title, "text": text, "authors": ["A"], "published": T0, "modified": None,
               "language": "en", "section": "news", "description": None}
    row.update(content, site="demo", article_id=aid, url=f"http://x/{aid}", canonical_url=f"http://x/{aid}",
               content_hash=content_hash(content), text_hash=content_hash({"text": text}),
               fetched_at=fetched, run_id=run, word_count=len(text.split()))
    return row


def capture(rid: str, run="r1") -> dict:
    row = {name: None for name in CAPTURES.names}
    row.update(site="demo", run_id=run, record_id=rid, url=f"http://x/{rid}", fetched_at=T0, status=200)
    return row


@pytest.fixture(params=["local", "s3"])
def archive(request, tmp_path):
    if request.param == "local":
        return Archive(open_store(tmp_path / "store"))
    request.getfixturevalue("s3_server")
    bucket = request.getfixturevalue("s3_bucket")
    return Archive(open_store(f"s3://{bucket}/archive"))


def rows(archive: Archive, key: str = ARTICLES_KEY) -> list[dict]:
    order = ["article_id", "version"] if key == ARTICLES_KEY else ["record_id"]
    return archive.table(key).to_pyarrow_table().sort_by([(c, "ascending") for c in order]).to_pylist()


def test_first_publish_creates_version_one(archive):
    result = archive.publish("demo", "r1", [capture("c1"), capture("c2")], [article("a"), article("b")])
    assert (result.versions_added, result.new_articles, result.captures_added) == (2, 2, 2)
    assert [(r["article_id"], r["version"], r["change"]) for r in rows(archive)] == [("a", 1, "new"), ("b", 1, "new")]
    assert len(rows(archive, CAPTURES_KEY)) == 2


def test_unchanged_content_adds_nothing_and_rerun_is_idempotent(archive):
    archive.publish("demo", "r1", [capture("c1")], [article("a")])
    again = archive.publish("demo", "r1", [capture("c1")], [article("a")])       # same run again
    later = archive.publish("demo", "r2", [capture("c2", "r2")], [article("a", run="r2")])
    assert again.versions_added == later.versions_added == 0
    assert len(rows(archive)) == 1
    assert len(rows(archive, CAPTURES_KEY)) == 2                                   # c1 once, c2


def test_changes_get_new_versions_with_their_kind(archive):
    archive.publish("demo", "r1", [], [article("a"), article("b"), article("c")])
    later = T0 + timedelta(days=1)
    result = archive.publish("demo", "r2", [], [
        article("a", title="New title", fetched=later),
        article("b", text="Body text, corrected.", fetched=later),
        article("c", fetched=later)])
    assert (result.versions_added, result.changed_articles) == (2, 2)
    got = {(r["article_id"], r["version"]): r["change"] for r in rows(archive)}
    assert got == {("a", 1): "new", ("a", 2): "headline", ("b", 1): "new", ("b", 2): "body", ("c", 1): "new"}


def test_newest_fetch_in_a_run_wins(archive):
    archive.publish("demo", "r1", [], [article("a", text="old words", fetched=T0),
                                       article("a", text="new words", fetched=T0 + timedelta(hours=1))])
    assert [r["text"] for r in rows(archive)] == ["new words"]


def test_each_publish_is_one_commit_per_table_with_the_run_id(archive):
    archive.publish("demo", "r1", [capture("c1")], [article("a")])
    v1 = archive.table(ARTICLES_KEY).version()
    archive.publish("demo", "r2", [capture("c2", "r2")], [article("a", title="T2", run="r2")])
    table = archive.table(ARTICLES_KEY)
    assert table.version() == v1 + 1
    log = archive.store.get_bytes(f"{ARTICLES_KEY}/_delta_log/{table.version():020d}.json").decode()
    commit = next(json.loads(line)["commitInfo"] for line in log.splitlines() if "commitInfo" in line)
    assert commit["newsarchive.run_id"] == "r2"
    old = DeltaTable(archive.store.table_uri(ARTICLES_KEY), version=v1,
                     storage_options=archive.store.storage_options())
    assert old.to_pyarrow_table().num_rows == 1                                     # time travel


def test_change_kind():
    assert change_kind(None, {}) == "new"
    old = {"title": "a", "text_hash": "1"}
    assert change_kind(old, {"title": "b", "text_hash": "1"}) == "headline"
    assert change_kind(old, {"title": "a", "text_hash": "2"}) == "body"
    assert change_kind(old, {"title": "a", "text_hash": "1"}) == "metadata"
