from __future__ import annotations

import base64
import hashlib
import io
import time
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import pipelines.store.local
from pipelines.store import StoredObject, StoreError, open_store, upload_verified

BAD_KEYS = ["", "/abs", "../x", "a/../b", "a//b", "a/./b", "a/", "..", "a\\b"]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def one_line(e: pytest.ExceptionInfo) -> str:
    message = str(e.value)
    assert message and "\n" not in message
    return message


def make_warc(pages: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    for url, body in pages.items():
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers)
        writer.write_record(record)
    return out.getvalue()


# -- shared behaviour, both backends ---------------------------------------------


def test_bytes_round_trip(any_store):
    data = b"hello \x00 world" * 1000
    stored = any_store.put_bytes("warc/a.bin", data)
    assert stored == StoredObject("warc/a.bin", len(data), sha(data))
    assert any_store.get_bytes("warc/a.bin") == data
    assert any_store.exists("warc/a.bin")
    assert any_store.stat("warc/a.bin") == stored
    any_store.put_bytes("warc/a.bin", b"new")  # overwrite
    assert any_store.get_bytes("warc/a.bin") == b"new"
    with any_store.open("warc/a.bin") as f:
        assert f.read() == b"new"


def test_missing_key(any_store):
    assert not any_store.exists("nope/x")
    assert any_store.stat("nope/x") is None
    with pytest.raises(StoreError) as e:
        any_store.get_bytes("nope/x")
    assert "nope/x" in one_line(e) and any_store.uri in str(e.value)
    with pytest.raises(StoreError):
        any_store.open("nope/x")
    any_store.delete("nope/x")  # not an error


def test_get_file_streams_an_object_to_a_local_file(any_store, tmp_path):
    data = bytes(range(256)) * 20_000                  # 5 MB: several chunks
    any_store.put_bytes("indexes/a.cdxj", data)
    dest = tmp_path / "copy"
    dest.write_bytes(b"older, longer content" * 1_000_000)
    assert any_store.get_file("indexes/a.cdxj", dest) == dest
    assert dest.read_bytes() == data
    with pytest.raises(StoreError) as e:
        any_store.get_file("nope/x", tmp_path / "missing")
    assert "nope/x" in one_line(e)
    assert not (tmp_path / "missing").exists()


def test_put_file_and_delete(any_store, tmp_path):
    src = tmp_path / "src.warc.gz"
    src.write_bytes(b"x" * 300_000)
    stored = any_store.put_file(src, "runs/1/src.warc.gz")
    assert stored == StoredObject("runs/1/src.warc.gz", 300_000, sha(src.read_bytes()))
    assert src.exists()  # put_file never deletes the local file
    assert any_store.stat("runs/1/src.warc.gz") == stored
    any_store.delete("runs/1/src.warc.gz")
    assert not any_store.exists("runs/1/src.warc.gz")
    assert list(any_store.list()) == []


def test_put_file_missing_source(any_store, tmp_path):
    with pytest.raises(StoreError) as e:
        any_store.put_file(tmp_path / "absent", "k")
    assert "absent" in one_line(e)
    assert not any_store.exists("k")


def test_list_sorted_recursive_and_prefixes(any_store):
    for key in ["b/2.txt", "a/10.txt", "a/2/x.txt", "a-b.txt", "a/1.txt", "c.txt"]:
        any_store.put_bytes(key, key.encode())
    assert [o.key for o in any_store.list()] == ["a-b.txt", "a/1.txt", "a/10.txt", "a/2/x.txt", "b/2.txt", "c.txt"]
    assert [o.key for o in any_store.list("a/")] == ["a/1.txt", "a/10.txt", "a/2/x.txt"]
    assert [o.key for o in any_store.list("a/1")] == ["a/1.txt", "a/10.txt"]
    assert [o.key for o in any_store.list("a")] == ["a-b.txt", "a/1.txt", "a/10.txt", "a/2/x.txt"]
    assert list(any_store.list("zzz/")) == []
    assert next(iter(any_store.list("c"))) == StoredObject("c.txt", 5)


def test_open_range(any_store):
    data = bytes(range(256)) * 10
    any_store.put_bytes("r.bin", data)
    assert any_store.open_range("r.bin", 0, 10) == data[:10]
    assert any_store.open_range("r.bin", 1000, 300) == data[1000:1300]
    assert any_store.open_range("r.bin", len(data) - 5, 100) == data[-5:]  # short at the end
    assert any_store.open_range("r.bin", len(data) + 10, 5) == b""
    assert any_store.open_range("r.bin", 3, 0) == b""
    with pytest.raises(StoreError):
        any_store.open_range("r.bin", -1, 5)
    with pytest.raises(StoreError):
        any_store.open_range("missing.bin", 0, 5)


def test_streaming_open_reads_warc(any_store):
    pages = {f"https://news.example/{i}": f"<html>article {i}</html>".encode() * 50 for i in range(3)}
    any_store.put_bytes("warc/crawl.warc.gz", make_warc(pages))
    seen, offsets = {}, []
    with any_store.open("warc/crawl.warc.gz") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.rec_type == "response":
                seen[record.rec_headers.get_header("WARC-Target-URI")] = record.content_stream().read()
                offsets.append((records.get_record_offset(), records.get_record_length()))
    assert seen == pages
    # Offsets from the stream locate each record for a ranged read.
    (offset, length) = offsets[1]
    record = next(iter(ArchiveIterator(io.BytesIO(any_store.open_range("warc/crawl.warc.gz", offset, length)))))
    assert record.rec_headers.get_header("WARC-Target-URI") == "https://news.example/1"


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_rejected(any_store, key):
    for call in (
        lambda: any_store.put_bytes(key, b"x"),
        lambda: any_store.get_bytes(key),
        lambda: any_store.exists(key),
        lambda: any_store.stat(key),
        lambda: any_store.delete(key),
        lambda: any_store.table_uri(key),
        lambda: any_store.open_range(key, 0, 1),
    ):
        with pytest.raises(StoreError) as e:
            call()
        assert "invalid key" in one_line(e)
    with pytest.raises(StoreError):
        any_store.list("../")


def test_check_ok(any_store):
    any_store.check()


# -- upload_verified --------------------------------------------------------------


def test_upload_verified_moves_file(any_store, tmp_path):
    src = tmp_path / "a.warc.gz"
    src.write_bytes(b"payload" * 1000)
    expected = StoredObject("warc/a.warc.gz", 7000, sha(src.read_bytes()))
    assert upload_verified(any_store, src, "warc/a.warc.gz") == expected
    assert not src.exists()
    assert any_store.stat("warc/a.warc.gz") == expected


def test_upload_verified_is_idempotent(any_store, tmp_path, monkeypatch):
    src = tmp_path / "a.warc.gz"
    src.write_bytes(b"payload")
    upload_verified(any_store, src, "a.warc.gz")
    src.write_bytes(b"payload")  # an interrupted run left the local copy behind

    def no_upload(*args):
        raise AssertionError("must not upload again")

    monkeypatch.setattr(any_store, "put_file", no_upload)
    assert upload_verified(any_store, src, "a.warc.gz").sha256 == sha(b"payload")
    assert not src.exists()


def test_upload_verified_replaces_different_content(any_store, tmp_path):
    any_store.put_bytes("a.warc.gz", b"old")
    src = tmp_path / "a.warc.gz"
    src.write_bytes(b"new content")
    upload_verified(any_store, src, "a.warc.gz")
    assert any_store.get_bytes("a.warc.gz") == b"new content"
    assert not src.exists()


def test_upload_verified_keeps_file_when_store_reports_other_bytes(any_store, tmp_path, monkeypatch):
    src = tmp_path / "a.warc.gz"
    src.write_bytes(b"payload")
    real_put = any_store.put_file

    def short_put(path, key):
        stored = real_put(path, key)
        return StoredObject(stored.key, stored.size - 1, stored.sha256)

    monkeypatch.setattr(any_store, "put_file", short_put)
    with pytest.raises(StoreError) as e:
        upload_verified(any_store, src, "a.warc.gz")
    assert "does not match" in one_line(e)
    assert src.read_bytes() == b"payload"


def test_upload_verified_missing_local_file(any_store, tmp_path):
    with pytest.raises(StoreError) as e:
        upload_verified(any_store, tmp_path / "gone.warc.gz", "gone.warc.gz")
    one_line(e)


# -- deltalake --------------------------------------------------------------------


def test_deltalake_appends(any_store, monkeypatch):
    options = any_store.storage_options()
    # delta-rs also reads AWS_* from the environment: prove the options suffice alone.
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    uri = any_store.table_uri("tables/articles")
    table = pa.table({"id": [1, 2, 3], "title": ["a", "b", "c"]})
    write_deltalake(uri, table, storage_options=options, mode="append")
    write_deltalake(uri, table, storage_options=options, mode="append")
    dt = DeltaTable(uri, storage_options=options)
    assert dt.version() == 1
    assert dt.to_pyarrow_table().num_rows == 6
    assert any(o.key.startswith("tables/articles/_delta_log/") for o in any_store.list("tables/"))


# -- local backend ----------------------------------------------------------------


def test_local_check_creates_root(tmp_path):
    store = open_store(tmp_path / "new" / "root")
    store.check()
    assert (tmp_path / "new" / "root").is_dir()
    assert list((tmp_path / "new" / "root").iterdir()) == []


def test_local_check_root_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError) as e:
        open_store(tmp_path / "file").check()
    assert "not a writable directory" in one_line(e)


def test_local_failed_verification_leaves_nothing(local_store, tmp_path, monkeypatch):
    local_store.put_bytes("a.bin", b"old")
    src = tmp_path / "a.bin"
    src.write_bytes(b"new bytes")
    monkeypatch.setattr(pipelines.store.local, "file_digest", lambda path: (1, "0" * 64))
    with pytest.raises(StoreError) as e:
        upload_verified(local_store, src, "a.bin")
    assert "verification" in one_line(e)
    assert src.read_bytes() == b"new bytes"
    assert local_store.get_bytes("a.bin") == b"old"
    assert [p.name for p in local_store.root.iterdir()] == ["a.bin"]  # no temp file left


def test_local_temp_files_not_listed(local_store):
    local_store.put_bytes("a/b.bin", b"x")
    (local_store.root / "a" / ".b.bin.0123456789abcdef.storetmp").write_bytes(b"partial")
    assert [o.key for o in local_store.list()] == ["a/b.bin"]


def test_local_table_uri_and_options(local_store):
    assert local_store.table_uri("t/x") == str(local_store.root / "t" / "x")
    assert local_store.storage_options() is None


# -- S3 backend -------------------------------------------------------------------


def test_s3_objects_visible_to_plain_client(s3_store, s3_client, s3_bucket, tmp_path):
    src = tmp_path / "f.bin"
    src.write_bytes(b"abc" * 1000)
    s3_store.put_file(src, "warc/f.bin")
    head = s3_client.head_object(Bucket=s3_bucket, Key="archive/warc/f.bin", ChecksumMode="ENABLED")
    digest = hashlib.sha256(src.read_bytes()).digest()
    assert head["Metadata"]["sha256"] == digest.hex()
    assert head["ChecksumSHA256"] == base64.b64encode(digest).decode()
    assert s3_client.get_object(Bucket=s3_bucket, Key="archive/warc/f.bin")["Body"].read() == src.read_bytes()
    # Objects outside the store's prefix are not part of it.
    s3_client.put_object(Bucket=s3_bucket, Key="elsewhere/x", Body=b"x")
    s3_client.put_object(Bucket=s3_bucket, Key="archive/plain", Body=b"plain")
    assert [o.key for o in s3_store.list()] == ["plain", "warc/f.bin"]
    assert s3_store.stat("plain") == StoredObject("plain", 5, None)  # no checksum, no metadata


def test_s3_put_file_verification_failure(s3_store, tmp_path, monkeypatch):
    src = tmp_path / "f.bin"
    src.write_bytes(b"abc")
    client = s3_store._client
    real_head = client.head_object

    def short_head(**kwargs):
        head = real_head(**kwargs)
        return {**head, "ContentLength": head["ContentLength"] - 1}

    monkeypatch.setattr(client, "head_object", short_head)
    with pytest.raises(StoreError) as e:
        upload_verified(s3_store, src, "f.bin")
    assert "verification" in one_line(e)
    assert src.exists()


def test_s3_uris_and_storage_options(s3_store, s3_bucket, s3_server):
    assert s3_store.uri == f"s3://{s3_bucket}/archive"
    assert s3_store.table_uri("tables/a") == f"s3://{s3_bucket}/archive/tables/a"
    assert s3_store.storage_options().items() >= {     # and delta-rs' retry budget
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": s3_server,
        "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": "false",
        "AWS_ALLOW_HTTP": "true",
    }.items()


def test_s3_missing_bucket(s3_server):
    store = open_store("s3://no-such-bucket-here/archive")
    with pytest.raises(StoreError) as e:
        store.check()
    assert "bucket 'no-such-bucket-here' does not exist" in one_line(e)
    with pytest.raises(StoreError) as e:
        store.put_bytes("k", b"x")
    assert "does not exist" in one_line(e)


def test_s3_unreachable_endpoint(s3_server, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("NEWSARCHIVE_STORE_RETRY_SECONDS", "2")      # retries end
    store = open_store("s3://bkt/p")
    start = time.monotonic()
    with pytest.raises(StoreError) as e:
        store.check()
    assert time.monotonic() - start < 15
    message = one_line(e)
    assert message.startswith("store s3://bkt/p is unreachable:") and "127.0.0.1:1" in message
    with pytest.raises(StoreError) as e:
        store.exists("k")  # an unreachable store is not an empty one
    assert "unreachable" in one_line(e)


def test_s3_no_credentials(s3_server, s3_bucket, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    store = open_store(f"s3://{s3_bucket}")
    with pytest.raises(StoreError) as e:
        store.check()
    assert "no AWS credentials" in one_line(e)
    with pytest.raises(StoreError) as e:
        store.storage_options()
    assert "no AWS credentials" in one_line(e)


# -- open_store -------------------------------------------------------------------


def test_open_store_local_forms(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert open_store("./archive").uri == (tmp_path / "archive").as_uri()
    assert open_store("archive").uri == (tmp_path / "archive").as_uri()
    assert open_store(str(tmp_path / "abs")).uri == f"file://{tmp_path}/abs"
    assert open_store(f"file://{tmp_path}/x").uri == f"file://{tmp_path}/x"
    assert open_store(tmp_path / "p").uri == f"file://{tmp_path}/p"
    assert open_store("file:///tmp/with%20space").table_uri("t") == "/tmp/with space/t"


def test_open_store_s3_forms(s3_server):
    assert open_store("s3://bucket").uri == "s3://bucket"
    assert open_store("s3://bucket/").table_uri("t") == "s3://bucket/t"
    store = open_store("s3://bucket/some/prefix/")
    assert store.uri == "s3://bucket/some/prefix"
    assert store.table_uri("t") == "s3://bucket/some/prefix/t"


@pytest.mark.parametrize(
    "uri",
    ["", "gs://bucket/x", "http://host/x", "s3://", "s3:bucket", "s3://b/x", "s3://bucket/../x",
     "s3://bucket/a//b", "file://host/x", "file:relative"],
)
def test_open_store_rejects(uri):
    with pytest.raises(StoreError) as e:
        open_store(uri)
    assert one_line(e).startswith("unsupported store URI")
