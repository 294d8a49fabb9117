"""Checks of a run's health against the site's own baseline: the median of its last N
healthy runs. Each check names what changed, in words an operator can act on
(docs/operations.md has the runbook for each)."""
from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from datetime import datetime

from spiders.siteconfig import Health


@dataclass
class Finding:
    check: str          # yield | errors | robots | scope | extraction | freshness | budget
    message: str
    failed: bool        # False: a warning


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)
    baseline_runs: int = 0

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.failed]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.failed]

    @property
    def result(self) -> str:
        return "failed" if self.failed else "warning" if self.findings else "ok"

    def line(self, site: str, run_id: str) -> str:
        """One line: what changed, the likely causes first."""
        return f"{site} run {run_id}: " + "; ".join(f.message for f in self.failed or self.warnings)


def baseline(history: list[dict], row: dict, runs: int) -> list[dict]:
    """The last `runs` earlier runs of the same kind that did not fail their checks."""
    healthy = [r for r in history if r["run_id"] != row["run_id"] and r["result"] in ("ok", "warning")
               and r.get("kind") == row.get("kind")]
    return healthy[-runs:]


def evaluate(row: dict, history: list[dict], health: Health, now: datetime) -> Verdict:
    """Backfills cover past windows of any size: their yield and freshness say nothing
    about the site today, so only the checks of how the site answers apply to them."""
    base = baseline(history, row, health.baseline_runs)
    verdict = Verdict(baseline_runs=len(base))
    current = row.get("kind") != "backfill"
    if len(base) >= health.min_baseline_runs:
        for check in (_blocked("robots", "robots.txt"), _blocked("scope", "the crawl scope"),
                      _errors, _extraction, *([_yield] if current else [])):
            check(row, base, health, verdict)
    if current:
        _freshness(row, history, health, now, verdict)
    _budgets(row, verdict)
    return verdict


def _median(base: list[dict], column: str) -> float | None:
    values = [r[column] for r in base if r[column] is not None]
    return statistics.median(values) if values else None


def _judge(verdict: Verdict, check: str, excess: float, limit: float, warn_factor: float, message: str):
    """Fail when `excess` reaches `limit`, warn from `warn_factor` of it."""
    if excess >= limit:
        verdict.findings.append(Finding(check, message, True))
    elif excess >= limit * warn_factor:
        verdict.findings.append(Finding(check, message, False))


def _blocked(kind: str, what: str):
    column = f"blocked_{kind}"

    def check(row, base, health, verdict):
        now, usual = row[column], _median(base, column)
        if now is None or usual is None:
            return
        _judge(verdict, kind, now - usual, health.blocked_min, health.warn_factor,
               f"{what} now blocks {now} requests (baseline {usual:g})")
    return check


def _errors(row, base, health, verdict):
    if row["responses"] + row["fetch_errors"] < health.min_sample:
        return
    usual = _median(base, "error_rate") or 0.0
    codes = {code: n for code, n in json.loads(row["statuses"] or "{}").items() if code >= "400"}
    code, count = max(codes.items(), key=lambda item: item[1], default=("", 0))
    cause = (f", mostly fetch errors ({row['fetch_errors']})" if row["fetch_errors"] >= count
             else f", mostly HTTP {code} ({count})")
    _judge(verdict, "errors", row["error_rate"] - usual, health.error_rate_rise, health.warn_factor,
           f"error rate up to {row['error_rate']:.0%} (baseline {usual:.1%}){cause}")


def _extraction(row, base, health, verdict):
    """Judged only on enough article pages: a handful of short items is no layout change."""
    if row["article_pages"] < health.min_sample:
        return
    share, usual_share = row["empty_body_share"], _median(base, "empty_body_share")
    if share is not None and usual_share is not None:
        _judge(verdict, "extraction", share - usual_share, health.empty_body_rise, health.warn_factor,
               f"layout change likely: {share:.0%} of article pages gave no article body "
               f"(baseline {usual_share:.0%})")
    words, usual_words = row["median_words"], _median(base, "median_words")
    if words is not None and usual_words:
        _judge(verdict, "extraction", 1 - words / usual_words, health.words_drop, health.warn_factor,
               f"layout change likely: median words per article {words:g} (baseline {usual_words:g})")


def _yield(row, base, health, verdict):
    usual = _median(base, "articles_seen")
    if usual:
        _judge(verdict, "yield", 1 - row["articles_seen"] / usual, health.yield_drop, health.warn_factor,
               f"article yield collapsed: {row['articles_seen']} articles seen (baseline {usual:g})")


def _budgets(row, verdict):
    """A limit that dropped URLs is a warning from the first one, baseline or not: what it
    dropped was never fetched, and no later check can tell it is missing."""
    for limit, count in sorted(json.loads(row.get("budget_dropped") or "{}").items()):
        verdict.findings.append(Finding("budget", f"the {limit} limit dropped {count} URLs", False))


def _freshness(row, history, health, now, verdict):
    """Hours since a run last added a version (this one included); from the first run if none did."""
    runs = [r for r in history if r["run_id"] != row["run_id"]] + [row]
    fresh = [r["published_at"] for r in runs if r["new_versions"]]
    since = max(fresh) if fresh else min(r["published_at"] for r in runs)
    hours = (now - since).total_seconds() / 3600
    _judge(verdict, "freshness", hours, health.max_hours_without_new, health.warn_factor,
           f"no new articles for {hours:.0f} hours (limit {health.max_hours_without_new:g})")
