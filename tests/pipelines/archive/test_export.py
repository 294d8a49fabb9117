"""Exports of article versions: each format, the filters, the replay path and CSV's flat lists."""
from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone

import pyarrow.parquet as pq
import pytest

from pipelines.archive.export import count, export
from pipelines.archive.reader import open_archive
from pipelines.archive.tables import ARTICLES
from pipelines.archive.writer import Archive
from pipelines.store import open_store
from tests.pipelines.archive.test_writer import article

STATE_COLUMNS = ("current", "last_seen", "alternating", "variants")
FETCHED = datetime(2024, 7, 6, 8, 30, 15, tzinfo=timezone.utc)


def day(n: int) -> datetime:
    return datetime(2024, 7, n, tzinfo=timezone.utc)


def version(aid: str, site: str, published: datetime, authors: list[str], extractor: str = "x/2",
            fetched: datetime = FETCHED) -> dict:
    row = article(aid, title=f"Title of {aid}", text=f"Body of {aid}.", fetched=fetched)
    row.update(site=site, published=published, authors=authors, tags=None, extractor=extractor)
    return row


@pytest.fixture
def reader(tmp_path):
    archive = Archive(open_store(tmp_path / "store"))
    archive.publish("demo", "r1", [], [version("a1", "demo", day(1), ["Ann", "Bob"]),
                                       version("a2", "demo", day(5), ["Cy"], fetched=FETCHED + timedelta(hours=1))])
    archive.publish("other", "r2", [], [version("b1", "other", day(3), [])])
    # an older extractor's output of the same page is not what an export reads
    archive.publish("demo", "r0", [], [version("a1", "demo", day(1), ["Ann"], "x/1", FETCHED - timedelta(days=1))])
    return open_archive(tmp_path / "store")


def ids(rows) -> list[str]:
    return sorted(r["article_id"] for r in rows)


def test_parquet_has_every_column_and_a_replay_path(reader, tmp_path):
    out = tmp_path / "out.parquet"
    assert export(reader, out, "parquet") == 3
    table = pq.read_table(out)
    assert set(ARTICLES.names) | {"replay_path", *STATE_COLUMNS} == set(table.schema.names)
    rows = {r["article_id"]: r for r in table.to_pylist()}
    assert sorted(rows) == ["a1", "a2", "b1"] and {r["extractor"] for r in rows.values()} == {"x/2"}
    assert rows["a1"]["replay_path"] == "20240706083015/http://x/a1"
    assert rows["a2"]["replay_path"] == "20240706093015/http://x/a2"
    assert rows["a1"]["authors"] == ["Ann", "Bob"]


@pytest.mark.parametrize("filters, expected", [
    ({"site": "demo"}, ["a1", "a2"]),
    ({"since": day(2)}, ["a2", "b1"]),
    ({"until": day(5)}, ["a1", "b1"]),                       # until is exclusive
    ({"site": "demo", "since": day(2), "until": day(6)}, ["a2"]),
    ({"site": "nowhere"}, []),
])
def test_filters_on_site_and_publication_time(reader, tmp_path, filters, expected):
    out = tmp_path / "out.jsonl"
    written = export(reader, out, "jsonl", **filters)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert written == len(lines) == count(reader, **filters) == len(expected)
    assert ids(json.loads(line) for line in lines) == expected


def test_jsonl_keeps_lists_and_writes_times_as_iso(reader, tmp_path):
    out = tmp_path / "out.jsonl"
    export(reader, out, "jsonl", site="demo")
    rows = {r["article_id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert rows["a1"]["authors"] == ["Ann", "Bob"]
    assert datetime.fromisoformat(rows["a2"]["published"]) == day(5)
    assert rows["a2"]["replay_path"].endswith("/http://x/a2")


def test_csv_flattens_lists(reader, tmp_path):
    out = tmp_path / "out.csv"
    progress = []
    assert export(reader, out, "csv", progress=progress.append) == 3 == sum(progress)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = {r["article_id"]: r for r in csv.DictReader(fh)}
    assert rows["a1"]["authors"] == "Ann; Bob" and rows["a2"]["authors"] == "Cy"
    assert rows["b1"]["authors"] == "" and rows["b1"]["tags"] == ""
    assert rows["b1"]["replay_path"] == "20240706083015/http://x/b1"


def test_nothing_matching_writes_an_empty_file(reader, tmp_path):
    out = tmp_path / "out.parquet"
    assert export(reader, out, "parquet", site="nowhere") == 0
    assert out.is_file() and out.stat().st_size == 0


def test_unknown_format_is_refused(reader, tmp_path):
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        export(reader, tmp_path / "out.xml", "xml")
