"""One Airflow DAG per site definition: crawl -> upload -> clean -> publish.

Parsing stays fast: only the site files are read here (no network, no pandas,
Scrapy or Delta imports); the tasks import the pipeline when they run.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param, get_current_context, task

from pipelines.settings import PipelineSettings
from spiders.siteconfig import SiteDefinition, load_sites

DEFAULT_ARGS = {
    "owner": "newsarchive",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
}
ARCHIVE_ASSET = Asset("newsarchive-articles", uri="newsarchive://archive/articles")


def _run() -> tuple[str, PipelineSettings]:
    from pipelines.steps import safe_run_id

    return safe_run_id(get_current_context()["run_id"]), PipelineSettings.from_env()


def build_dag(site: SiteDefinition) -> DAG:
    with DAG(
        dag_id=f"newsarchive_{site.name}",
        description=f"Crawl and archive {site.title or site.base_url}",
        schedule=CronDataIntervalTimetable(site.schedule.cron, timezone=site.schedule.timezone),
        start_date=datetime(2024, 6, 1, tzinfo=timezone.utc),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        params={"base_url": Param(None, type=["null", "string"],
                                  description="fetch the site from another address (mirror, demo)")},
        tags=["newsarchive", site.name],
        doc_md=__doc__,
    ) as dag:

        @task(execution_timeout=timedelta(hours=6))
        def crawl() -> dict:
            """Runs Scrapy in its own process; WARCs land in the staging folder."""
            from pipelines import steps

            run_id, settings = _run()
            base_url = get_current_context()["params"].get("base_url")
            return steps.crawl(site.name, run_id, settings, base_url)

        @task
        def upload(crawl_summary: dict) -> list[str]:
            from pipelines import steps

            run_id, settings = _run()
            return steps.upload(site.name, run_id, settings)

        @task
        def clean(warc_keys: list[str]) -> dict:
            from pipelines import steps

            run_id, settings = _run()
            return steps.clean(site.name, run_id, settings)

        @task(outlets=[ARCHIVE_ASSET])
        def publish(clean_counts: dict) -> dict:
            from pipelines import steps

            run_id, settings = _run()
            manifest = steps.publish(site.name, run_id, settings)
            return {k: v for k, v in manifest.items() if k not in ("crawl", "warc_keys")}

        publish(clean(upload(crawl())))
    return dag


_sites, _errors = load_sites(PipelineSettings.from_env().sites_dir)
for _error in _errors:
    # a broken site file must not hide the other sites' DAGs
    import logging

    logging.getLogger(__name__).error("skipping site: %s", _error)
for _site in _sites:
    if _site.enabled:
        globals()[f"newsarchive_{_site.name}"] = build_dag(_site)
