"""The article record is defined once: the clean step's Article and article_row, and the
Delta `articles` table, all name the same fields."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from pipelines.archive import tables
from pipelines.archive.writer import Archive
from pipelines.clean.extract import Article
from pipelines.clean.fingerprint import fingerprint
from pipelines.clean.step import article_row
from pipelines.store import open_store
from pipelines.warc.records import ResponseRecord
from spiders.siteconfig import load_site

# what article_row adds to the page's fields: identity, versioning and where the capture lies
ROW_ONLY = {"site", "article_id", "version", "change", "content_hash", "text_hash", "word_count",
            "fetched_at", "warc_key", "warc_offset", "warc_length", "warc_record_id", "run_id", "extractor"}


def an_article() -> Article:
    return Article(url="http://x/a", canonical_url="http://x/a", title="A title", text="Some body text here.",
                   markdown="Some body text here.", authors=["Ann Author"], language="en", tags=["t"],
                   published=datetime(2024, 7, 4, tzinfo=timezone.utc), sources={"title": "dom"})


def a_record() -> ResponseRecord:
    return ResponseRecord(
        warc_key="warcs/demo/2024/07/04/x.warc.gz", offset=10, length=20, record_id="<urn:uuid:1>",
        record_type="response", url="http://x/a", fetched_at="2024-07-04T10:00:00Z", status=200,
        mime="text/html", content_type="text/html", payload_digest=None, ip_address=None, truncated=None,
        body=b"")


@pytest.fixture(scope="module")
def row() -> dict:
    return article_row(an_article(), a_record(), load_site("demo"), "r1")


def test_article_fields_and_row_fields_make_the_articles_schema(row):
    page = {f.name for f in dataclasses.fields(Article)}
    assert page.isdisjoint(ROW_ONLY)
    assert page | ROW_ONLY == set(tables.ARTICLES.names)
    assert set(row) == set(tables.ARTICLES.names)
    assert set(tables.CONTENT_FIELDS) <= page


def test_row_fits_the_schema_and_hashes_the_reader_visible_fields(row):
    import pyarrow as pa
    assert pa.Table.from_pylist([row], schema=tables.ARTICLES).num_rows == 1
    content = {name: getattr(an_article(), name) for name in tables.CONTENT_FIELDS}
    assert row["content_hash"] == fingerprint(content)
    assert row["content_hash"] != article_row(dataclasses.replace(an_article(), section="News"), a_record(),
                                              load_site("demo"), "r1")["content_hash"]


def test_stored_articles_table_has_the_record_fields(tmp_path, row):
    store = open_store(tmp_path / "store")
    assert tables.open_table(store, tables.ARTICLES_TABLE) is None          # none yet: None, not an error
    Archive(store).ensure_tables()
    stored = tables.open_table(store, tables.ARTICLES_TABLE)
    assert {f.name for f in stored.schema().fields} == set(row)
