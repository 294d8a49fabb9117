import pipelines.clean.step
from pipelines.archive.reader import open_archive
from pipelines.run.reclean import reclean
from spiders.runids import RunId
from pipelines.store import open_store
from spiders.siteconfig import load_site


def test_reclean_adds_rows_for_a_new_extractor_and_keeps_the_old(demo_site, demo_crawl, tmp_path, monkeypatch):
    _, files = demo_crawl
    store = open_store(tmp_path / "store")
    for path in files:
        store.put_file(path, f"warcs/demo/2024/07/05/{path.name}")
    site = load_site("demo").with_base_url(demo_site.base_url)

    first = reclean(store, site, RunId.new())
    assert first.versions_added == len(demo_site.articles())
    again = reclean(store, site, RunId.new())                 # same extractor: nothing new
    assert again.versions_added == 0

    monkeypatch.setattr(pipelines.clean.step, "EXTRACTOR_VERSION", "newsarchive-extract/next")
    monkeypatch.setenv("NEWSARCHIVE_CLEAN_WORKERS", "1")      # the patch above is in this process only
    newer = reclean(store, site, RunId.new())
    assert newer.versions_added == len(demo_site.articles())
    rows = open_archive(store).dataset().to_table(columns=["extractor"]).column(0).to_pylist()
    assert {str(e) for e in rows} == {pipelines.clean.extract.EXTRACTOR_VERSION, "newsarchive-extract/next"}
    assert len(open_archive(store).versions(extractor=pipelines.clean.extract.EXTRACTOR_VERSION)) == len(demo_site.articles())
