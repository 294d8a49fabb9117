"""`newsarchive verify` over a store with two runs, and over copies with faults put in."""
import gzip
import shutil
import zlib

import pytest

from pipelines.cli.main import main
from pipelines.store import open_store
from pipelines.warc.verify import verify


def test_clean_store_passes_with_counts(warc_archive):
    report = verify(warc_archive["store"])
    assert report.ok, report.problems[:3]
    assert report.warcs == 2
    assert report.records > 2000 and report.digests_passed > 1000
    assert report.rows_checked["articles"] == 240 and report.rows_checked["captures"] > 900


@pytest.fixture
def store_copy(warc_archive, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(warc_archive["store"].root, root)
    return open_store(root), warc_archive["runs"]


def _flip_payload_byte(path):
    """Change one payload byte of the first response record, keeping its WARC headers."""
    data = path.read_bytes()
    out, offset, changed = bytearray(), 0, False
    while offset < len(data):
        d = zlib.decompressobj(31)            # one gzip member (one record) at a time
        plain = d.decompress(data[offset:])
        used = len(data) - offset - len(d.unused_data)
        if not changed and b"WARC-Type: response" in plain:
            end = plain.rindex(b"\r\n\r\n")
            plain = plain[:end - 1] + bytes([plain[end - 1] ^ 1]) + plain[end:]
            changed = True
        out += gzip.compress(plain)
        offset += used
    path.write_bytes(bytes(out))


def test_a_changed_payload_is_a_digest_mismatch(store_copy, capsys):
    store, runs = store_copy
    key = runs["first"][0]
    _flip_payload_byte(store.root / key)
    report = verify(store)
    assert not report.ok
    assert any(key in p and "digest" in p for p in report.problems)
    assert main(["verify", "--store", str(store.root)]) == 1
    assert "problems" in capsys.readouterr().out


def test_rows_pointing_at_a_missing_warc_are_reported(store_copy):
    store, runs = store_copy
    key = runs["second"][0]
    (store.root / key).unlink()
    report = verify(store)
    missing = [p for p in report.problems if key in p and "no record there" in p]
    assert report.rows_checked["captures"] > len(missing) > 400


@pytest.mark.parametrize("cut", ["half", "last200"])
def test_a_truncated_warc_is_reported(store_copy, cut):
    store, runs = store_copy
    key = runs["second"][0]
    path = store.root / key
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2] if cut == "half" else data[:-200])
    problems = [p for p in verify(store).problems if key in p]
    assert any("truncated" in p for p in problems), problems[:3]


def test_a_bad_gzip_member_is_reported(store_copy):
    store, runs = store_copy
    key = runs["second"][0]
    path = store.root / key
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert any(key in p and "bad gzip member" in p for p in verify(store).problems)


def test_verify_needs_no_write_access(store_copy, monkeypatch):
    from pipelines.store.local import LocalStore

    def refuse(self):
        raise AssertionError("verify must not probe for write access")
    monkeypatch.setattr(LocalStore, "check", refuse)
    store, _ = store_copy
    assert main(["verify", "--store", str(store.root)]) == 0
