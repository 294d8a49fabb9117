"""Helpers of the crash, outage and concurrency tests: an S3 server process the tests can
pause, pipeline steps run as killable processes, and the archive's state compared with
an uninterrupted run of the same WARCs."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pipelines.run import steps
from pipelines.run.storecheck import verify_store
from pipelines.archive.writer import Archive
from pipelines.settings import PipelineSettings
from pipelines.store import Store, open_store
from pipelines.archive.tables import ARTICLES_TABLE, CAPTURES_TABLE
from spiders.siteconfig import load_site
from spiders.crawl import SUMMARY_NAME

SITE = "demo"
SEED = int(os.environ.get("NEWSARCHIVE_TEST_SEED", "20261129"))


@dataclass
class S3Server:
    """moto's S3 server in its own process; `pause()`/`resume()` make an outage."""
    proc: subprocess.Popen
    endpoint: str
    log: Path                      # one line per request served

    def requests(self) -> int:
        return self.log.read_bytes().count(b"\n")

    def pause(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def new_bucket(self) -> str:
        import boto3

        name = f"eo-{uuid.uuid4().hex[:20]}"
        boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1").create_bucket(Bucket=name)
        return f"s3://{name}/archive"


def start_s3_server(port: int, log: Path) -> S3Server:
    from tests.conftest import _wait_for_port

    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                stdout=subprocess.DEVNULL, stderr=out)
    _wait_for_port(port, proc)
    return S3Server(proc, f"http://127.0.0.1:{port}", log)


def stop_s3_server(server: S3Server) -> None:
    server.resume()
    server.proc.terminate()
    server.proc.wait(timeout=10)


def settings_for(store_uri: str, root: Path) -> PipelineSettings:
    return PipelineSettings.from_env(store_uri=store_uri, staging_dir=root / "staging")


def stage_warcs(settings: PipelineSettings, run_id: str, warcs: list[Path], summary: Path) -> None:
    """Put copies of a finished crawl where the upload step looks for them."""
    out = settings.run_dir(SITE, run_id)
    out.mkdir(parents=True, exist_ok=True)
    for path in warcs:
        shutil.copy(path, out / path.name)
    shutil.copy(summary, out / SUMMARY_NAME)


def start_step(step: str, run_id: str, settings: PipelineSettings, log: Path, *extra: str,
               env: dict | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "pipelines.cli.main", step, SITE, "--run-id", run_id,
           "--store", settings.store_uri, "--staging", str(settings.staging_dir), *extra]
    with open(log, "w") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})


def kill_after(proc: subprocess.Popen, seconds: float) -> bool:
    """kill -9 the step's process after `seconds` (only it: its crawler must die with it).
    False when the step had already finished by then."""
    try:
        proc.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return True


def run_until_done(step: str, run_id: str, settings: PipelineSettings, base_url: str | None = None,
                   attempts: int = 3):
    """Re-run a step as a retry would, until it succeeds."""
    site = load_site(SITE, settings.sites_dir)
    for attempt in range(attempts):
        try:
            if step == "crawl":
                return steps.crawl(site, run_id, settings, base_url)
            return getattr(steps, step)(site, run_id, settings)
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


def run_pipeline(run_id: str, settings: PipelineSettings) -> None:
    for step in ("upload", "clean", "publish"):
        run_until_done(step, run_id, settings, attempts=1)


@dataclass
class ArchiveState:
    articles: list[tuple]          # (article_id, version, content_hash, change), sorted
    fetched: dict[tuple, object]   # (article_id, version) -> fetched_at
    capture_ids: Counter           # record_id -> rows
    capture_urls: Counter          # url -> rows


def archive_state(store: Store) -> ArchiveState:
    archive = Archive(store)
    arts = archive.table(ARTICLES_TABLE).to_pyarrow_table(
        columns=["article_id", "version", "content_hash", "change", "fetched_at"]).to_pylist()
    caps = archive.table(CAPTURES_TABLE).to_pyarrow_table(columns=["record_id", "url"]).to_pylist()
    return ArchiveState(
        articles=sorted((r["article_id"], r["version"], r["content_hash"], r["change"]) for r in arts),
        fetched={(r["article_id"], r["version"]): r["fetched_at"] for r in arts},
        capture_ids=Counter(r["record_id"] for r in caps),
        capture_urls=Counter(r["url"] for r in caps),
    )


def assert_versions_well_formed(state: ArchiveState) -> None:
    """No (article, content) twice; versions 1..n without gaps, numbered in capture order."""
    pairs = Counter((a, h) for a, _v, h, _c in state.articles)
    assert not [p for p, n in pairs.items() if n > 1], "duplicate (article_id, content_hash)"
    by_article: dict[str, list[int]] = {}
    for article_id, version, _h, _c in state.articles:
        by_article.setdefault(article_id, []).append(version)
    bad = {a: v for a, v in by_article.items() if sorted(v) != list(range(1, len(v) + 1))}
    assert not bad, f"versions with gaps or twice: {dict(list(bad.items())[:5])}"
    for article_id, versions in by_article.items():
        times = [state.fetched[(article_id, v)] for v in sorted(versions)]
        assert times == sorted(times), f"{article_id}: versions not in capture order"


def assert_same_archive(store: Store, settings: PipelineSettings, baseline: ArchiveState) -> None:
    """The archive equals the uninterrupted run's, every capture once, nothing left over, verify clean."""
    state = archive_state(store)
    assert_versions_well_formed(state)
    assert state.articles == baseline.articles
    assert [r for r, n in state.capture_ids.items() if n > 1] == [], "a capture stored twice"
    assert state.capture_urls == baseline.capture_urls, "captures lost or doubled"
    assert [o.key for o in store.list("staging/")] == []
    leftovers = [p for p in settings.staging_dir.rglob("*") if p.is_file()] if settings.staging_dir.exists() else []
    assert leftovers == []
    report, _ = verify_store(store, SITE)
    assert report.problems == []
    assert report.rows_checked[CAPTURES_TABLE] == sum(state.capture_ids.values())


def baseline_state(root: Path, run_id: str, warcs: list[Path], summary: Path) -> ArchiveState:
    """The archive an uninterrupted run makes of the same WARCs (local store)."""
    settings = settings_for(str(root / "archive"), root)
    stage_warcs(settings, run_id, warcs, summary)
    run_pipeline(run_id, settings)
    return archive_state(open_store(settings.store_uri))


def last_line(log: Path) -> str:
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def publish_worker(index: int, rounds: list[list[tuple]], barrier, results) -> None:
    """One publishing process: in every round, wait for the others, then publish its run."""
    for number, jobs in enumerate(rounds):
        store_uri, run_id, captures, articles = jobs[index]
        barrier.wait()
        try:
            result = Archive(open_store(store_uri)).publish(SITE, run_id, captures, articles)
            results.put((number, run_id, result.__dict__))
        except Exception as exc:           # reported to the test, which fails on it
            results.put((number, run_id, f"{type(exc).__name__}: {exc}"))


def publish_at_once(rounds: list[list[tuple]]) -> list[tuple]:
    """One process per job of a round, all of a round's publishes started together, round
    after round: (round, run id, PublishResult fields or the error) per publish."""
    import multiprocessing

    writers = len(rounds[0])
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(writers), spawn.Queue()
    workers = [spawn.Process(target=publish_worker, args=(i, rounds, barrier, results)) for i in range(writers)]
    for worker in workers:
        worker.start()
    try:
        return [results.get(timeout=300) for _ in range(writers * len(rounds))]
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
