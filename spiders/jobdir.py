"""A private folder for Scrapy's disk queues, so pending requests wait on disk.

A site's index can link to every page at once: held in memory, the pending `Request`
objects grow with the site. With `JOBDIR` set, Scrapy's scheduler pickles them to disk
queues instead. The folder lives in the crawl's output folder and is removed when the
crawl ends; a crawl never resumes from one (a retried run starts over and its WARCs are
replaced), so folders left by a killed crawl are removed before a new one starts.
"""
from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

PREFIX = ".scheduler-"


@contextmanager
def scheduler_folder(out_dir: Path) -> Iterator[Path]:
    """A new, empty folder in `out_dir` for the crawl's `JOBDIR`, removed afterwards."""
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale(out_dir)
    path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=out_dir))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def remove_stale(out_dir: Path) -> None:
    for path in out_dir.glob(f"{PREFIX}*"):
        shutil.rmtree(path, ignore_errors=True)


def job_settings(path: Path) -> dict:
    """Scrapy settings for disk queues in `path`, without the state files a resumed job reads."""
    return {
        "JOBDIR": str(path),
        "DUPEFILTER_CLASS": "spiders.dupefilter.RunDupeFilter",
        "EXTENSIONS": {"scrapy.extensions.spiderstate.SpiderState": None},
    }
