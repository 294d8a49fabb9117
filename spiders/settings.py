"""Crawl-side settings: one object read from the environment, turned into Scrapy settings."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from newsarchive import environment

from . import __version__
from .siteconfig import SiteDefinition

# Scrapy settings of this project's own middlewares and extensions
ALLOW_PRIVATE_SETTING = "NEWSARCHIVE_ALLOW_PRIVATE_NETWORKS"
MAX_FETCH_SECONDS_SETTING = "NEWSARCHIVE_MAX_FETCH_SECONDS"
RETRY_AFTER_CAP_SETTING = "NEWSARCHIVE_RETRY_AFTER_MAX"


def warc_prefix(site: str, run_id: str) -> str:
    """`{site}-r{run digest}`: WARC names carry the second they were opened, so two runs of a
    site crawling at once (a backfill beside a scheduled run) would otherwise pick the same
    name and overwrite each other in the store."""
    return f"{site}-r{hashlib.sha1(run_id.encode()).hexdigest()[:6]}"


@dataclass(frozen=True)
class CrawlSettings:
    contact_url: str = environment.BY_NAME["NEWSARCHIVE_CONTACT_URL"].default
    warc_max_bytes: int = environment.BY_NAME["NEWSARCHIVE_WARC_MAX_BYTES"].default
    log_level: str = environment.BY_NAME["NEWSARCHIVE_LOG_LEVEL"].default
    min_free_mb: int = environment.BY_NAME["NEWSARCHIVE_MIN_FREE_MB"].default

    @classmethod
    def from_env(cls) -> "CrawlSettings":
        """From the NEWSARCHIVE_* variables (newsarchive/environment.py)."""
        return cls(
            contact_url=environment.value("NEWSARCHIVE_CONTACT_URL"),
            warc_max_bytes=environment.value("NEWSARCHIVE_WARC_MAX_BYTES"),
            log_level=environment.value("NEWSARCHIVE_LOG_LEVEL"),
            min_free_mb=environment.value("NEWSARCHIVE_MIN_FREE_MB"),
        )

    @property
    def user_agent(self) -> str:
        return f"newsarchive/{__version__} (+{self.contact_url})"

    def scrapy_settings(self, site: SiteDefinition, warc_dir: Path, run_id: str) -> dict:
        polite, limits = site.politeness, site.limits
        return {
            "BOT_NAME": "newsarchive",
            "USER_AGENT": self.user_agent,
            "ROBOTSTXT_OBEY": polite.obey_robots,
            "DOWNLOAD_DELAY": polite.download_delay,
            "CONCURRENT_REQUESTS_PER_DOMAIN": polite.concurrency_per_domain,
            "CONCURRENT_REQUESTS": max(16, polite.concurrency_per_domain),
            "CONCURRENT_ITEMS": 1,             # the spider yields requests only; 100 made 100 asyncio tasks a page
            "AUTOTHROTTLE_ENABLED": polite.autothrottle,
            "AUTOTHROTTLE_START_DELAY": max(polite.download_delay, 0.5),
            "AUTOTHROTTLE_TARGET_CONCURRENCY": polite.autothrottle_target_concurrency,
            "DEPTH_LIMIT": 0,                  # enforced by CrawlBudget, where 0 means 0, not "unlimited"
            "CLOSESPIDER_PAGECOUNT": limits.max_pages,
            "SCHEDULER": "spiders.scheduler.RunScheduler",   # counts what max_pages left; disk errors stop
            "DOWNLOAD_MAXSIZE": limits.max_response_bytes,
            "DOWNLOAD_WARNSIZE": 0,
            "COOKIES_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,    # no remote-control port on the crawl machine
            "HTTPPROXY_ENABLED": False,        # a proxy would resolve names where the address check cannot see
            "REDIRECT_MAX_TIMES": 10,
            # a trickle is stopped (and kept, marked truncated) at max_fetch_seconds; this is the backstop
            "DOWNLOAD_TIMEOUT": limits.max_fetch_seconds * 2,
            MAX_FETCH_SECONDS_SETTING: limits.max_fetch_seconds,
            RETRY_AFTER_CAP_SETTING: limits.max_retry_after_seconds,
            ALLOW_PRIVATE_SETTING: site.scope.allow_private_networks,
            "TWISTED_DNS_RESOLVER": "spiders.addressscope.PublicAddressResolver",
            "DOWNLOADER_MIDDLEWARES": {
                "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,   # ports unchecked
                "spiders.scope.ScopeMiddleware": 40,
                "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
                "spiders.robots.SharedRobotsTxtMiddleware": 100,
                "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
                "spiders.retryafter.RetryAfterMiddleware": 550,
                "spiders.conditional.ConditionalRequests": 560,
                "spiders.deadhosts.UnreachableHosts": 580,     # sees connection failures before the retries
                "spiders.evidence.FailureEvidence": 950,
            },
            # links found in pages: depth set (900), then scope, then budgets
            "SPIDER_MIDDLEWARES": {"spiders.scope.ScopeMiddleware": 850, "spiders.budget.CrawlBudget": 800},
            "LOG_LEVEL": self.log_level,
            "EXTENSIONS": {"spiders.capture.WarcCapture": 100, "spiders.progress.CrawlProgress": 110},
            "WARC_DIR": str(warc_dir),
            "WARC_PREFIX": warc_prefix(site.name, run_id),
            "WARC_MAX_BYTES": self.warc_max_bytes,
            "WARC_IS_PART_OF": f"{site.name}/{run_id}",
            "WARC_DESCRIPTION": f"newsarchive crawl of {site.base_url} (run {run_id})",
        }
