"""One Airflow DAG per enabled site definition: crawl -> upload -> clean -> publish -> check,
and index_search after publish.

Each scheduled or backfill run covers a real data interval, from the previous
cron tick to this one in the site's time zone (CronDataIntervalTimetable), and
crawls only the articles dated in it; scheduled runs also re-check recent
articles on a decaying schedule. Manual runs (no logical date) do a full
discovery unless their `discovery` param says "window".

`check` compares the run's health with the site's recent runs and fails, in one line
naming what changed, when the site looks broken (the data is published by then). Failed
tasks alert through the notifiers set up by NEWSARCHIVE_ALERT_* (pipelines/health/alerts.py).

Parsing stays fast: only the site files are read here (no network, no pandas,
Scrapy or Delta imports); the tasks import the pipeline when they run.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param, get_current_context, task

from newsarchive import environment
from pipelines.health.alerts import failure_notifiers
from pipelines.settings import PipelineSettings
from spiders.runids import RunId
from spiders.siteconfig import SiteDefinition, load_sites

DEFAULT_ARGS = {
    "owner": "newsarchive",
    "retries": 2,
    "retry_delay": timedelta(seconds=environment.value("NEWSARCHIVE_RETRY_DELAY_SECONDS")),
    "retry_exponential_backoff": True,
}
# Downstream DAGs can be scheduled on the archive: `schedule=[ARCHIVE_ASSET]`.
ARCHIVE_ASSET = Asset("newsarchive-articles", uri="newsarchive://archive/articles")
WINDOWED_RUN_TYPES = ("scheduled", "backfill")
log = logging.getLogger(__name__)


def _run() -> tuple[RunId, PipelineSettings]:
    """The task's run id, checked once here, and the pipeline settings."""
    return RunId.from_airflow(get_current_context()["run_id"]), PipelineSettings.from_env()


def queue(step: str) -> dict:
    """`queue=` for a step's task from NEWSARCHIVE_<STEP>_QUEUE (crawl, upload, clean, publish,
    check, index), so only the Celery workers listening on that queue run it; unset, the task goes to
    Airflow's default queue. No step needs a file of another: any worker can run any step."""
    name = environment.queue(step)
    return {"queue": name} if name else {}


def crawl_window(site: SiteDefinition, context) -> tuple[datetime, datetime] | None:
    """The run's data interval (widened by the site's lookback), or None for a full discovery."""
    mode = context["params"].get("discovery") or "auto"
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    run_type = str(getattr(context["dag_run"], "run_type", "") or "")
    windowed = mode == "window" or (mode == "auto" and run_type.split(".")[-1].lower() in WINDOWED_RUN_TYPES)
    if not windowed or start is None or end is None or start >= end:
        return None
    return start - timedelta(hours=site.schedule.lookback_hours), end


def build_dag(site: SiteDefinition) -> DAG:
    zone = site.schedule.timezone
    with DAG(
        dag_id=site.dag_id,
        description=f"Crawl and archive {site.title or site.base_url}",
        schedule=CronDataIntervalTimetable(site.schedule.cron, timezone=zone),
        start_date=_start_date(site),
        catchup=site.schedule.catchup,
        max_active_runs=site.schedule.max_active_runs,
        default_args={**DEFAULT_ARGS, "on_failure_callback": failure_notifiers() or None},
        params={
            "base_url": Param(None, type=["null", "string"],
                              description="fetch the site from another address (mirror, demo)"),
            "discovery": Param("auto", enum=["auto", "window", "full"],
                               description="auto: the data interval for scheduled and backfill runs, "
                                           "everything for manual ones"),
        },
        tags=["newsarchive", site.name],
        doc_md=__doc__,
    ) as dag:

        # The site's pool bounds its crawls across all runs, backfills included.
        @task(execution_timeout=timedelta(hours=6), pool=site.pool, **queue("crawl"))
        def crawl() -> dict:
            """Runs Scrapy in its own process; each WARC goes to the store once closed."""
            from pipelines.run import steps
            from pipelines.schedule.recheck import recheck_urls
            from pipelines.settings import open_checked_store

            run_id, settings = _run()
            context = get_current_context()
            window = crawl_window(site, context)
            recheck = []
            if window and "scheduled" in str(context["dag_run"].run_type).lower():
                recheck = recheck_urls(open_checked_store(settings), site, *window)
            log.info("window %s, %d articles to re-check", window, len(recheck))
            return steps.crawl(site, run_id, settings, context["params"].get("base_url"),
                               window=window, recheck=recheck)

        # The steps hand over through the store (the run's upload.json, its staged rows), not
        # through XCom: each task takes the site parsed with this file, the run's id and the
        # settings, as steps.run passes them.
        @task(**queue("upload"))
        def upload() -> list[str]:
            from pipelines.run import steps

            run_id, settings = _run()
            return steps.upload(site, run_id, settings)

        @task(**queue("clean"))
        def clean() -> dict:
            from pipelines.run import steps

            run_id, settings = _run()
            return steps.clean(site, run_id, settings)

        # One publish of a site at a time: each plans its versions against the table it read.
        @task(outlets=[ARCHIVE_ASSET], max_active_tis_per_dag=1, **queue("publish"))
        def publish() -> dict:
            from pipelines.run import steps

            run_id, settings = _run()
            manifest = steps.publish(site, run_id, settings)
            return {k: v for k, v in manifest.items() if k not in ("crawl", "warc_keys")}

        # A failed check will not heal on retry: it reports a change of the site.
        @task(retries=0, **queue("check"))
        def check() -> dict:
            """The run's health against the site's baseline; fails naming what changed."""
            from pipelines.run import steps

            run_id, settings = _run()
            run_type = str(get_current_context()["dag_run"].run_type).split(".")[-1].lower()
            row = steps.check(site, run_id, settings, kind=run_type)
            return {k: row[k] for k in ("result", "articles_seen", "new_versions", "error_rate", "warnings")}

        # After publish, beside the check: the full-text index catches up with the articles
        # table (idempotent: a retry or a later run indexes each version once).
        @task(**queue("index"))
        def index_search() -> dict:
            from pipelines.run import searchindex

            return searchindex.index(_run()[1])

        published = crawl() >> upload() >> clean() >> publish()
        published >> check()
        published >> index_search()
    return dag


def _start_date(site: SiteDefinition) -> datetime:
    import pendulum

    day = site.schedule.start_date
    return pendulum.datetime(day.year, day.month, day.day, tz=site.schedule.timezone)


_sites, _errors = load_sites(PipelineSettings.from_env().sites_dir)
for _error in _errors:
    log.error("skipping site: %s", _error)      # a broken site file must not hide the other sites' DAGs
for _site in _sites:
    if _site.enabled:
        globals()[_site.dag_id] = build_dag(_site)
