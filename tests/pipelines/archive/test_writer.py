import json
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from pipelines.archive import datafiles, runrows, writer
from pipelines.archive.writer import Archive, PublishResult, change_kind
from pipelines.clean.fingerprint import fingerprint
from pipelines.store import open_store
from pipelines.archive.tables import ARTICLES, ARTICLES_TABLE, CAPTURES, CAPTURES_TABLE

T0 = datetime(2024, 7, 4, 6, 22, tzinfo=timezone.utc)


def article(aid: str, title: str = "Title", text: str = "Body text.", fetched: datetime = T0, run="r1") -> dict:
    row = {name: None for name in ARTICLES.names}
    content = {"title": title, "text": text, "authors": ["A"], "published": T0, "modified": None,
               "language": "en", "section": "news", "description": None}
    row.update(content, site="demo", article_id=aid, url=f"http://x/{aid}", canonical_url=f"http://x/{aid}",
               content_hash=fingerprint(content), text_hash=fingerprint({"text": text}),
               fetched_at=fetched, run_id=run, word_count=len(text.split()), extractor="x/1")
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


def rows(archive: Archive, key: str = ARTICLES_TABLE) -> list[dict]:
    order = ["article_id", "version"] if key == ARTICLES_TABLE else ["record_id"]
    return archive.table(key).to_pyarrow_table().sort_by([(c, "ascending") for c in order]).to_pylist()


def test_first_publish_creates_version_one(archive):
    result = archive.publish("demo", "r1", [capture("c1"), capture("c2")], [article("a"), article("b")])
    assert (result.versions_added, result.new_articles, result.captures_added) == (2, 2, 2)
    assert [(r["article_id"], r["version"], r["change"]) for r in rows(archive)] == [("a", 1, "new"), ("b", 1, "new")]
    assert len(rows(archive, CAPTURES_TABLE)) == 2


def test_unchanged_content_adds_nothing_and_rerun_is_idempotent(archive):
    first = archive.publish("demo", "r1", [capture("c1")], [article("a")])
    again = archive.publish("demo", "r1", [capture("c1")], [article("a")])       # same run again
    later = archive.publish("demo", "r2", [capture("c2", "r2")], [article("a", run="r2")])
    assert (again.versions_added, later.versions_added) == (1, 0)    # a retry reports what the run added
    assert again.__dict__ == first.__dict__                          # ... and where, from the commit info
    assert len(rows(archive)) == 1
    assert len(rows(archive, CAPTURES_TABLE)) == 2                                   # c1 once, c2


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


def test_every_content_seen_in_a_run_is_kept_in_time_order(archive):
    archive.publish("demo", "r1", [], [article("a", text="new words", fetched=T0 + timedelta(hours=1)),
                                       article("a", text="old words", fetched=T0),
                                       article("a", text="new words", fetched=T0 + timedelta(hours=2))])
    assert [(r["version"], r["text"]) for r in rows(archive)] == [(1, "old words"), (2, "new words")]


def test_a_return_to_earlier_content_is_not_a_new_version(archive):
    archive.publish("demo", "r1", [], [article("a", text="first")])
    archive.publish("demo", "r2", [], [article("a", text="second", fetched=T0 + timedelta(days=1))])
    result = archive.publish("demo", "r3", [], [article("a", text="first", fetched=T0 + timedelta(days=2))])
    assert result.versions_added == 0 and len(rows(archive)) == 2


def test_each_publish_is_one_commit_per_table_with_the_run_id(archive):
    archive.publish("demo", "r1", [capture("c1")], [article("a")])
    v1 = archive.table(ARTICLES_TABLE).version()
    archive.publish("demo", "r2", [capture("c2", "r2")], [article("a", title="T2", run="r2")])
    table = archive.table(ARTICLES_TABLE)
    assert table.version() == v1 + 1
    log = archive.store.get_bytes(f"{ARTICLES_TABLE}/_delta_log/{table.version():020d}.json").decode()
    commit = next(json.loads(line)["commitInfo"] for line in log.splitlines() if "commitInfo" in line)
    assert commit["newsarchive.run_id"] == "r2"
    old = DeltaTable(archive.store.table_uri(ARTICLES_TABLE), version=v1,
                     storage_options=archive.store.storage_options())
    assert old.to_pyarrow_table().num_rows == 1                                     # time travel


def test_change_kind():
    assert change_kind(None, {}) == "new"
    old = {"title": "a", "text_hash": "1"}
    assert change_kind(old, {"title": "b", "text_hash": "1"}) == "headline"
    assert change_kind(old, {"title": "a", "text_hash": "2"}) == "body"
    assert change_kind(old, {"title": "a", "text_hash": "1"}) == "metadata"


def publish_together(archive: Archive, jobs: list[tuple[str, list[dict], list[dict]]]) -> list:
    """Start every publish at the same moment, each through its own Archive object."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, run_id, caps, arts):
        barrier.wait()
        try:
            results[i] = Archive(archive.store).publish("demo", run_id, caps, arts)
        except Exception as exc:   # surfaced by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_concurrent_publishes_lose_no_rows(archive):
    archive.ensure_tables()
    jobs = [(f"r{n}", [capture(f"c{n}-{i}", f"r{n}") for i in range(3)],
             [article(f"a{n}-{i}", run=f"r{n}") for i in range(5)]) for n in range(3)]
    results = publish_together(archive, jobs)
    assert all(isinstance(r, PublishResult) for r in results), results
    assert len(rows(archive)) == 15 and len(rows(archive, CAPTURES_TABLE)) == 9


def test_the_same_run_published_twice_at_once_lands_once(archive):
    archive.ensure_tables()
    job = ("r1", [capture("c1")], [article("a"), article("b")])
    results = publish_together(archive, [job, job])
    assert all(isinstance(r, PublishResult) for r in results), results
    assert [r.versions_added for r in results] == [2, 2]        # each reports what the run added
    assert max(r.attempts for r in results) > 1          # the loser really had to plan again
    assert len(rows(archive)) == 2 and len(rows(archive, CAPTURES_TABLE)) == 1


def test_trivia_do_not_make_versions(archive):
    archive.publish("demo", "r1", [], [article("a", text="Body text. Updated 5 minutes ago")])
    result = archive.publish("demo", "r2", [], [article("a", text="Body\u00a0 text.\u200b Updated 2 hours ago")])
    assert result.versions_added == 0


def page(rid: str, aid: str, digest: str, fetched: datetime, run: str, **fields) -> tuple[dict, dict]:
    """A response capture of http://x/<aid> with payload `digest`, and its article row."""
    row = article(aid, fetched=fetched, run=run, **fields)
    cap = {**capture(rid, run), "url": row["url"], "fetched_at": fetched, "record_type": "response",
           "payload_digest": digest, "article_id": aid, "content_hash": row["content_hash"]}
    return cap, {**row, "warc_record_id": rid}


def revisit_of(rid: str, aid: str, digest: str, fetched: datetime, run: str) -> dict:
    return {**capture(rid, run), "url": f"http://x/{aid}", "fetched_at": fetched, "record_type": "revisit",
            "payload_digest": digest}


def test_a_revisit_gets_the_content_of_the_capture_whose_payload_it_confirms(archive):
    """Not the newest version's: after A, B, a revisit of A's payload showed A (the old rule
    gave it B, the version first seen last)."""
    day = timedelta(days=1)
    cap_a, art_a = page("c1", "a", "sha1:A", T0, "r1")
    cap_b, art_b = page("c2", "a", "sha1:B", T0 + day, "r2", title="Other title")
    archive.publish("demo", "r1", [cap_a], [art_a])
    archive.publish("demo", "r2", [cap_b], [art_b])
    archive.publish("demo", "r3", [revisit_of("c3", "a", "sha1:A", T0 + 2 * day, "r3")], [])
    got = {r["record_id"]: r for r in rows(archive, CAPTURES_TABLE)}
    assert (got["c3"]["article_id"], got["c3"]["content_hash"]) == ("a", art_a["content_hash"])


def staged(tmp_path, name: str, data: list[dict], schema) -> Path:
    path = tmp_path / f"{name}.parquet"
    pq.write_table(pa.Table.from_pylist(data, schema=schema), path, row_group_size=3)
    return path


def test_a_run_planned_in_slices_and_written_in_many_files_is_one_commit_per_table(tmp_path, monkeypatch):
    first = [article(f"a{n:02d}") for n in range(25)]
    later = [article(f"a{n:02d}", text="Body text, corrected.", fetched=T0 + timedelta(days=1), run="r2")
             for n in range(0, 25, 2)] + [article("new", run="r2")]
    caps = [capture(f"c{n:02d}", "r2") for n in range(7)]
    whole = Archive(open_store(tmp_path / "whole"))                  # one slice, one file per table
    for run, arts in (("r1", first), ("r2", later)):
        whole.publish("demo", run, caps if run == "r2" else [], arts)
    monkeypatch.setattr(runrows, "SLICE_ROWS", 4)
    monkeypatch.setattr(datafiles, "FILE_BYTES", 1)                  # a file per batch of rows
    monkeypatch.setattr(datafiles, "READ_ROWS", 5)
    sliced = Archive(open_store(tmp_path / "sliced"))
    sliced.publish("demo", "r1", [], staged(tmp_path, "r1", first, ARTICLES))
    before = sliced.table(ARTICLES_TABLE).version()
    result = sliced.publish("demo", "r2", staged(tmp_path, "caps", caps, CAPTURES),
                            staged(tmp_path, "r2", later, ARTICLES))
    assert (result.versions_added, result.new_articles, result.changed_articles) == (14, 1, 13)
    assert sliced.table(ARTICLES_TABLE).version() == before + 1
    assert len(sliced.table(ARTICLES_TABLE).file_uris()) > 3
    assert rows(sliced) == rows(whole) and rows(sliced, CAPTURES_TABLE) == rows(whole, CAPTURES_TABLE)


class Killed(BaseException):
    """The process dies: nothing catches it."""


def test_a_publish_killed_between_uploading_its_files_and_committing_them_lands_once_on_retry(archive, monkeypatch):
    def die(*args, **kwargs):
        raise Killed()

    with monkeypatch.context() as patched:
        patched.setattr(writer, "commit", die)
        with pytest.raises(Killed):
            archive.publish("demo", "r1", [capture("c1")], [article("a"), article("b")])
    uploaded = [o.key for o in archive.store.list(f"{ARTICLES_TABLE}/site=demo/")]
    assert uploaded and rows(archive) == []                         # uploaded, not visible
    result = archive.publish("demo", "r1", [capture("c1")], [article("a"), article("b")])
    assert result.versions_added == 2 and len(rows(archive)) == 2 and len(rows(archive, CAPTURES_TABLE)) == 1
    assert not set(uploaded) & {f"{ARTICLES_TABLE}/{p}" for p in archive.table(ARTICLES_TABLE).file_uris()}


def test_a_table_made_before_a_column_was_added_gains_it(tmp_path):
    archive = Archive(open_store(tmp_path / "store"))
    old_schema = pa.schema([f for f in ARTICLES if f.name != "markdown"])
    DeltaTable.create(archive.store.table_uri(ARTICLES_TABLE), schema=old_schema, partition_by=["site"])
    old = {k: v for k, v in article("a").items() if k != "markdown"}
    write_deltalake(archive.store.table_uri(ARTICLES_TABLE), pa.Table.from_pylist([{**old, "version": 1,
                    "change": "new"}], schema=old_schema), mode="append")
    archive.publish("demo", "r2", [], [article("b") | {"markdown": "Body *text*."}])
    assert "markdown" in archive.table(ARTICLES_TABLE).schema().to_arrow().names
    assert [(r["article_id"], r["markdown"]) for r in rows(archive)] == [("a", None), ("b", "Body *text*.")]


def test_planning_the_first_fetch_of_each_content_gives_the_whole_runs_plan():
    """An article fetched under many URLs in a run (the same content, or a few): folding the
    run to each content's first fetch, as publish does while reading, changes no planned row."""
    import random
    rng = random.Random(7)
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    fetches = [{"article_id": f"a{rng.randrange(5)}", "content_hash": f"h{rng.randrange(3)}",
                "fetched_at": t0 + timedelta(minutes=rng.randrange(40)), "url": f"u{n}", "title": "T",
                "text_hash": "x"} for n in range(400)]
    stored = {"a0": [{"article_id": "a0", "content_hash": "h1", "version": 1, "change": "new",
                      "fetched_at": t0 + timedelta(minutes=10), "title": "T", "text_hash": "x"}]}
    whole = writer.plan_versions(fetches, stored)
    folded = writer.first_fetches(fetches[:150])
    folded = writer.first_fetches(folded + fetches[150:])
    assert len(folded) <= 15
    assert writer.plan_versions(folded, stored) == whole
    assert whole[1]["versions_added"] > 0
