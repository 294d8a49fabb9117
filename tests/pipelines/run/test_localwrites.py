"""The clean and publish steps on a full temporary folder: one line naming the path and the
error, and a retry after space is freed completes."""
import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

from newsarchive.errors import WriteFailed
from pipelines.run.localwrites import local_writes
from tests.spiders.test_fulldisk import small_filesystem

CLI = str(Path(sys.executable).with_name("newsarchive"))


def test_disk_errors_become_one_line_naming_the_path(tmp_path):
    with pytest.raises(WriteFailed, match=f"^cannot write {tmp_path}/x: No space left on device$"):
        with local_writes():
            raise OSError(errno.ENOSPC, "Error writing bytes to file", str(tmp_path / "x"))
    with pytest.raises(WriteFailed, match=r"^cannot write .+: Input/output error$"):
        with local_writes():
            raise OSError(errno.EIO, "Error writing bytes to file. Detail: [errno 5] Input/output error")
    with pytest.raises(ConnectionResetError):                 # not a disk's error: left as it is
        with local_writes():
            raise ConnectionResetError(errno.ECONNRESET, "reset")


def _step(step: str, tmp_path: Path, tmpdir: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, step, "demo", "--run-id", "tmp-1", "--store", str(tmp_path / "store"),
                           "--staging", str(tmp_path / "staging"), *extra], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "TMPDIR": str(tmpdir)})


def _one_line(result: subprocess.CompletedProcess, folder: Path) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip() and "━" not in line]   # not the bar
    assert result.returncode == 2 and len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith(f"error: cannot write {folder}") and "No space left on device" in lines[0]
    return lines[0]


@pytest.mark.slow
def test_clean_and_publish_on_a_full_disk_fail_in_one_line_and_complete_when_retried(demo_site, tmp_path):
    for step in ("crawl", "upload"):
        extra = ("--base-url", demo_site.base_url) if step == "crawl" else ()
        done = _step(step, tmp_path, Path("/tmp"), *extra)
        assert done.returncode == 0, done.stderr[-3000:]
    with small_filesystem(tmp_path / "tmp", "16k") as tmpdir:
        _one_line(_step("clean", tmp_path, tmpdir), tmpdir)
        subprocess.run(["mount", "-o", "remount,size=64m", str(tmpdir)], check=True)
        assert _step("clean", tmp_path, tmpdir).returncode == 0
        subprocess.run(["mount", "-o", "remount,size=16k", str(tmpdir)], check=True)
        _one_line(_step("publish", tmp_path, tmpdir), tmpdir)
        subprocess.run(["mount", "-o", "remount,size=64m", str(tmpdir)], check=True)
        published = _step("publish", tmp_path, tmpdir)
        assert published.returncode == 0, published.stderr[-3000:]
        assert not list(tmpdir.iterdir())                    # nothing left behind in the temporary folder
    articles = DeltaTable(str(tmp_path / "store" / "articles")).to_pyarrow_table(columns=["url"]).to_pylist()
    assert sorted(row["url"] for row in articles) == sorted(demo_site.base_url + a.path for a in demo_site.articles())
