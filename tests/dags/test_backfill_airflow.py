"""`airflow backfill create` with a real scheduler, DAG processor and API server
(LocalExecutor, the PostgreSQL metadata database on 127.0.0.1): 7 daily runs of
the demo site archive exactly the articles published in those 7 days, once. Each run
cleans on a pool of two worker processes started from the task process."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from deltalake import DeltaTable

from pipelines.store import open_store
from pipelines.archive.tables import ARTICLES_TABLE
from demosite.content import build_articles
from tests.dags.airflowcluster import airflow, cluster_env, demo_sites_dir, prepare, services, wait_for
from tests.support import free_port

FIRST, LAST = "2024-06-10", "2024-06-16"
WINDOW = (datetime(2024, 6, 10, tzinfo=timezone.utc), datetime(2024, 6, 17, tzinfo=timezone.utc))
DAG_ID = "newsarchive_demo"
WAIT_SECONDS = 900     # a bound, not a target: 28 tasks on a busy 2-core machine


@pytest.fixture(scope="module")
def cluster(airflow_db, demo_site, tmp_path_factory):
    """Scheduler, DAG processor and API server (execution API) as separate processes."""
    if not airflow_db.startswith("postgresql"):
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432 (LocalExecutor)")
    home = tmp_path_factory.mktemp("airflow-backfill")
    port = free_port()
    env = cluster_env(home, port, airflow_db, base={
        **os.environ,
        "NEWSARCHIVE_STORE": str(home / "archive"),
        "NEWSARCHIVE_STAGING_DIR": str(home / "staging"),
        "NEWSARCHIVE_SITES_DIR": str(demo_sites_dir(home, demo_site.base_url)),
        # a pool under the task runner, whose main module (the airflow script) a worker must not re-run
        "NEWSARCHIVE_CLEAN_WORKERS": "2",
    })
    prepare(env)
    with services(home, env, port):
        yield env, home, sa.create_engine(airflow_db)


def _wait(what: str, check, home: Path, timeout: float = WAIT_SECONDS):
    return wait_for(what, check, home, timeout)


def _backfill_runs(engine, backfill_only: bool = True) -> list[tuple]:
    query = sa.text("SELECT run_id, state, data_interval_start, data_interval_end, run_type FROM dag_run "
                    "WHERE dag_id = :dag ORDER BY data_interval_start")
    with engine.connect() as conn:
        rows = conn.execute(query, {"dag": DAG_ID}).all()
    return [r for r in rows if r.run_type == "backfill" or not backfill_only]


def _articles(home: Path) -> list[dict]:
    store = open_store(home / "archive")
    table = DeltaTable(store.table_uri(ARTICLES_TABLE), storage_options=store.storage_options())
    return table.to_pyarrow_table(columns=["url", "published", "version"]).to_pylist()


def _finished(engine, backfills: int):
    """The backfill runs, once the scheduler has marked `backfills` backfills completed."""
    with engine.connect() as conn:
        done = conn.execute(sa.text("SELECT completed_at FROM backfill WHERE dag_id = :dag"),
                            {"dag": DAG_ID}).scalars().all()
    if len(done) >= backfills and all(done):
        return _backfill_runs(engine)
    return None


def test_backfill_of_seven_days_archives_exactly_their_articles_once(cluster, demo_site):
    env, home, engine = cluster
    _wait("the DAG processor to serialize the demo DAG",
          lambda: airflow(env, "dags", "list", "-o", "plain").stdout.count(DAG_ID), home)
    assert airflow(env, "dags", "unpause", DAG_ID).returncode == 0
    result = airflow(env, "backfill", "create", "--dag-id", DAG_ID, "--from-date", FIRST, "--to-date", LAST,
                     "--max-active-runs", "4", "--dag-run-conf", f'{{"base_url": "{demo_site.base_url}"}}')
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]

    runs = _wait("7 backfill runs to finish", lambda: _finished(engine, 1), home)
    assert [r.state for r in runs] == ["success"] * 7, runs
    intervals = [(r.data_interval_start, r.data_interval_end) for r in runs]
    assert intervals[0][0] == WINDOW[0] and intervals[-1][1] == WINDOW[1]
    assert all((end - start).days == 1 for start, end in intervals)
    assert all(a[1] == b[0] for a, b in zip(intervals, intervals[1:])), "intervals must tile the range"
    clean_logs = list((home / "logs").glob("dag_id=*/run_id=backfill__*/task_id=clean/attempt=*.log"))
    assert len(clean_logs) == 7 and all("on 2 worker processes" in log.read_text() for log in clean_logs)

    expected = sorted(a.path for a in build_articles(1)
                      if WINDOW[0] <= a.published.astimezone(timezone.utc) < WINDOW[1])
    rows = _articles(home)
    assert sorted(r["url"].removeprefix(demo_site.base_url) for r in rows) == expected
    assert {r["version"] for r in rows} == {1}

    # Backfilling one of the days again reprocesses it and adds no version.
    result = airflow(env, "backfill", "create", "--dag-id", DAG_ID, "--from-date", "2024-06-12",
                     "--to-date", "2024-06-12", "--reprocess-behavior", "completed",
                     "--dag-run-conf", f'{{"base_url": "{demo_site.base_url}"}}')
    assert result.returncode == 0, result.stderr[-3000:]
    runs = _wait("the repeated day to finish", lambda: _finished(engine, 2), home)
    assert [r.state for r in runs] == ["success"] * 7, runs
    again = _articles(home)
    assert len(again) == len(rows) and {r["version"] for r in again} == {1}
