"""Cleaning on every core. The parent only scans where each WARC record starts (no payload is
decoded) and hands out slices of a few dozen records as (WARC key, offset, length); each worker
reads its slice from the store itself, decodes and cleans it, and the parent collects the rows
in record order. Only a few slices are in flight, so memory does not grow with the run, and
the parent does not compete with the workers for the cores by reading every record itself.
The template-learning pass runs on the same workers, over the same slices.

Worker processes are spawned, not forked: the parent holds boto3 clients and threads that a
fork would copy mid-use. They do not import the parent's main module and may be started from a
daemonic process (pipelines.clean.spawning), so a pool works in an Airflow task and in a Celery
worker. They die with the parent (kill -9 included): each watches its parent process, not the
thread that started it, so a pool driven from a short-lived thread keeps its workers."""
from __future__ import annotations

import os
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Callable, Iterable, Iterator

from spiders.siteconfig import SiteDefinition

from newsarchive import environment

from pipelines.clean.sitetemplate import Boilerplate
from pipelines.clean.spawning import pool_spawn
from pipelines.store import Store, open_store
from pipelines.warc.records import ResponseRecord, iter_slice

# (record, site, run id, boilerplate) -> (capture row, article row or None)
CleanRecord = Callable[[ResponseRecord, SiteDefinition, str, Boilerplate], tuple[dict, dict | None]]
# (record, site) -> (page id, the page's block keys), or None for a page that is no article
LearnRecord = Callable[[ResponseRecord, SiteDefinition], tuple[str, set[str]] | None]
Slice = tuple[str, int, int]   # WARC key, offset of its first record, length of its whole records

CHUNK = 32                     # records per slice: enough to amortise a task's round trip
SLICE_BYTES = 8 << 20          # and at most this much stored WARC per slice (one oversized record may pass)
RECORDS_PER_WORKER = 400       # a worker costs ~150 MB and ~1 s to start: only runs this long get one
WORKER_BYTES = 200 << 20       # what a worker may take, for the bound on workers by free memory
_job: tuple | None = None      # (store, site, run id, max body bytes) in a worker


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # not Linux
        return os.cpu_count() or 1


def auto() -> bool:
    """Whether $NEWSARCHIVE_CLEAN_WORKERS leaves the number of workers to default_workers."""
    return environment.value("NEWSARCHIVE_CLEAN_WORKERS") == "auto"


def default_workers(records: int | None = None) -> int:
    """$NEWSARCHIVE_CLEAN_WORKERS: a number, or `auto` (the default) for every core this process
    may run on, but one worker per RECORDS_PER_WORKER records at most (a small run cleans
    faster, and within a small memory bound, in one process) and no more than the available
    memory holds."""
    if not auto():
        return environment.value("NEWSARCHIVE_CLEAN_WORKERS")
    wanted = cores() if records is None else min(cores(), records // RECORDS_PER_WORKER)
    return max(1, min(wanted, _available_bytes() // WORKER_BYTES))


def _available_bytes() -> int:
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 40


def slices(spans: Iterable[tuple[int, int]], key: str) -> Iterator[Slice]:
    """Consecutive records of one WARC grouped by CHUNK and SLICE_BYTES."""
    start = end = count = 0
    for offset, length in spans:
        if count and (count == CHUNK or offset + length - start > SLICE_BYTES):
            yield key, start, end - start
            count = 0
        if not count:
            start = offset
        end, count = offset + length, count + 1
    if count:
        yield key, start, end - start


class WarcPool:
    """Workers that read, learn from and clean slices of WARCs: `spans` has the records'
    (offset, length) per WARC key (pipelines.warc.records.record_spans), in WARC order."""

    def __init__(self, store: Store, spans: dict[str, list[tuple[int, int]]], site: SiteDefinition,
                 run_id: str, workers: int):
        self.slices = [part for key, found in spans.items() for part in slices(found, key)]
        self.workers = workers
        self.executor = pool_of(workers, store.uri, site, run_id, site.limits.max_response_bytes)

    def __enter__(self) -> "WarcPool":
        return self

    def __exit__(self, *exc) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)

    def learned(self, learn_record: LearnRecord) -> Iterator[tuple[str, set[str]]]:
        """(page id, block keys) of every article page, in record order."""
        for pages in self._in_order(_learn_slice, learn_record):
            yield from pages

    def cleaned(self, clean_record: CleanRecord, boilerplate: Boilerplate
                ) -> Iterator[tuple[ResponseRecord, dict, dict | None]]:
        """(record without its body, capture row, article row or None), in record order."""
        for rows in self._in_order(_clean_slice, clean_record, boilerplate):
            yield from rows

    def _in_order(self, task: Callable, *args) -> Iterator:
        pending: deque[Future] = deque()
        for part in self.slices:
            pending.append(self.executor.submit(task, part, *args))
            if len(pending) > 2 * self.workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def cleaned(records: Iterable[ResponseRecord], clean_record: CleanRecord, site: SiteDefinition, run_id: str,
            boilerplate: Boilerplate) -> Iterator[tuple[ResponseRecord, dict, dict | None]]:
    """(record, capture row, article row or None) for every record, in order, in this process."""
    for record in records:
        yield (record, *clean_record(record, site, run_id, boilerplate))


def pool_of(workers: int, store_uri: str | None, site: SiteDefinition | None, run_id: str,
            max_body_bytes: int = 0) -> ProcessPoolExecutor:
    """A pool of clean workers, each with the store, site and run of its tasks (the WarcPool's)."""
    return ProcessPoolExecutor(workers, mp_context=pool_spawn(), initializer=_start,
                               initargs=(store_uri, site, run_id, max_body_bytes, os.getpid()))


def _start(store_uri: str | None, site: SiteDefinition, run_id: str, max_body_bytes: int, parent_pid: int) -> None:
    global _job
    if os.getppid() != parent_pid:          # the parent died while this worker started
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), daemon=True, name="parent-watch").start()
    _job = (open_store(store_uri) if store_uri else None, site, run_id, max_body_bytes)


def _watch(parent_pid: int) -> None:
    """End this worker once its parent process is gone. Not PR_SET_PDEATHSIG (spiders.crawl.die_with):
    that fires when the parent's *thread* that started the worker ends, and a pool starts a
    worker from whichever thread submits to it when one is missing."""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(1)


def _records(part: Slice) -> Iterator[ResponseRecord]:
    store, site, _, max_body_bytes = _job
    return iter_slice(store, *part, max_body_bytes, failures=True)


def _learn_slice(part: Slice, learn_record: LearnRecord) -> list[tuple[str, set[str]]]:
    site = _job[1]
    found = (learn_record(record, site) for record in _records(part) if not record.failure)
    return [page for page in found if page is not None]


def _clean_slice(part: Slice, clean_record: CleanRecord, boilerplate: Boilerplate
                 ) -> list[tuple[ResponseRecord, dict, dict | None]]:
    _, site, run_id, _ = _job
    rows = []
    for record in _records(part):
        capture, article = clean_record(record, site, run_id, boilerplate)
        record.body = b""           # the parent's progress needs the record, not its payload
        rows.append((record, capture, article))
    return rows
