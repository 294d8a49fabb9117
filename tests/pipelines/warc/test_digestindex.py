"""Deduplication across runs: a second crawl of the unchanged demo site, made with the
digest index the first run left in the store, writes revisit records."""
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable
from warcio.archiveiterator import ArchiveIterator

from pipelines.warc import digestindex

WARCIO = str(Path(sys.executable).with_name("warcio"))
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


def records(store, keys):
    for key in keys:
        with store.open(key) as stream:
            for record in ArchiveIterator(stream):
                record.content_stream().read()
                yield record


def by_url(store, keys, kind):
    return {r.rec_headers.get_header("WARC-Target-URI"): r for r in records(store, keys) if r.rec_type == kind}


@pytest.fixture(scope="module")
def runs(warc_archive):
    store, keys = warc_archive["store"], warc_archive["runs"]
    return store, keys["first"], keys["second"]


def test_every_unchanged_page_is_a_revisit(runs):
    store, first, second = runs
    originals = {u: r for u, r in by_url(store, first, "response").items()
                 if r.http_headers.get_statuscode() == "200"}
    revisits = by_url(store, second, "revisit")
    assert len(originals) > 400
    assert set(originals) == set(revisits), "every 200 page and asset of an unchanged site is a revisit"
    full = by_url(store, second, "response")
    assert all(r.http_headers.get_statuscode() != "200" for r in full.values())


def test_revisit_records_refer_to_the_earlier_capture(runs):
    store, first, second = runs
    originals = by_url(store, first, "response")
    for url, revisit in by_url(store, second, "revisit").items():
        original, headers = originals[url], revisit.rec_headers
        # articles are re-checked conditionally (304), everything else fetched and compared
        status = "304" if headers.get_header("WARC-Profile") == NOT_MODIFIED_PROFILE else "200"
        assert headers.get_header("WARC-Profile") == {"304": NOT_MODIFIED_PROFILE, "200": REVISIT_PROFILE}[status]
        assert headers.get_header("WARC-Refers-To-Target-URI") == url
        assert headers.get_header("WARC-Refers-To-Date") == original.rec_headers.get_header("WARC-Date")
        assert headers.get_header("WARC-Refers-To") == original.rec_headers.get_header("WARC-Record-ID")
        assert headers.get_header("WARC-Payload-Digest") == original.rec_headers.get_header("WARC-Payload-Digest")
        assert revisit.http_headers.get_statuscode() == status        # the headers as received, no body


def test_articles_are_re_checked_with_their_validators_and_304s_are_revisits(runs):
    store, first, second = runs
    originals = by_url(store, first, "response")
    sent = {r.rec_headers.get_header("WARC-Target-URI"): r.http_headers for r in records(store, second)
            if r.rec_type == "request"}
    not_modified = {u: r for u, r in by_url(store, second, "revisit").items()
                    if r.rec_headers.get_header("WARC-Profile") == NOT_MODIFIED_PROFILE}
    assert len(not_modified) == 240                                    # every article of the demo site
    for url in not_modified:
        assert sent[url].get_header("If-None-Match") == originals[url].http_headers.get_header("ETag")
        assert sent[url].get_header("If-Modified-Since") == originals[url].http_headers.get_header("Last-Modified")
    cdn = [u for u in by_url(store, second, "revisit") if "//127.0.0.2:" in u]
    assert len(cdn) > 400       # requisites of 304 pages are still fetched, and are revisits


def test_second_crawl_is_under_a_fifth_of_the_first(runs):
    store, first, second = runs
    size = lambda keys: sum(store.stat(k).size for k in keys)
    assert size(second) < 0.2 * size(first), (size(second), size(first))


def test_revisit_warcs_pass_warcio_check(runs, tmp_path):
    store, _, second = runs
    for key in second:
        local = tmp_path / Path(key).name
        local.write_bytes(store.get_bytes(key))
        result = subprocess.run([WARCIO, "check", "-v", str(local)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout[-2000:]


def test_captures_tell_revisits_apart_and_nothing_is_re_extracted(warc_archive):
    store = warc_archive["store"]
    captures = DeltaTable(store.table_uri("captures")).to_pandas()
    second = captures[captures.run_id == "second"]
    revisits = second[second.record_type == "revisit"]
    assert len(revisits) > 400
    assert set(revisits.skip_reason) == {"revisit record"}
    articles = DeltaTable(store.table_uri("articles")).to_pandas()
    assert len(articles) == 240 and set(articles.run_id) == {"first"}   # no new versions


def test_index_holds_the_latest_full_capture_of_each_url(runs):
    store, first, _ = runs
    index = digestindex.load(store, "demo")
    originals = by_url(store, first, "response")
    for url, row in index.items():
        original = originals[url]
        assert row["record_id"] == original.rec_headers.get_header("WARC-Record-ID")
        assert row["payload_digest"] == original.rec_headers.get_header("WARC-Payload-Digest")
        assert row["warc_key"] in first
    assert digestindex.update(store, "demo", first) == len(index)      # folding again changes nothing
    assert digestindex.load(store, "demo") == index


def test_download_for_a_crawl(runs, tmp_path):
    store, _, _ = runs
    path = digestindex.download(store, "demo", tmp_path / "d.parquet")
    assert pq.read_table(path).num_rows == len(digestindex.load(store, "demo"))
    assert digestindex.download(store, "no-such-site", tmp_path / "x.parquet") is None
