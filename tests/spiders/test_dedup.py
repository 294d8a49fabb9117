"""The crawl's digest index: earlier runs' captures from the Parquet file, this run's on top,
kept in a SQLite file of the crawl's folder."""
import sqlite3

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spiders import dedup
from spiders.dedup import COLUMNS, FILE_NAME, SCHEMA, DigestIndex
from spiders.warcrecords import EarlierCapture

ROWS = [
    {"url": "http://x/a/", "payload_digest": "sha1:A", "warc_date": "2026-01-01T00:00:00Z", "record_id": "<urn:a>",
     "warc_key": "k1", "etag": '"a1"', "last_modified": None, "requisites": ["http://x/s.css", "http://x/i.png"]},
    {"url": "http://x/b/", "payload_digest": "sha1:B", "warc_date": "2026-01-02T00:00:00Z", "record_id": "<urn:b>",
     "warc_key": "k1", "etag": None, "last_modified": "Fri, 02 Jan 2026 00:00:00 GMT", "requisites": None},
    {"url": "http://x/s.css", "payload_digest": "sha1:S", "warc_date": "2026-01-01T00:00:01Z", "record_id": "<urn:s>",
     "warc_key": "k1", "etag": None, "last_modified": None, "requisites": None},
]


@pytest.fixture
def index_file(tmp_path):
    path = tmp_path / "digests.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS, schema=SCHEMA), path, row_group_size=2)
    return path


def test_earlier_runs_answer_digests_validators_and_requisites(index_file, tmp_path, monkeypatch):
    monkeypatch.setattr(dedup, "LOAD_BATCH", 2)            # read in batches, every row kept
    index = DigestIndex.load(index_file, tmp_path)
    assert len(index) == 3
    assert index.unchanged("http://x/a/", "sha1:A") == EarlierCapture("http://x/a/", "sha1:A",
                                                                      "2026-01-01T00:00:00Z", "<urn:a>")
    assert index.unchanged("http://x/a/", "sha1:Z") is None and index.unchanged("http://x/z/", "sha1:A") is None
    assert index.latest("http://x/s.css").record_id == "<urn:s>"
    assert index.validators("http://x/a/") == ('"a1"', None)
    assert index.validators("http://x/b/") == (None, "Fri, 02 Jan 2026 00:00:00 GMT")
    assert index.validators("http://x/s.css") == (None, None) == index.validators("http://x/z/")
    assert index.requisites("http://x/a/") == ["http://x/s.css", "http://x/i.png"]
    assert index.requisites("http://x/b/") == [] == index.requisites("http://x/z/")


def test_a_capture_of_this_run_is_the_latest_and_keeps_the_earlier_validators(index_file, tmp_path):
    index = DigestIndex.load(index_file, tmp_path)
    index.remember(EarlierCapture("http://x/a/", "sha1:A2", "2026-02-01T00:00:00Z", "<urn:a2>"))
    index.remember(EarlierCapture("http://x/new/", "sha1:N", "2026-02-01T00:00:01Z", "<urn:n>"))
    assert index.unchanged("http://x/a/", "sha1:A") is None
    assert index.unchanged("http://x/a/", "sha1:A2").record_id == "<urn:a2>"
    assert index.latest("http://x/new/").warc_date == "2026-02-01T00:00:01Z"
    assert index.validators("http://x/a/") == ('"a1"', None)
    assert index.requisites("http://x/a/") == ["http://x/s.css", "http://x/i.png"]
    assert len(index) == 4


def test_entries_are_in_a_file_of_the_crawls_folder(index_file, tmp_path, monkeypatch):
    monkeypatch.setattr(dedup, "COMMIT_EVERY", 2)
    (tmp_path / "job").mkdir()
    index = DigestIndex.load(index_file, tmp_path / "job")
    for n in range(5):
        index.remember(EarlierCapture(f"http://x/{n}", "sha1:N", "2026-02-01T00:00:00Z", f"<urn:{n}>"))
    on_disk = sqlite3.connect(tmp_path / "job" / FILE_NAME).execute("SELECT count(*) FROM latest").fetchone()[0]
    assert on_disk >= 3 + 4                                 # committed in steps, not held until the end
    assert index.latest("http://x/4").record_id == "<urn:4>"   # the uncommitted one answers too


def test_an_index_without_validator_columns_still_loads(tmp_path):
    path = tmp_path / "old.parquet"
    pq.write_table(pa.Table.from_pylist([{c: ROWS[0][c] for c in COLUMNS}]), path)
    index = DigestIndex.load(path, tmp_path)
    assert index.latest("http://x/a/").payload_digest == "sha1:A"
    assert index.validators("http://x/a/") == (None, None) and index.requisites("http://x/a/") == []


def test_first_crawl_of_a_site_has_an_empty_index(tmp_path):
    assert len(DigestIndex.load(tmp_path / "missing.parquet", tmp_path)) == 0
    assert len(DigestIndex.load(None)) == 0


def test_one_shared_index_per_crawl_until_closed(index_file, tmp_path):
    shared = DigestIndex.shared(str(index_file), str(tmp_path))
    assert DigestIndex.shared(str(index_file), str(tmp_path)) is shared
    shared.remember(EarlierCapture("http://x/c/", "sha1:C", "2026-02-01T00:00:00Z", "<urn:c>"))
    shared.close()
    again = DigestIndex.shared(str(index_file), str(tmp_path))
    assert again is not shared and again.latest("http://x/c/") is None     # a new crawl starts afresh
    again.close()
