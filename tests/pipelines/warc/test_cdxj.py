"""CDXJ indexes beside every stored WARC and merged per site, checked against cdxj-indexer's own CLI."""
import json
import subprocess
import sys
from pathlib import Path

from pipelines.store import layout
from pipelines.warc import cdxj

CDXJ_INDEXER = str(Path(sys.executable).with_name("cdxj-indexer"))


def entries(lines):
    """(url, timestamp, offset, length) of each line."""
    out = set()
    for line in lines:
        _, stamp, fields = line.split(" ", 2)
        data = json.loads(fields)
        out.add((data["url"], stamp, int(data["offset"]), int(data["length"])))
    return out


def all_keys(warc_archive):
    return [k for keys in warc_archive["runs"].values() for k in keys]


def test_each_warc_index_agrees_with_cdxj_indexer(warc_archive, tmp_path):
    store = warc_archive["store"]
    for key in all_keys(warc_archive):
        local = tmp_path / Path(key).name
        local.write_bytes(store.get_bytes(key))
        theirs = subprocess.run([CDXJ_INDEXER, str(local)], capture_output=True, text=True, check=True)
        ours = cdxj.read_lines(store, layout.warc_index_key(key))
        assert ours == sorted(ours)
        assert len(ours) > 400
        replayable = [l for l in theirs.stdout.splitlines() if not cdxj.is_not_modified(l)]   # 304s left out
        assert entries(ours) == entries(replayable)
        assert {json.loads(l.split(" ", 2)[2])["filename"] for l in ours} == {key}


def test_site_index_is_sorted_and_merges_every_warc(warc_archive):
    store = warc_archive["store"]
    merged = cdxj.read_lines(store, layout.site_index_key("demo"))
    assert merged == sorted(merged)
    per_warc = [l for key in all_keys(warc_archive) for l in cdxj.read_lines(store, layout.warc_index_key(key))]
    assert sorted(per_warc) == merged


def test_reindexing_adds_nothing_twice(warc_archive, tmp_path):
    from pipelines.store import open_store
    store = warc_archive["store"]
    key = all_keys(warc_archive)[0]
    copy = open_store(tmp_path / "copy")
    copy.put_bytes(key, store.get_bytes(key))
    once = cdxj.index_warcs(copy, "demo", [key])
    assert cdxj.index_warcs(copy, "demo", [key]) == once
    assert cdxj.read_lines(copy, layout.site_index_key("demo")) == cdxj.read_lines(copy, layout.warc_index_key(key))
