"""The health of one published run: what it fetched, what it archived, how well extraction
went, how long each step took. Read from the run manifest and the run's rows in the
captures and articles tables; the checks (healthchecks.py) compare it with earlier runs."""
from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import datetime

from spiders.dates import parse_time
from spiders.siteconfig import SiteDefinition

from pipelines.archive import tables
from pipelines.archive.writer import Archive

# Crawl-summary fields the blocked counts come from; a crawl that does not count one yet
# leaves the column null rather than a misleading zero.
BLOCKED_FIELDS = {"blocked_robots": "robots_forbidden", "blocked_scope": "scope_blocked"}
# The crawl summary's budget counts, under the site limit each comes from.
BUDGET_LIMITS = {"max_pages": "max_pages", "too_deep": "max_depth", "path_shape_exhausted": "max_pages_per_pattern"}
STEPS = ("crawl", "upload", "clean", "publish")       # the steps whose seconds a run records


def run_health(archive: Archive, site: SiteDefinition, manifest: dict, seconds: dict[str, float]) -> dict:
    crawl = manifest.get("crawl") or {}
    captures = _run_captures(archive, site.name, manifest["run_id"])
    classes = status_classes(crawl.get("statuses") or {})
    blocked = {column: crawl.get(field) for column, field in BLOCKED_FIELDS.items()}
    # Scrapy counts a request a middleware refused (robots, scope) as a downloader exception.
    errors = max(crawl.get("errors", 0) - sum(n or 0 for n in blocked.values()), 0)
    attempts = crawl.get("responses", 0) + errors
    window = crawl.get("window") or [None, None]
    return {
        "site": site.name, "run_id": manifest["run_id"],
        "published_at": _time(manifest["published_at"]),
        "window_start": _time(window[0]), "window_end": _time(window[1]),
        "result": None, "failed_checks": [], "warnings": [], "message": None,
        "responses": crawl.get("responses", 0), **classes, "fetch_errors": errors,
        "error_rate": (classes["status_4xx"] + classes["status_5xx"] + errors) / attempts if attempts else 0.0,
        "statuses": json.dumps(crawl.get("statuses") or {}, sort_keys=True), **blocked,
        "budget_dropped": json.dumps(budget_dropped(crawl), sort_keys=True),
        **extraction_signals(archive, site, captures),
        # revisits count: an unchanged article is seen, though it adds no row to the articles table
        "articles_seen": len({c["article_id"] for c in captures if c["article_id"]}),
        "new_versions": manifest.get("versions_added", 0),
        "new_articles": manifest.get("new_articles", 0), "changed_articles": manifest.get("changed_articles", 0),
        "skipped": json.dumps(Counter(_reason(c["skip_reason"]) for c in captures if c["skip_reason"]),
                              sort_keys=True),
        **{f"seconds_{step}": seconds.get(step) for step in STEPS},
        "bytes_written": crawl.get("warc_bytes", 0),
    }


def budget_dropped(crawl: dict) -> dict[str, int]:
    """Site limit -> URLs it dropped in the crawl (limits that dropped none left out)."""
    counts = crawl.get("budget_dropped") or {}
    return {limit: counts[name] for name, limit in BUDGET_LIMITS.items() if counts.get(name)}


def status_classes(statuses: dict) -> dict[str, int]:
    counts = {f"status_{n}xx": 0 for n in range(2, 6)}
    for code, count in statuses.items():
        name = f"status_{str(code)[:1]}xx"
        if name in counts:
            counts[name] += count
    return counts


def extraction_signals(archive: Archive, site: SiteDefinition, captures: list[dict]) -> dict:
    """Article pages, the share of those answered 200 (or 304) that gave no article, and the median
    words of the article versions the run saw (a layout change moves both)."""
    pages = [c for c in captures if site.is_article(c["url"])]
    ok_pages = [c for c in pages if c["status"] in (200, 304)]     # a 304 re-confirms its earlier capture
    seen = {(c["article_id"], c["content_hash"]) for c in pages if c["article_id"]}
    words = _word_counts(archive, site.name, seen)
    return {
        "article_pages": len(pages),
        "empty_body_share": (sum(1 for c in ok_pages if not c["article_id"]) / len(ok_pages)
                             if ok_pages else None),
        "median_words": float(statistics.median(words)) if words else None,
    }


def _run_captures(archive: Archive, site: str, run_id: str) -> list[dict]:
    table = archive.table(tables.CAPTURES_TABLE)
    if table is None:
        return []
    return tables.site_rows(table, site, ["url", "status", "article_id", "content_hash", "skip_reason"],
                            [("run_id", "=", run_id)]).to_pylist()


def _word_counts(archive: Archive, site: str, seen: set[tuple[str, str]]) -> list[int]:
    table = archive.table(tables.ARTICLES_TABLE)
    if table is None or not seen:
        return []
    # Filtered here, not by an `in` filter: pyarrow cannot compare string with string_view stats.
    rows = tables.site_rows(table, site, ["article_id", "content_hash", "word_count"]).to_pylist()
    return [r["word_count"] for r in rows if (r["article_id"], r["content_hash"]) in seen]


def _reason(reason: str) -> str:
    return reason.split(" (")[0]


def _time(value: str | None) -> datetime | None:
    return parse_time(value) if value else None
