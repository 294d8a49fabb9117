"""Every NEWSARCHIVE_* environment variable, with its default and what it does: the one place
that reads them (as Scrapy's default_settings.py lists Scrapy's settings). Each layer builds
its settings object from here: `pipelines.settings.PipelineSettings` (store, staging, sites,
clean workers), `spiders.settings.CrawlSettings` (User-Agent contact, WARC size, log level,
free-space floor),
`pipelines.store.retries.RetryPolicy` (store retries), and the DAG file (task retries,
queues, alerts). docs/operations.md lists them for operators; a test keeps the two in step.

An unset or empty variable means its default; a value that does not parse is a one-line
error naming the variable."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from newsarchive.errors import NewsarchiveError

STEPS = ("crawl", "upload", "clean", "publish", "check", "index")


@dataclass(frozen=True)
class Variable:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


def _at_least(low: int, convert: Callable[[str], Any] = int) -> Callable[[str], Any]:
    """A parser of numbers no smaller than `low`."""
    def parse(text: str):
        value = convert(text)
        if value < low:
            raise ValueError("must be 1 or more" if low == 1 else "must be zero or more")
        return value
    return parse


_positive_int = _at_least(1)
_non_negative_int = _at_least(0)
_seconds = _at_least(0, float)


def _workers(text: str) -> int | str:
    return "auto" if text == "auto" else _positive_int(text)


VARIABLES: tuple[Variable, ...] = (
    # where things are
    Variable("NEWSARCHIVE_STORE", "./archive", "the archive store: a folder, or s3://bucket/prefix"),
    Variable("NEWSARCHIVE_STAGING_DIR", "./staging",
             "local folder where a crawl writes its WARCs until each is shipped to the store"),
    Variable("NEWSARCHIVE_SITES_DIR", None, "folder of site definition files (default: the bundled spiders/sites)"),
    # the crawl
    Variable("NEWSARCHIVE_CONTACT_URL", "https://example.org/newsarchive-crawler",
             "contact URL in the crawler's User-Agent"),
    Variable("NEWSARCHIVE_WARC_MAX_BYTES", 1_000_000_000, "size at which a WARC file is closed and a new one begun",
             _positive_int),
    Variable("NEWSARCHIVE_LOG_LEVEL", "INFO", "the crawl process's log level (DEBUG, INFO, WARNING, ERROR)"),
    Variable("NEWSARCHIVE_MIN_FREE_MB", 256,
             "a crawl does not start with less free space (MB) in its staging folder; 0 turns the check off",
             _non_negative_int),
    # the steps after it
    Variable("NEWSARCHIVE_CLEAN_WORKERS", "auto",
             "processes that clean (and reclean) captures: a number, or auto (the cores this process may "
             "use, one per 400 records at most, as many as free memory holds at ~200 MB each)", _workers),
    Variable("NEWSARCHIVE_STORE_RETRY_SECONDS", 180.0,
             "how long one store call keeps retrying transient errors before it fails", _seconds),
    Variable("NEWSARCHIVE_STORE_TIMEOUT", 60.0, "seconds one store request (connect or read) may take", _seconds),
    # upkeep of the archive
    Variable("NEWSARCHIVE_RETENTION_DAYS", 30,
             "days maintenance keeps removed files and log entries: how far back time travel (--as-of) reaches",
             _non_negative_int),
    Variable("NEWSARCHIVE_MAINTAIN_SCHEDULE", "0 * * * *", "cron of the maintenance DAG's passes (default hourly)"),
    # search and replay
    Variable("NEWSARCHIVE_SEARCH_CACHE", "",
             "local folder for a worker's copy of an S3 store's search index (default ~/.cache/newsarchive/search)"),
    Variable("NEWSARCHIVE_REPLAY_REFRESH_SECONDS", 10.0,
             "how often `newsarchive replay` reads takedowns and the search index again", _seconds),
    # Airflow
    Variable("NEWSARCHIVE_RETRY_DELAY_SECONDS", 300.0,
             "first delay before a failed task is retried (doubling after each try)", _seconds),
    *(Variable(f"NEWSARCHIVE_{step.upper()}_QUEUE", "",
               f"Celery queue of the {step} tasks (default: Airflow's default queue)") for step in STEPS),
    Variable("NEWSARCHIVE_ALERT_EMAIL_TO", "", "comma-separated addresses: failed tasks alert by e-mail"),
    Variable("NEWSARCHIVE_ALERT_EMAIL_FROM", "newsarchive@localhost", "sender of the alert e-mails"),
    Variable("NEWSARCHIVE_ALERT_SMTP_CONN", "smtp_default", "Airflow SMTP connection id for alert e-mails"),
    Variable("NEWSARCHIVE_ALERT_WEBHOOK_URL", "", "POST a JSON alert for each failed task to this URL"),
    Variable("NEWSARCHIVE_ALERT_WEBHOOK_CONN", "", "... or to the URL of this Airflow connection"),
)
BY_NAME = {v.name: v for v in VARIABLES}


def value(name: str, env: Mapping[str, str] | None = None) -> Any:
    """The variable's value in `env` (default: the process environment), parsed, or its default."""
    variable = BY_NAME[name]
    text = (os.environ if env is None else env).get(name, "").strip()
    if not text:
        return variable.default
    try:
        return variable.parse(text)
    except ValueError as exc:
        raise NewsarchiveError(f"{name}={text!r} is not valid: {exc}") from None


def queue(step: str, env: Mapping[str, str] | None = None) -> str:
    """The Celery queue a step's tasks go to ("" for Airflow's default)."""
    return value(f"NEWSARCHIVE_{step.upper()}_QUEUE", env)
