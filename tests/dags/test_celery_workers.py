"""Workers on many machines: Airflow with the CeleryExecutor (Redis broker, PostgreSQL metadata
database and result backend), and Celery workers with their own staging folders and task log
folders, standing in for hosts that share nothing but the store (S3) and Airflow. Crawl and
clean are pinned to different queues, so a run needs two workers; then a worker's whole
machine is killed mid-crawl and the crawl is retried on another, without losing or doubling
a capture. One installation serves both cases, with short heartbeat and retry timings."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipelines.archive.writer import Archive
from pipelines.schedule.localairflow import ensure_pools
from pipelines.run.shipping import run_warc_keys
from pipelines.store import layout, open_store
from pipelines.archive.tables import ARTICLES_TABLE, CAPTURES_TABLE
from spiders.crawl import SUMMARY_NAME
from tests.dags.airflowcluster import (cluster_env, demo_sites_dir, kill_machine, migrate, services,
                                       start, stop, wait_for)
from tests.support import free_port

pytestmark = pytest.mark.slow
DAG_ID = "newsarchive_demo"
BOUND = 240          # seconds per wait; a bound against hanging, not a speed target
HEARTBEAT_TIMEOUT = 12   # a task whose worker is gone is failed (and retried) this soon


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def cluster(airflow_db, demo_site, s3_client, tmp_path_factory):
    if not airflow_db.startswith("postgresql") or not _listening(6379):
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")
    home = tmp_path_factory.mktemp("airflow-celery")
    sites = demo_sites_dir(home, demo_site.base_url)
    demo = sites / "demo.toml"       # a yearly schedule from today: an unpaused DAG gets no scheduled run
    demo.write_text(demo.read_text().replace('cron = "0 0 * * *"',
                                             f'cron = "0 0 1 1 *"\nstart_date = {date.today().isoformat()}'))
    bucket = f"celery-{uuid.uuid4().hex[:20]}"
    s3_client.create_bucket(Bucket=bucket)
    tag = uuid.uuid4().hex[:8]       # queues of their own: other test runs may share the broker
    queues = {name: f"{name}-{tag}" for name in ("default", "crawl", "clean")}
    port = free_port()
    env = cluster_env(home, port, airflow_db, base={
        **os.environ,
        "NEWSARCHIVE_STORE": f"s3://{bucket}/archive",
        "NEWSARCHIVE_SITES_DIR": str(sites),
        "NEWSARCHIVE_CRAWL_QUEUE": queues["crawl"],
        "NEWSARCHIVE_UPLOAD_QUEUE": queues["clean"],     # the upload too runs where nothing was crawled
        "NEWSARCHIVE_CLEAN_QUEUE": queues["clean"],
        "NEWSARCHIVE_CLEAN_WORKERS": "2",                 # a clean pool inside a Celery worker's task
        "NEWSARCHIVE_RETRY_DELAY_SECONDS": "2",
        # Many WARCs per crawl, shipped one by one: even a re-crawl (small revisit records)
        # ships its first WARC early, so a kill after it lands well before the crawl ends.
        "NEWSARCHIVE_WARC_MAX_BYTES": "200000",
    })
    env.update({
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",     # the REST API without a login
        "AIRFLOW__CELERY__BROKER_URL": "redis://127.0.0.1:6379/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + airflow_db,
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queues["default"],
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "2",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
    })
    migrate(env)
    with services(home, env, port, apps="core,execution") as procs:
        cluster = Cluster(home, env, queues, sa.create_engine(airflow_db), demo_site.base_url)
        cluster.start_worker("a", "crawl", "default")    # all start while the DAG is parsed
        cluster.start_worker("b", "clean", "default")
        try:
            ensure_pools(env)
            wait_for("the DAG processor to store the demo DAG (unpaused)", cluster.dag_ready, home, BOUND)
            yield cluster
        finally:
            stop(*cluster.workers.values(), *procs, grace=5)     # the test is over: no need to wait long


class Cluster:
    def __init__(self, home: Path, env: dict, queues: dict, engine, base_url: str):
        self.home, self.env, self.queues, self.engine, self.base_url = home, env, queues, engine, base_url
        self.workers: dict[str, subprocess.Popen] = {}

    def start_worker(self, name: str, *queues: str):
        """A Celery worker as another host would run it: its own staging and task log folders."""
        env = {**self.env, "NEWSARCHIVE_STAGING_DIR": str(self.staging(name)),
               "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / f"worker-{name}" / "logs")}
        self.workers[name] = start(self.home, f"worker-{name}", [
            "celery", "worker", "--queues", ",".join(self.queues[q] for q in queues), "--concurrency", "2",
            "--celery-hostname", f"{name}@%h", "--skip-serve-logs", "--without-gossip", "--without-mingle"], env)

    def staging(self, name: str) -> Path:
        return self.home / f"worker-{name}" / "staging"

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        """The REST API (an `airflow` command would cost seconds of start-up on each call)."""
        request = urllib.request.Request(f"{self.env['AIRFLOW__API__BASE_URL']}/api/v2/{path}", method=method,
                                         data=json.dumps(body).encode() if body else None,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    def dag_ready(self) -> bool:
        """The API server answers, and the DAG processor has stored the DAG (unpaused)."""
        try:
            return not self.api("GET", f"dags/{DAG_ID}")["is_paused"]
        except (urllib.error.URLError, ConnectionError):     # refused while starting, 404 until stored
            return False

    def trigger(self, run_id: str) -> None:
        run = self.api("POST", f"dags/{DAG_ID}/dagRuns",
                       {"dag_run_id": run_id, "logical_date": None, "conf": {"base_url": self.base_url}})
        assert run["dag_run_id"] == run_id

    def run_state(self, run_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.text("SELECT state FROM dag_run WHERE dag_id = :d AND run_id = :r"),
                                {"d": DAG_ID, "r": run_id}).scalar()

    def task_rows(self, run_id: str) -> dict[str, tuple]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT task_id, queue, try_number, state FROM task_instance "
                                        "WHERE dag_id = :d AND run_id = :r"), {"d": DAG_ID, "r": run_id}).all()
        return {r.task_id: (r.queue, r.try_number, r.state) for r in rows}

    def logs(self, worker: str, run_id: str, task_id: str):
        """The task's attempt logs that a worker wrote (on its own machine)."""
        return iter(sorted(self.home.glob(f"worker-{worker}/logs/dag_id={DAG_ID}/run_id={run_id}/"
                                          f"task_id={task_id}/*.log")))

    def ran_on(self, run_id: str, task_id: str) -> dict[str, list[str]]:
        """Worker name -> the attempts of the task whose log that worker wrote."""
        found: dict[str, list[str]] = {}
        for log in self.logs("*", run_id, task_id):
            found.setdefault(log.parents[4].name.removeprefix("worker-"), []).append(log.stem)
        return found

    def wait_until_done(self, run_id: str) -> None:
        state = wait_for(f"run {run_id} to finish",
                         lambda: (state := self.run_state(run_id)) in ("success", "failed") and state,
                         self.home, BOUND)
        assert state == "success", (self.task_rows(run_id), _logs(self.home, run_id))


def _logs(home: Path, run_id: str) -> str:
    return "\n".join(f"--- {p.relative_to(home)}\n{p.read_text(errors='replace')[-1500:]}"
                     for p in sorted(home.glob(f"worker-*/logs/dag_id={DAG_ID}/run_id={run_id}/**/*.log")))


def archive_checks(cluster: Cluster, run_id: str, articles: int) -> list[str]:
    """Every demo article once, no (article, content) twice, every URL captured once in the run;
    the run's WARCs in the store are exactly those its manifest names. Returns the run's WARC keys."""
    store = open_store(cluster.env["NEWSARCHIVE_STORE"])
    archive = Archive(store)
    rows = archive.table(ARTICLES_TABLE).to_pyarrow_table(columns=["article_id", "content_hash"]).to_pylist()
    assert len({r["article_id"] for r in rows}) == articles
    twice = [k for k, n in Counter((r["article_id"], r["content_hash"]) for r in rows).items() if n > 1]
    assert twice == [], "duplicate (article_id, content_hash)"
    captures = archive.table(CAPTURES_TABLE).to_pyarrow_table(columns=["run_id", "url"]).to_pylist()
    urls = Counter(r["url"] for r in captures if r["run_id"] == run_id)
    assert urls and [u for u, n in urls.items() if n > 1] == [], "a URL captured twice in one run"
    manifest = json.loads(store.get_bytes(f"runs/demo/{run_id}.json"))
    assert sorted(run_warc_keys(store, "demo", run_id)) == sorted(manifest["warc_keys"])
    assert [o.key for o in store.list("staging/")] == []
    return manifest["warc_keys"]


def test_crawl_and_clean_run_on_different_workers(cluster, demo_site):
    cluster.trigger("celery-1")
    cluster.wait_until_done("celery-1")

    tasks = cluster.task_rows("celery-1")
    assert tasks["crawl"][0] == cluster.queues["crawl"] and tasks["clean"][0] == cluster.queues["clean"]
    assert cluster.ran_on("celery-1", "crawl") == {"a": ["attempt=1"]}
    assert cluster.ran_on("celery-1", "upload") == {"b": ["attempt=1"]}
    assert cluster.ran_on("celery-1", "clean") == {"b": ["attempt=1"]}
    assert len(archive_checks(cluster, "celery-1", len(demo_site.articles()))) > 1
    for name in ("a", "b"):          # nothing waits in a worker's staging folder once the run is done
        assert not [p for p in cluster.staging(name).rglob("*") if p.is_file()], f"files left on worker {name}"


def test_a_worker_killed_mid_crawl_and_the_crawl_retried_on_the_other(cluster, demo_site):
    run = "celery-2"
    cluster.start_worker("c", "crawl")    # a second crawling host; b still takes the steps after the crawl
    store = open_store(cluster.env["NEWSARCHIVE_STORE"])
    cluster.trigger(run)
    shipped, crawler = wait_for("the crawl to ship a WARC", lambda: (keys := run_warc_keys(store, "demo", run))
                                and (on := cluster.ran_on(run, "crawl")) and (keys, on), cluster.home, BOUND)
    (victim,) = crawler
    kill_machine(cluster.workers[victim])
    assert not store.exists(layout.staging_key("demo", run, SUMMARY_NAME)), "killed after the crawl had finished"
    assert not (cluster.staging(victim) / "demo" / run / SUMMARY_NAME).exists(), "killed after the crawl had finished"
    cluster.wait_until_done(run)

    survivor = {"a": "c", "c": "a"}[victim]
    assert cluster.ran_on(run, "crawl") == {victim: ["attempt=1"], survivor: ["attempt=2"]}
    assert cluster.task_rows(run)["crawl"][1:] == (2, "success")
    assert cluster.ran_on(run, "upload") == {"b": ["attempt=1"]}
    retry_log = next(cluster.logs(survivor, run, "crawl"))
    set_aside = re.search(rf"re-crawling run {run}: setting aside (\d+) WARC files", retry_log.read_text())
    assert set_aside and int(set_aside[1]) >= len(shipped), "the retry did not set aside what the killed crawl stored"
    kept = {o.key.rsplit("/", 1)[-1] for o in store.list(f"attempts/demo/{run}/")}
    assert {key.rsplit("/", 1)[-1] for key in shipped} <= kept, "a WARC the killed crawl stored was lost"
    warc_keys = archive_checks(cluster, run, len(demo_site.articles()))
    assert set(shipped).isdisjoint(warc_keys), "a WARC of the killed crawl is in the archive"
