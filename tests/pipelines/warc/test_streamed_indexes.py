"""The CDXJ and digest indexes, built in bounded memory (sorted runs on disk, a scratch SQLite
file), hold what building them whole in memory held: the same sorted CDXJ lines, and per URL
the latest full capture, merged with what earlier runs stored, and unchanged by a re-run."""
from __future__ import annotations

import hashlib
import heapq
import io
import tracemalloc

import pyarrow.parquet as pq
import pytest
from cdxj_indexer.main import CDXJIndexer
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.store import layout, open_store
from pipelines.warc import cdxj, digestindex, linesort
from spiders.dedup import SCHEMA, DigestIndex
from spiders.settings import warc_prefix

SITE = "demo"
BASE = "http://news.test"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


# -- WARCs to index --------------------------------------------------------------------
def page(n: int, assets: int = 3) -> bytes:
    imgs = "".join(f'<img src="/img/{(n + k) % 40}.png">' for k in range(assets))
    return f'<html><head><link rel="stylesheet" href="/s.css"></head><body>{imgs}<p>page {n}</p></body></html>'.encode()


def capture(url: str, date: str, body: bytes = b"", status: str = "200 OK", kind: str = "html",
            etag: str | None = None) -> dict:
    return {"url": url, "date": date, "body": body, "status": status, "kind": kind, "etag": etag}


def store_warc(store, run_id: str, serial: int, captures: list[dict]) -> str:
    """A gzipped WARC of the captures (each a request and a response, or a 304 revisit)."""
    name = f"{warc_prefix(SITE, run_id)}-20241103120000-{serial:05d}-host.warc.gz"
    key = layout.warc_key(SITE, name)
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    for c in captures:
        request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.test")], is_http_request=True)
        writer.write_record(writer.create_warc_record(c["url"], "request", http_headers=request,
                                                      warc_headers_dict={"WARC-Date": c["date"]}))
        headers = [("Content-Type", {"html": "text/html; charset=utf-8", "css": "text/css",
                                     "png": "image/png"}[c["kind"]])]
        if c["etag"]:
            headers.append(("ETag", c["etag"]))
        http = StatusAndHeaders(c["status"], headers, protocol="HTTP/1.1")
        if c["status"].startswith("304"):
            record = writer.create_revisit_record(c["url"], "sha1:AAAA", c["url"], "2024-01-01T00:00:00Z",
                                                  http_headers=http)
            record.rec_headers.replace_header("WARC-Profile", NOT_MODIFIED_PROFILE)
            record.rec_headers.replace_header("WARC-Date", c["date"])
        else:
            record = writer.create_warc_record(c["url"], "response", payload=io.BytesIO(c["body"]),
                                               http_headers=http, warc_headers_dict={"WARC-Date": c["date"]})
        writer.write_record(record)
    store.put_bytes(key, out.getvalue())
    return key


def site_captures(pages: range, date: str, variant: str = "") -> list[dict]:
    found = []
    for n in pages:
        found.append(capture(f"{BASE}/p/{n}/", date, page(n) + variant.encode(), etag=f'"{n}{variant}"'))
        found.append(capture(f"{BASE}/img/{n % 40}.png", date, b"\x89PNG" + bytes([n % 40]), kind="png"))
    found.append(capture(f"{BASE}/s.css", date, b"body { color: red }" + variant.encode(), kind="css"))
    found.append(capture(f"{BASE}/gone/", date, b"not here", status="404 Not Found"))
    return found


@pytest.fixture
def two_runs(any_store):
    """A store (local, then S3) with the WARCs of two runs: the second re-captures some URLs
    later (they win), one earlier (it must not win, though its WARC is indexed later) and one
    at the same second (the later WARC wins a tie), and answers a page with a 304 revisit."""
    store = any_store
    first = [store_warc(store, "first", 0, site_captures(range(0, 30), "2024-11-03T12:00:00Z")),
             store_warc(store, "first", 1, site_captures(range(30, 60), "2024-11-03T12:05:00Z"))]
    second = [
        store_warc(store, "second", 0, site_captures(range(10, 20), "2024-11-10T08:00:00Z", variant="changed")),
        store_warc(store, "second", 1, [
            capture(f"{BASE}/p/40/", "2024-11-01T00:00:00Z", page(40) + b"old", etag='"old"'),  # earlier
            capture(f"{BASE}/p/41/", "2024-11-03T12:05:00Z", page(41) + b"tie", etag='"tie"'),  # same second
            capture(f"{BASE}/p/42/", "2024-11-10T08:00:00Z", status="304 Not Modified"),
            capture(f"{BASE}/new/", "2024-11-10T08:00:01Z", page(99)),
        ]),
    ]
    return store, first, second


# -- what the indexes held when built whole in memory --------------------------------------
def whole_warc_lines(store, key: str) -> list[str]:
    out = io.StringIO()
    with store.open(key) as stream:
        CDXJIndexer(output=None, inputs=[], filename=key).process_one(stream, out, key)
    return sorted(line for line in out.getvalue().splitlines() if line and not cdxj.is_not_modified(line))


def whole_site_lines(existing: list[str], per_warc: list[list[str]]) -> list[str]:
    return list(linesort.unique(heapq.merge(existing, *per_warc)))


def whole_digest_rows(existing: dict[str, dict], store, keys: list[str]) -> list[dict]:
    latest = dict(existing)
    for key in keys:
        for row in digestindex.full_captures(store, key):
            known = latest.get(row["url"])
            if known is None or row["warc_date"] >= known["warc_date"]:
                latest[row["url"]] = row
    return sorted(latest.values(), key=lambda r: r["url"])


def stored_rows(store) -> list[dict]:
    return [{**row} for row in digestindex.load(store, SITE).values()]


def digest(store, key: str) -> str:
    return hashlib.sha256(store.get_bytes(key)).hexdigest()


# -- CDXJ ----------------------------------------------------------------------------------
def test_cdxj_indexes_of_two_runs_match_the_whole_in_memory_ones(two_runs, monkeypatch):
    store, first, second = two_runs
    monkeypatch.setattr(linesort, "RUN_LINES", 7)      # every WARC sorted in several runs,
    monkeypatch.setattr(linesort, "FAN_IN", 2)         # merged in rounds

    per_warc = {key: whole_warc_lines(store, key) for key in first + second}
    assert all(len(per_warc[key]) > 7 * 2 for key in first + second[:1])
    assert cdxj.index_warcs(store, SITE, first) == len(set().union(*(per_warc[k] for k in first)))
    after_first = whole_site_lines([], [per_warc[k] for k in first])
    assert cdxj.read_lines(store, layout.site_index_key(SITE)) == after_first

    count = cdxj.index_warcs(store, SITE, second)
    expected = whole_site_lines(after_first, [per_warc[k] for k in second])
    assert cdxj.read_lines(store, layout.site_index_key(SITE)) == expected and count == len(expected)
    for key in first + second:
        assert cdxj.read_lines(store, layout.warc_index_key(key)) == per_warc[key]
    assert not any(cdxj.is_not_modified(line) for line in expected)
    assert any('"status": "404"' in line for line in expected)


def test_re_indexing_a_run_leaves_the_cdxj_files_byte_identical(two_runs, monkeypatch):
    store, first, second = two_runs
    monkeypatch.setattr(linesort, "RUN_LINES", 5)
    cdxj.index_warcs(store, SITE, first)
    cdxj.index_warcs(store, SITE, second)
    keys = [layout.site_index_key(SITE)] + [layout.warc_index_key(k) for k in first + second]
    before = {key: digest(store, key) for key in keys}
    cdxj.index_warcs(store, SITE, second)
    cdxj.index_warcs(store, SITE, first + second)
    assert {key: digest(store, key) for key in keys} == before


def test_cdxj_indexing_memory_does_not_grow_with_the_indexes(tmp_path, monkeypatch):
    """Peak Python memory of indexing four WARCs into a site index of 40,000 lines is that of
    indexing one into an index of 10,000 (I/O buffers and a run of lines); holding the
    lines whole, it grew with them."""
    monkeypatch.setattr(linesort, "RUN_LINES", 100)
    warm_up(tmp_path, cdxj.index_warcs)
    peaks = []
    for name, existing, warcs in (("small", 10_000, 1), ("big", 40_000, 4)):
        store = open_store(tmp_path / name)
        store.put_bytes(layout.site_index_key(SITE), "".join(
            f"test,news)/earlier/{n:06d} 20240101000000 {{\"url\": \"{BASE}/earlier/{n:06d}\", "
            f"\"status\": \"200\", \"filename\": \"warcs/demo/x.warc.gz\"}}\n" for n in range(existing)).encode())
        keys = [store_warc(store, "next", n, [capture(f"{BASE}/missing/{n}/{i}", "2024-11-03T12:00:00Z", b"",
                                                      status="404 Not Found", kind="css") for i in range(300)])
                for n in range(warcs)]
        peaks.append(peak_memory(cdxj.index_warcs, store, SITE, keys))
        assert len(cdxj.read_lines(store, layout.site_index_key(SITE))) == existing + 300 * warcs
    small, big = peaks
    assert big < 1.25 * small, (big, small)


def warm_up(tmp_path, func) -> None:
    """Run `func` once, so imports and first-use caches are not counted."""
    store = open_store(tmp_path / "warm-up")
    func(store, SITE, [store_warc(store, "warm-up", 0, site_captures(range(3), "2024-11-03T12:00:00Z"))])


def peak_memory(func, *args) -> int:
    """Peak bytes of Python objects allocated while `func(*args)` ran."""
    tracemalloc.start()
    try:
        func(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- digest index --------------------------------------------------------------------------
def test_digest_index_of_two_runs_matches_the_whole_in_memory_fold(two_runs, monkeypatch):
    store, first, second = two_runs
    monkeypatch.setattr(digestindex, "ROWS_PER_GROUP", 4)

    assert digestindex.update(store, SITE, first) == len(whole_digest_rows({}, store, first))
    after_first = stored_rows(store)
    assert after_first == whole_digest_rows({}, store, first)
    count = digestindex.update(store, SITE, second)
    expected = whole_digest_rows({r["url"]: r for r in after_first}, store, second)
    rows = stored_rows(store)
    assert rows == expected and count == len(rows)

    by_url = {r["url"]: r for r in rows}
    assert by_url[f"{BASE}/p/15/"]["warc_key"] == second[0]          # re-captured later: the new one
    assert by_url[f"{BASE}/p/40/"]["warc_key"] == first[1]           # an earlier capture loses
    assert by_url[f"{BASE}/p/41/"]["warc_key"] == second[1]          # a tie: the later WARC
    assert by_url[f"{BASE}/p/42/"]["warc_key"] == first[1]           # a 304 is no new capture
    assert by_url[f"{BASE}/p/15/"]["etag"] == '"15changed"'
    assert by_url[f"{BASE}/p/15/"]["requisites"] == [f"{BASE}/s.css"] + [f"{BASE}/img/{n}.png" for n in (15, 16, 17)]
    assert by_url[f"{BASE}/s.css"]["requisites"] is None
    assert f"{BASE}/gone/" not in by_url
    assert [r["url"] for r in rows] == sorted(by_url)


def test_the_digest_index_file_keeps_its_schema_in_row_groups(two_runs, monkeypatch, tmp_path):
    store, first, _ = two_runs
    monkeypatch.setattr(digestindex, "ROWS_PER_GROUP", 4)
    digestindex.update(store, SITE, first)
    path = digestindex.download(store, SITE, tmp_path / "d.parquet")
    meta = pq.ParquetFile(path)
    assert meta.schema_arrow == SCHEMA
    assert meta.num_row_groups == -(-meta.metadata.num_rows // 4) > 1
    crawl_side = DigestIndex.load(path)                     # what the next crawl reads
    assert len(crawl_side) == meta.metadata.num_rows
    assert crawl_side.requisites(f"{BASE}/p/3/") == [f"{BASE}/s.css"] + [f"{BASE}/img/{n}.png" for n in (3, 4, 5)]


def test_re_folding_a_run_changes_no_row(two_runs, monkeypatch):
    store, first, second = two_runs
    monkeypatch.setattr(digestindex, "ROWS_PER_GROUP", 3)
    digestindex.update(store, SITE, first)
    digestindex.update(store, SITE, second)
    rows = stored_rows(store)
    assert digestindex.update(store, SITE, second) == len(rows)
    assert stored_rows(store) == rows
    assert digestindex.update(store, SITE, first + second) == len(rows)
    assert stored_rows(store) == rows


def test_an_index_written_whole_and_without_validators_is_folded_in(two_runs):
    """An index from before: one row group, no validator columns (absent values come back null)."""
    store, first, second = two_runs
    old = whole_digest_rows({}, store, first)
    columns = ["url", "payload_digest", "warc_date", "record_id", "warc_key"]
    import pyarrow as pa
    table = pa.Table.from_pylist([{c: r[c] for c in columns} for r in old],
                                 schema=pa.schema([SCHEMA.field(c) for c in columns]))
    buf = io.BytesIO()
    pq.write_table(table, buf)
    store.put_bytes(layout.digest_index_key(SITE), buf.getvalue())

    digestindex.update(store, SITE, second)
    bare = {r["url"]: {**{c: r[c] for c in columns}, "etag": None, "last_modified": None, "requisites": None}
            for r in old}
    assert stored_rows(store) == whole_digest_rows(bare, store, second)


def test_digest_update_memory_does_not_grow_with_the_index(tmp_path, monkeypatch):
    """Peak Python memory of folding three WARCs into an index of 20,000 URLs is that of
    folding one into an index of 5,000; holding the index whole as a dict, it grew with it."""
    import pyarrow as pa
    monkeypatch.setattr(digestindex, "ROWS_PER_GROUP", 50)
    warm_up(tmp_path, digestindex.update)
    peaks = []
    for name, existing, warcs in (("small", 5_000, 1), ("big", 20_000, 3)):
        store = open_store(tmp_path / name)
        rows = [{"url": f"{BASE}/earlier/{n:06d}", "payload_digest": f"sha1:{n:032d}", "warc_date": "2024-01-01T00:00:00Z",
                 "record_id": f"<urn:uuid:{n:036d}>", "warc_key": "warcs/demo/x.warc.gz", "etag": None,
                 "last_modified": None,
                 "requisites": [hashlib.sha1(f"{n}-{k}".encode()).hexdigest() for k in range(8)]}
                for n in range(existing)]
        buf = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), buf)
        del rows
        store.put_bytes(layout.digest_index_key(SITE), buf.getvalue())
        keys = [store_warc(store, "next", n, site_captures(range(n * 100, (n + 1) * 100), "2024-11-03T12:00:00Z"))
                for n in range(warcs)]
        peaks.append(peak_memory(digestindex.update, store, SITE, keys))
    small, big = peaks
    assert big < 1.25 * small, (big, small)
