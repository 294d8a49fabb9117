from io import BytesIO

from warcio.archiveiterator import ArchiveIterator

from pipelines.clean.step import clean_warcs
from pipelines.store import open_store
from spiders.siteconfig import load_site


def test_clean_turns_a_crawl_into_captures_and_articles(demo_site, demo_crawl, tmp_path):
    summary, files = demo_crawl
    store = open_store(tmp_path / "store")
    keys = []
    for path in files:
        key = f"warcs/demo/{path.name}"
        store.put_file(path, key)
        keys.append(key)
    site = load_site("demo").with_base_url(demo_site.base_url)
    result = clean_warcs(store, keys, site, "run-1")

    failures = [c for c in result.captures if (c["skip_reason"] or "").startswith("fetch failed")]
    assert len(failures) == 5 and len(result.captures) == summary["responses"] + 5   # robots-refused photos
    assert len(result.articles) == len(demo_site.articles())
    by_url = {c["url"]: c for c in result.captures}
    assert by_url[demo_site.base_url + "/robots.txt"]["skip_reason"] == "not HTML (text/plain)"
    assert by_url[demo_site.base_url + "/latest/"]["skip_reason"] == "HTTP status 301"
    assert by_url[demo_site.base_url + "/"]["skip_reason"] == "not an article URL"
    assert all(c["skip_reason"] or c["article_id"] for c in result.captures)

    # every article row points at the very record it came from
    row = result.articles[0]
    member = store.open_range(row["warc_key"], row["warc_offset"], row["warc_length"])
    record = next(iter(ArchiveIterator(BytesIO(member))))
    assert record.rec_headers.get_header("WARC-Record-ID") == row["warc_record_id"]
    assert record.rec_headers.get_header("WARC-Target-URI") == row["url"]


def test_a_pool_of_workers_cleans_to_the_same_rows_in_the_same_order(demo_site, demo_crawl, tmp_path):
    _, files = demo_crawl
    store = open_store(tmp_path / "store")
    keys = [store.put_file(path, f"warcs/demo/{path.name}").key for path in files]
    site = load_site("demo").with_base_url(demo_site.base_url)
    one = clean_warcs(store, keys, site, "run-1", template_version=None, workers=1)
    pooled = clean_warcs(store, keys, site, "run-1", template_version=1, workers=2)
    assert len(one.articles) == len(demo_site.articles())
    assert pooled.captures == one.captures and pooled.articles == one.articles


def test_a_pool_learns_the_same_template_and_cleans_to_the_same_rows(demo_site, demo_crawl, tmp_path, monkeypatch):
    """Learning and cleaning both on the workers, over many small slices."""
    import pipelines.clean.pool
    from pipelines.clean.sitetemplate import TemplateStore

    monkeypatch.setattr(pipelines.clean.pool, "CHUNK", 3)
    _, files = demo_crawl
    site = load_site("demo").with_base_url(demo_site.base_url)
    results, templates = [], []
    for workers in (1, 2):
        store = open_store(tmp_path / f"store-{workers}")
        keys = [store.put_file(path, f"warcs/demo/{path.name}").key for path in files]
        results.append(clean_warcs(store, keys, site, "run-1", workers=workers))
        templates.append(TemplateStore(store).load("demo").to_json())
    one, pooled = results
    assert len(one.articles) == len(demo_site.articles()) and len(one.captures) > 2 * 3
    assert pooled.captures == one.captures and pooled.articles == one.articles
    assert templates[0] == templates[1]
