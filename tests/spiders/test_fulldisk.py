"""A full or failing disk stops the crawl at once, with one line naming the path and the error;
what was written whole stays, and a re-run of the run completes with nothing lost or doubled."""
from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from deltalake import DeltaTable
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from newsarchive.errors import WriteFailed
from spiders.crawl import SUMMARY_NAME
from spiders.dedup import DigestIndex
from spiders.scheduler import RunScheduler
from spiders.warcfiles import OPEN_SUFFIX, RotatingWarcWriter
from spiders.warcrecords import EarlierCapture
from spiders.writestop import STAT, check_free_space
from tests.spiders.test_crawl import records

CLI = str(Path(sys.executable).with_name("newsarchive"))


class _FullAfter:
    """A file that takes `room` bytes, then fails every write with ENOSPC."""

    def __init__(self, path: Path, room: int):
        self.file, self.room = open(path, "wb"), room

    def write(self, data):
        if self.file.tell() + len(data) > self.room:
            self.file.write(data[: max(self.room - self.file.tell(), 0)])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.file.write(data)

    def __getattr__(self, name):
        return getattr(self.file, name)


def _record(n: int):
    from io import BytesIO

    from warcio.warcwriter import WARCWriter

    return WARCWriter(None).create_warc_record(f"http://x/{n}", "resource", payload=BytesIO(os.urandom(3000)),
                                               warc_content_type="application/octet-stream")


def test_a_failed_write_names_the_file_and_keeps_the_exchanges_written_whole(tmp_path, monkeypatch):
    monkeypatch.setattr("spiders.warcfiles.open", lambda path, mode: _FullAfter(Path(path), 8000), raising=False)
    writer = RotatingWarcWriter(tmp_path, "full", {"software": "test"})
    written = []
    with pytest.raises(WriteFailed) as failure:
        for n in range(10):
            writer.write(_record(n))
            written.append(n)
    path = next(tmp_path.glob(f"full-*{OPEN_SUFFIX}"))
    assert str(failure.value) == f"cannot write {path}: No space left on device"
    with open(path, "rb") as fh:                    # cut back to the records written whole
        kinds = [r.rec_type for r in ArchiveIterator(fh)]
    assert kinds == ["warcinfo"] + ["resource"] * len(written) and written
    assert writer.close() == []                     # an unfinished file is not renamed as finished


def test_a_full_digest_index_names_its_file(tmp_path):
    index = DigestIndex(tmp_path)
    index._db.execute("PRAGMA max_page_count = 2")      # the database's own size limit: "full"
    with pytest.raises(WriteFailed, match=r"cannot write .*digests.sqlite: database or disk is full"):
        for n in range(5000):
            index.remember(EarlierCapture(f"http://x/{n}" + "y" * 200, "sha1:A", "2026-01-01T00:00:00Z", f"<{n}>"))
    index.close()


def test_a_disk_queue_that_fails_stops_the_crawl_once(monkeypatch):
    crawler = get_crawler(settings_dict={})
    stopped = []
    monkeypatch.setattr("spiders.writestop.stop_crawl", lambda c, failure: (stopped.append(str(failure)),
                                                                               c.stats.set_value(STAT, str(failure))))
    scheduler = RunScheduler.from_crawler(crawler)
    scheduler.dqdir = "/staging/queue"

    class FullQueue:
        def push(self, request):
            raise OSError(errno.ENOSPC, "No space left on device", "/staging/queue/p0")

        def pop(self):
            raise OSError(errno.EIO, "Input/output error")

    scheduler.dqs = FullQueue()
    from scrapy import Request

    assert scheduler._dqpush(Request("http://x/1")) is False
    assert scheduler._dqpush(Request("http://x/2")) is False         # stopping: no second failure
    assert stopped == ["cannot write /staging/queue/p0: No space left on device"]
    assert scheduler._dqpop() is None


def test_free_space_below_the_floor_refuses_to_start(tmp_path):
    free = shutil.disk_usage(tmp_path).free
    check_free_space(tmp_path, 0)
    check_free_space(tmp_path, free // 2)
    with pytest.raises(WriteFailed, match=r"cannot write .*: only .* MB free, below the floor of .* "
                                          r"\(NEWSARCHIVE_MIN_FREE_MB\)"):
        check_free_space(tmp_path, free * 2)


# -- whole crawls -------------------------------------------------------------------------------
def _limit_file_size(limit: int):
    """For a crawl process: files cannot grow past `limit` bytes (writes fail with EFBIG,
    Python ignores SIGXFSZ): a disk that fails, without root."""
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.slow
def test_a_crawl_that_cannot_write_ends_at_once_with_one_line(demo_site, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "spiders.crawl", "demo", "--out", str(out), "--run-id", "efbig",
                             "--base-url", demo_site.base_url], stderr=subprocess.PIPE, text=True,
                            preexec_fn=_limit_file_size(1_000_000), env={**os.environ, "NEWSARCHIVE_MIN_FREE_MB": "0"})
    lines, failed_at = [], None
    for line in proc.stderr:                # the crawl's log: the failed write is logged when it happens
        lines.append(line.rstrip("\n"))
        if failed_at is None and "the crawl stops" in line:
            failed_at = time.monotonic()
    assert proc.wait(timeout=60) == 1, "\n".join(lines[-30:])
    assert failed_at is not None and time.monotonic() - failed_at < 30
    errors = [line for line in lines if line.startswith("error: ")]
    assert errors == [f"error: cannot write {next(out.glob('*' + OPEN_SUFFIX))}: File too large"]
    assert not [line for line in lines if " ERROR: " in line]      # no logged error besides it
    summary = json.loads((out / SUMMARY_NAME).read_text())
    assert summary["finish_reason"] == "write_failed" and summary["failed"] == errors[0].removeprefix("error: ")
    kept = [r for _, r, _ in records(out.glob("*" + OPEN_SUFFIX)) if r.rec_type == "response"]
    assert 0 < len(kept) < summary["responses"] + 1


@contextmanager
def small_filesystem(path: Path, size: str):
    """A tmpfs of `size` mounted at `path`; skips where mounting is not allowed."""
    path.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root (the crawl-level test above covers the mechanism)")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _run(base_url: str, tmp_path: Path, staging: Path) -> tuple[int, str, float | None]:
    """`newsarchive run demo` into `staging`: (exit code, stderr, seconds from the moment the
    staging disk was first seen full to the end, or None if it never filled)."""
    proc = subprocess.Popen([CLI, "run", "demo", "--base-url", base_url, "--run-id", "full-1", "--store",
                             str(tmp_path / "store"), "--staging", str(staging)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "NEWSARCHIVE_MIN_FREE_MB": "1"})
    full_at = None
    with ThreadPoolExecutor(1) as pool:
        stderr = pool.submit(proc.stderr.read)
        while proc.poll() is None:
            if full_at is None and shutil.disk_usage(staging).free < 64 * 1024:
                full_at = time.monotonic()
            time.sleep(0.05)
        ended = time.monotonic()
        return proc.returncode, stderr.result(), None if full_at is None else ended - full_at


@pytest.mark.slow
def test_a_full_staging_disk_fails_the_run_at_once_and_a_rerun_completes(demo_site, demo_crawl, tmp_path):
    with small_filesystem(tmp_path / "staging", "3m") as staging:
        code, stderr, after_full = _run(demo_site.base_url, tmp_path, staging)
        assert code != 0
        lines = [line for line in stderr.splitlines() if "cannot write" in line or "rror" in line]
        assert len(lines) == 1 and f"cannot write {staging}/" in lines[0], stderr[-3000:]
        assert "No space left on device" in lines[0]
        assert after_full is not None and after_full < 30
        subprocess.run(["mount", "-o", "remount,size=64m", str(staging)], check=True)
        code, stderr, _ = _run(demo_site.base_url, tmp_path, staging)
        assert code == 0, stderr[-3000:]
    store = tmp_path / "store"
    captures = DeltaTable(str(store / "captures")).to_pyarrow_table(
        columns=["url", "run_id", "record_type", "status", "record_id"]).to_pylist()
    responses = Counter(row["url"] for row in captures if row["record_type"] == "response")
    reference = Counter(r.rec_headers.get_header("WARC-Target-URI") for _, r, _ in records(demo_crawl[1])
                        if r.rec_type == "response")
    assert responses == reference                  # nothing lost, nothing doubled
    assert len({row["record_id"] for row in captures}) == len(captures)
    articles = DeltaTable(str(store / "articles")).to_pyarrow_table(columns=["url"]).to_pylist()
    assert sorted(row["url"] for row in articles) == sorted(demo_site.base_url + a.path for a in demo_site.articles())


def test_a_crawl_does_not_start_below_the_free_space_floor(tmp_path):
    result = subprocess.run([sys.executable, "-m", "spiders.crawl", "demo", "--out", str(tmp_path), "--run-id", "floor",
                             "--base-url", "http://127.0.0.1:9/"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "NEWSARCHIVE_MIN_FREE_MB": str(10**12)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: cannot write {tmp_path}: only ")
    assert "NEWSARCHIVE_MIN_FREE_MB" in result.stderr and not list(tmp_path.iterdir())
