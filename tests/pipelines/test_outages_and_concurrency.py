"""S3 outages shorter and longer than the retry budget during upload, clean and publish (the
server process paused, then resumed), and 8 publishes at once on a local folder and on S3:
nothing lost, nothing doubled. Replay a failure with NEWSARCHIVE_TEST_SEED=<the printed seed>."""
from __future__ import annotations

import hashlib
import io
import random
import time
from collections import Counter
from datetime import timedelta

import pyarrow.parquet as pq
import pytest

from pipelines.store import layout
from pipelines.archive.writer import Archive
from pipelines.store import open_store
from pipelines.archive.tables import ARTICLES_TABLE, CAPTURES_TABLE
from spiders.crawl import SUMMARY_NAME
from tests.support import free_port

from tests.pipelines.exactlyonce import (SEED, SITE, assert_same_archive, baseline_state, last_line, publish_at_once,
                          run_until_done, settings_for, stage_warcs, start_s3_server, start_step,
                          stop_s3_server)

RUN = "test"                                   # the run id the session's demo crawl was made with
BUDGET = {"NEWSARCHIVE_STORE_RETRY_SECONDS": "5", "NEWSARCHIVE_STORE_TIMEOUT": "2"}
SHORT_OUTAGE, LONG_OUTAGE = 2.0, None          # 2 s, and until the step gave up (> the 5 s budget)
WRITERS, ROUNDS, ARTICLES, REVISED = 8, 5, 60, 30


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server = start_s3_server(free_port(), tmp_path_factory.mktemp("s3") / "requests.log")
    with pytest.MonkeyPatch.context() as mp:
        for name, value in (("AWS_ENDPOINT_URL", server.endpoint), ("AWS_ACCESS_KEY_ID", "testing"),
                            ("AWS_SECRET_ACCESS_KEY", "testing"), ("AWS_REGION", "us-east-1"),
                            ("AWS_CONFIG_FILE", str(tmp_path_factory.mktemp("aws") / "absent"))):
            mp.setenv(name, value)
        yield server
    stop_s3_server(server)


def outage_during(proc, s3, seconds: float | None, start_when) -> None:
    """Pause the S3 server once `start_when()` says the step is under way, for `seconds`
    (None: until the step has ended, however long its work without the store takes)."""
    deadline = time.monotonic() + 30
    while not start_when() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    s3.pause()
    try:
        if seconds is None:
            proc.wait(timeout=120)
        else:
            time.sleep(seconds)
    finally:
        s3.resume()


@pytest.mark.slow
def test_s3_outages_shorter_and_longer_than_the_retry_budget(s3, demo_crawl, tmp_path):
    print(f"seed {SEED}")
    rng = random.Random(SEED)
    _summary, warcs = demo_crawl
    summary = warcs[0].parent / SUMMARY_NAME
    baseline = baseline_state(tmp_path / "baseline", RUN, warcs, summary)
    settings = settings_for(s3.new_bucket(), tmp_path / "s3")
    stage_warcs(settings, RUN, warcs, summary)
    local = settings.run_dir(SITE, RUN)
    for step in ("upload", "clean", "publish"):
        for seconds in (LONG_OUTAGE, SHORT_OUTAGE):
            log = tmp_path / f"{step}-{seconds or 'long'}.log"
            delay, served, first = rng.uniform(0.0, 0.5), s3.requests(), []
            if step == "upload":       # mid-upload: once a WARC has left the staging folder
                count = len(list(local.glob("*.warc.gz")))
                start_when = lambda: len(list(local.glob("*.warc.gz"))) < count or not count
            else:                      # a moment after the step's first request
                def start_when():
                    if not first and s3.requests() > served:
                        first.append(time.monotonic())
                    return bool(first) and time.monotonic() > first[0] + delay
            proc = start_step(step, RUN, settings, log, env=BUDGET)
            outage_during(proc, s3, seconds, start_when)
            code = proc.wait(timeout=120)
            if seconds == LONG_OUTAGE:
                assert code != 0, f"{step} did not notice a long outage"
                line = last_line(log)
                assert line.startswith("error:") and s3.endpoint in line, log.read_text()[-2000:]
                assert "Traceback" not in log.read_text()
            else:
                assert code == 0, f"{step} failed on a {seconds:g} s outage: {log.read_text()[-2000:]}"
    assert_same_archive(open_store(settings.store_uri), settings, baseline)


def staged_rows(tmp_path, demo_crawl) -> tuple[list[dict], list[dict]]:
    """Cleaned rows of the session's demo crawl (a local run up to the clean step)."""
    _summary, warcs = demo_crawl
    settings = settings_for(str(tmp_path / "rows"), tmp_path / "rows")
    stage_warcs(settings, RUN, warcs, warcs[0].parent / SUMMARY_NAME)
    for step in ("upload", "clean"):
        run_until_done(step, RUN, settings, attempts=1)
    store = open_store(settings.store_uri)

    def read(name):
        data = store.get_bytes(layout.staging_key(SITE, RUN, f"{name}.parquet"))
        return pq.read_table(io.BytesIO(data)).to_pylist()

    return read("captures")[:ARTICLES], read("articles")[:ARTICLES]


def run_rows(number: int, captures: list[dict], articles: list[dict]) -> tuple[list, list]:
    """Run `number`, fetched `number` hours after the crawl: odd runs see REVISED articles changed."""
    later = timedelta(hours=number)
    run_id = f"run-{number}"
    caps = [{**c, "run_id": run_id, "record_id": f"{c['record_id']}-{number}",
             "fetched_at": c["fetched_at"] + later} for c in captures]
    arts = []
    for i, a in enumerate(articles):
        row = {**a, "run_id": run_id, "fetched_at": a["fetched_at"] + later}
        if number % 2 and i < REVISED:
            row.update(title=a["title"] + " (updated)",
                       content_hash=hashlib.sha256((a["content_hash"] + "+rev").encode()).hexdigest())
        arts.append(row)
    return caps, arts


def check_round(store_uri: str, results: list, articles: list[dict]) -> None:
    errors = [r for _n, _run, r in results if isinstance(r, str)]
    assert errors == []
    archive = Archive(open_store(store_uri))
    rows = archive.table(ARTICLES_TABLE).to_pyarrow_table(
        columns=["article_id", "version", "content_hash", "run_id"]).to_pylist()
    by_article: dict[str, list] = {}
    for row in rows:
        by_article.setdefault(row["article_id"], []).append((row["version"], row["run_id"]))
    doubled = {a: sorted(v) for a, v in by_article.items() if len({n for n, _r in v}) != len(v)}
    assert doubled == {}, f"two rows with one version number: {dict(list(doubled.items())[:3])}"
    revised = {a["article_id"] for a in articles[:REVISED]}
    expected = {a["article_id"]: [(1, "run-0"), (2, "run-1")] if a["article_id"] in revised else [(1, "run-0")]
                for a in articles}
    assert {a: sorted(v) for a, v in by_article.items()} == expected     # capture order, not publish order
    captures = archive.table(CAPTURES_TABLE).to_pyarrow_table(columns=["record_id"]).to_pylist()
    assert len(captures) == len({c["record_id"] for c in captures}) == WRITERS * ARTICLES
    assert sum(r["versions_added"] for _n, _run, r in results) == len(rows)     # counted once each
    assert sum(r["captures_added"] for _n, _run, r in results) == len(captures)
    for key in (ARTICLES_TABLE, CAPTURES_TABLE):
        creates = [c for c in archive.table(key).history() if c["operation"] == "CREATE TABLE"]
        assert len(creates) == 1, f"{key} created {len(creates)} times"


@pytest.mark.slow
def test_eight_publishes_at_once_on_local_and_s3(s3, demo_crawl, tmp_path):
    print(f"seed {SEED}")
    rng = random.Random(SEED)
    captures, articles = staged_rows(tmp_path, demo_crawl)
    stores = [str(tmp_path / f"local-{n}") for n in range(ROUNDS)] + [s3.new_bucket() for _ in range(ROUNDS)]
    rounds = []
    for store_uri in stores:
        runs = [(store_uri, f"run-{n}", *run_rows(n, captures, articles)) for n in range(WRITERS)]
        rng.shuffle(runs)                      # which process publishes which run
        rounds.append(runs)
    got = publish_at_once(rounds)
    for number, store_uri in enumerate(stores):
        check_round(store_uri, [r for r in got if r[0] == number], articles)
    print("attempts per publish:", Counter(r["attempts"] for _n, _run, r in got if isinstance(r, dict)))
