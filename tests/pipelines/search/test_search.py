"""Search over a small archive written by the real publish: queries, versions, time travel,
incremental updates that index each version once, a rebuild, withheld articles, and an index
shared through an S3 store."""
import time
from datetime import datetime, timedelta, timezone

import pytest

from pipelines.access.rules import Rule, Withheld
from pipelines.archive.writer import Archive
from pipelines.search.files import IndexFiles
from pipelines.search.indexer import Indexer
from pipelines.search.query import SearchError, Searcher, SearchQuery, expand_fields
from pipelines.store import open_store
from tests.pipelines.archive.test_writer import T0, article, capture

LATER = T0 + timedelta(days=2)


def story(aid, title, text, lang="en", fetched=T0, run="r1", **extra):
    row = article(aid, title=title, text=text, fetched=fetched, run=run)
    return row | {"language": lang, "url": f"http://news.test/{aid}/", "canonical_url": f"http://news.test/{aid}/"} | extra


FIRST = [story("a1", "Drone attacks hit Kharkiv overnight", "Russian drones attacked the city's power grid."),
         story("a2", "Council approves the budget", "The city council voted on the budget for schools.",
               authors=["Olena Petrenko"], section="politics"),
         story("a3", "Атака на Харків", "Російські війська атакували місто вночі.", lang="uk"),
         story("a4", "Атаки на энергосистему", "Ракетные атаки повредили электростанции.", lang="ru")]


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "store")
    Archive(store).publish("demo", "r1", [capture("c1")], FIRST)
    return store


def revise(store):
    """Version 2 of a1, two days later."""
    Archive(store).publish("demo", "r2", [capture("c2", "r2")], [
        story("a1", "Drone attacks hit Kharkiv and Sumy", "Russian drones attacked the power grid of two cities.",
              fetched=LATER, run="r2")])


def titles(hits):
    return [h.title for h in hits]


def search(store, text, **options):
    return Searcher(store, **{k: options.pop(k) for k in ("withheld",) if k in options}).search(
        SearchQuery(text, **options))


def test_words_phrases_fields_and_stemming(store):
    Indexer(store).update()
    assert titles(search(store, "attack kharkiv")) == ["Drone attacks hit Kharkiv overnight"]     # stemmed
    assert titles(search(store, '"power grid"')) == ["Drone attacks hit Kharkiv overnight"]
    assert search(store, '"grid power"') == []                                                   # a phrase is ordered
    assert titles(search(store, 'author:"Olena Petrenko"')) == ["Council approves the budget"]
    assert titles(search(store, "section:politics")) == ["Council approves the budget"]
    assert titles(search(store, "title:budget")) == ["Council approves the budget"]
    assert search(store, "title:schools") == []                                                  # in the body only
    assert titles(search(store, "атака")) == ["Атаки на энергосистему", "Атака на Харків"] or \
        set(titles(search(store, "атака"))) == {"Атаки на энергосистему", "Атака на Харків"}
    assert titles(search(store, "электростанция")) == ["Атаки на энергосистему"]                 # Russian stemmer


def test_a_hit_has_its_capture_and_a_highlighted_snippet(store):
    Indexer(store).update()
    hit = search(store, "council budget")[0]
    assert hit.version == 1 and hit.site == "demo" and hit.fetched_at == T0 and hit.published == T0
    assert "[[council]]" in hit.snippet.lower() and "<b>" in hit.snippet_html
    assert hit.replay_path == f"/demo/{T0:%Y%m%d%H%M%S}/http://news.test/a2/"


def test_latest_all_versions_and_as_of(store):
    between = datetime.now(timezone.utc)        # as-of reads the archive as it was then (as the reader)
    time.sleep(0.05)
    revise(store)
    Indexer(store).update()
    assert [(h.title, h.version) for h in search(store, "drone")] == [("Drone attacks hit Kharkiv and Sumy", 2)]
    assert sorted(h.version for h in search(store, "drone", all_versions=True)) == [1, 2]
    # the old wording matches only version 1, which is not the version shown now
    assert search(store, "overnight") == []
    assert [h.version for h in search(store, "overnight", all_versions=True)] == [1]
    assert [h.version for h in search(store, "drone", as_of=between)] == [1]
    assert [h.version for h in search(store, "overnight", as_of=between)] == [1]
    assert [h.version for h in search(store, "drone", as_of=1)] == [1]       # a table version
    assert [h.version for h in search(store, "drone", as_of=2)] == [2]
    assert search(store, "drone", as_of=datetime(2000, 1, 1, tzinfo=timezone.utc)) == []


def test_site_and_date_filters(store):
    Indexer(store).update()
    assert search(store, "council", site="other") == []
    assert len(search(store, "council", since=T0 - timedelta(days=1), until=T0 + timedelta(days=1))) == 1
    assert search(store, "council", since=T0 + timedelta(seconds=1)) == []
    assert search(store, "council", until=T0) == []                        # until is exclusive


def test_updates_index_each_version_once(store):
    first = Indexer(store).update()
    assert (first.indexed, first.rebuilt) == (4, True)
    assert Indexer(store).update().indexed == 0                            # nothing new: nothing done
    revise(store)
    second = Indexer(store).update()
    assert second.indexed == 1 and not second.rebuilt
    again = Indexer(store)
    again.files.pull()
    assert _documents(store) == 5
    rebuilt = Indexer(store).rebuild()
    assert rebuilt.indexed == 5 and _documents(store) == 5
    assert sorted(h.version for h in search(store, "drone", all_versions=True)) == [1, 2]


def _documents(store) -> int:
    from pipelines.search.schema import open_index

    index = open_index(IndexFiles(store).pull())
    index.reload()
    return index.searcher().num_docs - 1                                   # less the bookmark


def test_withheld_articles_are_left_out(store):
    Indexer(store).update()
    rules = Withheld([Rule("td-1", "https://NEWS.test/a2")])
    assert search(store, "council", withheld=rules) == []
    assert search(store, "budget OR drone", withheld=rules)[0].title.startswith("Drone")
    prefix = Withheld([Rule("td-2", "http://news.test/a*")])
    assert search(store, "drone OR council", withheld=prefix) == []


def test_bad_queries_and_no_index(store):
    with pytest.raises(SearchError, match="reindex-search"):
        Searcher(store)
    Indexer(store).update()
    with pytest.raises(SearchError, match="cannot read the query"):
        search(store, 'title:(')
    with pytest.raises(SearchError, match="empty"):
        search(store, "  ")


def test_field_aliases_cover_every_language():
    assert expand_fields('title:"a b" kharkiv body:x', ["en", "xx"]) == \
        '(title_en:"a b" OR title_xx:"a b") kharkiv (text_en:x OR text_xx:x)'


@pytest.mark.s3
def test_an_s3_store_shares_its_index_between_workers(s3_store, tmp_path):
    Archive(s3_store).publish("demo", "r1", [capture("c1")], FIRST)
    Indexer(s3_store, IndexFiles(s3_store, cache=tmp_path / "worker1")).update()
    assert any(o.key.endswith("meta.json") for o in s3_store.list("search/index/"))
    revise(s3_store)
    Indexer(s3_store, IndexFiles(s3_store, cache=tmp_path / "worker2")).update()    # another machine
    reader = Searcher(s3_store, files=IndexFiles(s3_store, cache=tmp_path / "worker3"))
    assert sorted(h.version for h in reader.search(SearchQuery("drone", all_versions=True))) == [1, 2]
    again = Indexer(s3_store, IndexFiles(s3_store, cache=tmp_path / "worker1")).update()   # a stale cache
    assert again.indexed == 0


def test_a_compaction_is_not_indexed_again_but_rows_it_holds_first_are(store):
    from pipelines.archive.maintain import maintain

    Indexer(store).update()
    maintain(store, retention_days=0)                # rewrites the files (Z-order): no new rows
    assert Indexer(store).update().indexed == 0
    revise(store)
    maintain(store, retention_days=0)                # the revision's file is compacted away first
    assert Indexer(store).update().indexed >= 1
    assert _documents(store) == 5
    assert sorted(h.version for h in search(store, "drone", all_versions=True)) == [1, 2]
