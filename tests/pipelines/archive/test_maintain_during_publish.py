"""Maintenance while publishes commit, on a folder and on S3: writer processes publish runs of
two sites out of capture order (so publishes also rewrite stored files) while maintenance
compacts, checkpoints and vacuums in a loop. Nothing is lost, nothing doubled, every article's
versions are numbered in capture order, and compactions did land between the publishes."""
from __future__ import annotations

import multiprocessing
import random
from datetime import timedelta

import pytest

from pipelines.archive.maintain import maintain, partition_files
from pipelines.archive.tables import ARTICLES_TABLE, CAPTURES_TABLE
from pipelines.archive.writer import PUBLISH_ID, Archive
from pipelines.store import open_store
from tests.pipelines.archive.test_writer import T0, article, capture

SITES, RUNS, ARTICLES, WRITERS = ("demo", "other"), 10, 8, 3


def contents(number: int, index: int) -> tuple[str, str]:
    """(title, text) of article `index` in run `number`: odd articles change every other run."""
    revision = number // 2 if index % 2 else 0
    return f"Story {index}", f"Body of story {index}, revision {revision}."


def run_rows(site: str, number: int) -> tuple[list[dict], list[dict]]:
    run_id, fetched = f"run-{number:02d}", T0 + timedelta(hours=number)
    arts, caps = [], []
    for index in range(ARTICLES):
        title, text = contents(number, index)
        row = {**article(f"{site}-a{index}", title, text, fetched, run_id), "site": site}
        arts.append(row)
        caps.append({**capture(f"{site}-{number}-{index}", run_id), "site": site, "fetched_at": fetched,
                     "article_id": row["article_id"], "content_hash": row["content_hash"]})
    return caps, arts


def publisher(store_uri: str, jobs: list[tuple[str, int]], results) -> None:
    archive = Archive(open_store(store_uri))
    for site, number in jobs:
        try:
            result = archive.publish(site, f"run-{number:02d}", *run_rows(site, number),
                                     publish_id=f"{site}/{number}")
            results.put((site, number, result.versions_added, result.captures_added))
        except Exception as exc:             # reported to the test, which fails on it
            results.put((site, number, f"{type(exc).__name__}: {exc}", None))


def expected_versions(site: str) -> dict[str, list[str]]:
    """article id -> its content hashes in the order they were first captured."""
    expected = {}
    for index in range(ARTICLES):
        firsts: dict[str, int] = {}
        for number in range(RUNS):
            _caps, arts = run_rows(site, number)
            firsts.setdefault(arts[index]["content_hash"], number)
        expected[f"{site}-a{index}"] = sorted(firsts, key=firsts.get)
    return expected


@pytest.fixture(params=["local", "s3"])
def store_uri(request, tmp_path) -> str:
    if request.param == "local":
        return str(tmp_path / "store")
    request.getfixturevalue("s3_server")
    return f"s3://{request.getfixturevalue('s3_bucket')}/archive"


@pytest.mark.slow
def test_compaction_while_publishes_commit(store_uri):
    rng = random.Random(23)
    store = open_store(store_uri)
    Archive(store).publish(SITES[0], "run-00", *run_rows(SITES[0], 0), publish_id=f"{SITES[0]}/0")   # the tables
    jobs = [(site, number) for site in SITES for number in range(RUNS) if (site, number) != (SITES[0], 0)]
    rng.shuffle(jobs)                      # out of capture order: later runs renumber stored rows
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    workers = [spawn.Process(target=publisher, args=(store_uri, jobs[i::WRITERS], results)) for i in range(WRITERS)]
    for worker in workers:
        worker.start()
    passes = 0
    try:
        while any(w.is_alive() for w in workers) or passes == 0:
            maintain(store, retention_days=1)     # a day: files a planning publish may still copy stay
            passes += 1
        got = [results.get(timeout=60) for _ in jobs]
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
    assert [g for g in got if isinstance(g[2], str)] == []
    maintain(store, retention_days=1)

    archive = Archive(store)
    arts = archive.table(ARTICLES_TABLE).to_pyarrow_table(
        columns=["site", "article_id", "version", "content_hash", "fetched_at"]).to_pylist()
    for site in SITES:
        found: dict[str, list] = {}
        for row in sorted((r for r in arts if r["site"] == site), key=lambda r: r["version"]):
            found.setdefault(row["article_id"], []).append((row["version"], row["content_hash"]))
        expected = expected_versions(site)
        assert {a: [h for _v, h in rows] for a, rows in found.items()} == expected     # capture order
        assert all([v for v, _h in rows] == list(range(1, len(rows) + 1)) for rows in found.values())
    caps = archive.table(CAPTURES_TABLE).to_pyarrow_table(columns=["record_id"]).column("record_id").to_pylist()
    assert sorted(caps) == sorted({f"{s}-{n}-{i}" for s in SITES for n in range(RUNS) for i in range(ARTICLES)})
    assert sum(g[3] for g in got) + ARTICLES == len(caps)                              # counted once each

    # the compactions did happen between publishes, and left one file per partition
    history = archive.table(ARTICLES_TABLE).history()
    publishes = [c["version"] for c in history if c.get(PUBLISH_ID)]
    compactions = [c["version"] for c in history if c["operation"] == "OPTIMIZE"]
    assert any(min(publishes) < v < max(publishes) for v in compactions), (passes, compactions, publishes)
    assert set(partition_files(archive.table(ARTICLES_TABLE)).values()) == {1}
