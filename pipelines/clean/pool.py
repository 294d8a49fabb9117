"""Cleaning on every core: records go to a process pool in small chunks, results come back
in record order, and only a few chunks are in flight, so memory does not grow with the run.

Worker processes are spawned, not forked: the parent holds boto3 clients and threads that a
fork would copy mid-use. They die with the parent (kill -9 included), so a killed clean
leaves no workers behind. Each worker gets the site, run and template once, at start. A spawned
worker imports the parent's main module: a script that cleans must keep its work under
`if __name__ == "__main__":` (the CLI, pytest, Airflow and Celery all do)."""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Callable, Iterable, Iterator

from spiders.crawl import die_with
from spiders.siteconfig import SiteDefinition

from pipelines.clean.sitetemplate import Boilerplate
from pipelines.warc.reader import ResponseRecord

# (record, site, run id, boilerplate) -> (capture row, article row or None)
CleanRecord = Callable[[ResponseRecord, SiteDefinition, str, Boilerplate], tuple[dict, dict | None]]

CHUNK = 32                     # records per task: enough to amortise the pickling
WORKERS_ENV = "NEWSARCHIVE_CLEAN_WORKERS"
_job: tuple | None = None      # (clean_record, site, run_id, boilerplate) in a worker


def default_workers() -> int:
    """$NEWSARCHIVE_CLEAN_WORKERS, else one. A pool is opted into: each spawned worker costs
    about 150 MB, which a small run's memory bound cannot afford, and an Airflow task process
    cannot keep spawned workers alive under it."""
    return max(1, int(os.environ.get(WORKERS_ENV) or 1))


def cleaned(records: Iterable[ResponseRecord], clean_record: CleanRecord, site: SiteDefinition, run_id: str,
            boilerplate: Boilerplate, workers: int | None = None
            ) -> Iterator[tuple[ResponseRecord, dict, dict | None]]:
    """(record, capture row, article row or None) for every record, in order. `clean_record`
    is a module-level function (the workers import it by name)."""
    workers = workers or default_workers()
    if workers == 1:
        for record in records:
            yield (record, *clean_record(record, site, run_id, boilerplate))
        return
    chunks = iter(lambda it=iter(records): list(islice(it, CHUNK)), [])
    with pool_of(workers, clean_record, site, run_id, boilerplate) as pool:
        pending: deque[tuple[list[ResponseRecord], Future]] = deque()
        for chunk in chunks:
            pending.append((chunk, pool.submit(_clean_chunk, chunk)))
            if len(pending) > 2 * workers:
                yield from _done(*pending.popleft())
        while pending:
            yield from _done(*pending.popleft())


def pool_of(workers: int, clean_record: CleanRecord | None, site: SiteDefinition | None, run_id: str,
            boilerplate: Boilerplate | None) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                               initargs=(clean_record, site, run_id, boilerplate, os.getpid()))


def _done(chunk: list[ResponseRecord], future: Future):
    for record, (capture, article) in zip(chunk, future.result()):
        yield record, capture, article


def _start(clean_record: CleanRecord, site: SiteDefinition, run_id: str, boilerplate: Boilerplate,
           parent_pid: int) -> None:
    global _job
    die_with(parent_pid)
    _job = (clean_record, site, run_id, boilerplate)


def _clean_chunk(chunk: list[ResponseRecord]) -> list[tuple[dict, dict | None]]:
    clean_record, site, run_id, boilerplate = _job
    return [clean_record(record, site, run_id, boilerplate) for record in chunk]
