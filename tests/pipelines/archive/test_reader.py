from datetime import timedelta

import duckdb
import pytest

from pipelines.archive.tables import ARTICLES_TABLE
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


# -- states as captured: reverts, alternation, revisits -----------------------------------
import random  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

from tests.pipelines.archive.test_writer import page, revisit_of  # noqa: E402

HOUR = timedelta(hours=1)
TITLES = {"A": "Hryvnia weakens to 40.12 per dollar", "B": "Hryvnia slides to 40.12 per dollar"}


def flipping_runs() -> list[tuple[str, list, list]]:
    """Six runs an hour apart: article `a` shows A, B, A, B, A, B; `s` never changes, its
    later runs are revisits (identical payload) and 304s; `r` is reverted once."""
    runs = []
    for n in range(6):
        run, at = f"r{n}", T0 + n * HOUR
        cap_a, art_a = page(f"a{n}", "a", f"sha1:{'AB'[n % 2]}", at, run, title=TITLES["AB"[n % 2]])
        caps, arts = [cap_a], [art_a]
        if n == 0:
            cap_s, art_s = page("s0", "s", "sha1:S", at, run)
            caps, arts = caps + [cap_s], arts + [art_s]
        else:
            again = revisit_of(f"s{n}", "s", "sha1:S", at, run)
            caps.append({**again, "status": 304} if n % 2 else again)
        content = "R2" if n in (2, 3) else "R1"
        cap_r, art_r = page(f"rr{n}", "r", f"sha1:{content}", at, run, text=f"Text {content}.")
        runs.append((run, caps + [cap_r], arts + [art_r]))
    return runs


def test_show_at_every_time_gives_the_content_captured_last_whatever_the_publish_order(tmp_path):
    runs = flipping_runs()
    random.Random(3).shuffle(runs)                        # revisits land before the capture they confirm
    store = open_store(tmp_path / "store")
    for run, caps, arts in runs:
        Archive(store).publish("demo", run, caps, arts)
    reader = open_archive(store)
    for n in range(6):
        for at in (T0 + n * HOUR, T0 + n * HOUR + HOUR / 2):
            shown = reader.show("http://x/a", at=at.isoformat())
            assert shown["title"] == TITLES["AB"[n % 2]], (n, at)
            assert shown["seen_at"] == T0 + n * HOUR
            assert reader.show("http://x/r", at=at)["text"] == ("Text R2." if n in (2, 3) else "Text R1.")
    assert len(reader.versions()) == 2 + 1 + 2            # one row per distinct content


def test_history_lists_every_state_with_returns_and_the_alternation_flag(tmp_path):
    store = open_store(tmp_path / "store")
    for run, caps, arts in flipping_runs():
        Archive(store).publish("demo", run, caps, arts)
        if run == "r3":
            time.sleep(0.01)
            after_four = datetime.now(timezone.utc)
            time.sleep(0.01)
    reader = open_archive(store)
    history = reader.history("http://x/a")
    assert list(history["version"]) == [1, 2, 1, 2, 1, 2]
    assert list(history["returns"]) == [False, False, True, True, True, True]
    assert list(history["change"]) == ["new"] + ["headline"] * 5
    assert list(history["first_seen"]) == [T0 + n * HOUR for n in range(6)]
    assert history["alternating"].all() and history["variant"].all()
    steady = reader.history("http://x/s")                   # revisits and 304s: sightings of its one state
    assert len(steady) == 1 and steady["sightings"].iloc[0] == 6 and steady["last_seen"].iloc[0] == T0 + 5 * HOUR
    reverted = reader.history("http://x/r")
    assert list(reverted["returns"]) == [False, False, True] and not reverted["alternating"].any()
    newest = reader.articles().set_index("article_id")
    assert newest.loc["a", "title"] == TITLES["B"] and newest.loc["r", "text"] == "Text R1."
    assert newest.loc["a", "alternating"] and list(newest.loc["a", "variants"]) == [1, 2]
    assert not newest.loc["r", "alternating"] and not newest.loc["s", "alternating"]
    then = open_archive(store, as_of=after_four).articles().set_index("article_id")   # after four runs
    assert then.loc["a", "title"] == TITLES["B"] and then.loc["r", "text"] == "Text R2."
    assert then.loc["a", "last_seen"] == T0 + 3 * HOUR


def test_a_reclean_reads_the_same_states_through_the_captures_that_first_showed_its_versions(tmp_path):
    store = open_store(tmp_path / "store")
    for run, caps, arts in flipping_runs():
        Archive(store).publish("demo", run, caps, arts)
    # a new extractor's rows of the first capture of each content, as a re-clean writes them
    recleaned = [{**row, "extractor": "x/2", "content_hash": row["content_hash"] + "-2", "run_id": "reclean"}
                 for row in open_archive(store).dataset().to_table().to_pylist()]
    Archive(store).publish("demo", "reclean", [], recleaned)
    reader = open_archive(store)
    assert len(reader.versions(extractor="x/2")) == 5
    history = reader.history("http://x/a")
    assert list(history["version"]) == [1, 2, 1, 2, 1, 2] and set(history["extractor"]) == {"x/2"}
    assert reader.show("http://x/a", at=T0 + 2 * HOUR)["title"] == TITLES["A"]


def test_a_table_version_reads_the_captures_committed_before_the_next_articles_commit(tmp_path):
    store = open_store(tmp_path / "store")
    runs = flipping_runs()
    for run, caps, arts in runs[:2]:
        Archive(store).publish("demo", run, caps, arts)
    second = Archive(store).table(ARTICLES_TABLE).version()
    run, caps, arts = runs[2]                            # A again, and r's new content: an articles commit
    Archive(store).publish("demo", run, caps, arts)
    assert Archive(store).table(ARTICLES_TABLE).version() == second + 1
    then = open_archive(store, as_of=second)
    assert then.show("http://x/a")["title"] == TITLES["B"]
    assert len(then.history("http://x/a")) == 2
    assert open_archive(store).show("http://x/a")["title"] == TITLES["A"]
