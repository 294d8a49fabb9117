"""Archive maintenance on a schedule: one task per Delta table (articles, captures, runs),
each compacting the sites' partitions that gathered small files since the last pass, writing a
checkpoint, expiring old log entries and vacuuming files removed longer ago than the retention
(pipelines/archive/maintain.py; the same as `newsarchive maintain`).

Safe while the sites' DAGs publish: a publish that committed first makes the compaction of
that partition plan again, and a compaction that committed first makes the publish plan again.

    NEWSARCHIVE_MAINTAIN_SCHEDULE   cron of the passes (default hourly: a site archived every
                                    15 minutes gathers at most four files between two passes)
    NEWSARCHIVE_RETENTION_DAYS      how far back time travel reaches (default 30)

Parsing imports no Delta code: the tasks do, when they run.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from newsarchive import environment
from pipelines.health.alerts import failure_notifiers

TABLES = ("articles", "captures", "runs_table")
SCHEDULE = environment.value("NEWSARCHIVE_MAINTAIN_SCHEDULE")

with DAG(
    dag_id="newsarchive_maintenance",
    description="Compact, checkpoint, expire and vacuum the archive's Delta tables",
    schedule=SCHEDULE,
    start_date=datetime(2024, 1, 1),
    catchup=False,                      # a missed pass is made up by the next one
    max_active_runs=1,
    default_args={"owner": "newsarchive", "retries": 2,
                  "retry_delay": timedelta(seconds=environment.value("NEWSARCHIVE_RETRY_DELAY_SECONDS")),
                  "on_failure_callback": failure_notifiers() or None},
    tags=["newsarchive", "maintenance"],
    doc_md=__doc__,
) as dag:
    for _name in TABLES:
        @task(task_id=f"maintain_{_name}", execution_timeout=timedelta(hours=2))
        def maintain_table(table: str = _name) -> dict:
            from pipelines.archive.maintain import maintain
            from pipelines.settings import PipelineSettings, open_checked_store

            store = open_checked_store(PipelineSettings.from_env())
            reports = maintain(store, keys=[table])
            return {k: v for r in reports for k, v in r.__dict__.items()}

        maintain_table()
