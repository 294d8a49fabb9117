"""Run one crawl of one site in this process: `python -m spiders.crawl SITE --out DIR`.

Twisted's reactor cannot restart, so every crawl gets a fresh process; callers
(CLI, Airflow task) start this module as a subprocess. A JSON summary of the
crawl is written beside the WARC files.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .settings import CrawlSettings
from .siteconfig import SITES_DIR, SiteError, load_site

SUMMARY_NAME = "crawl-summary.json"


def run(site_name: str, out_dir: Path, run_id: str, base_url: str | None, sites_dir: Path) -> dict:
    from scrapy.crawler import CrawlerProcess  # imported late: it installs the reactor

    from .newsspider import NewsSpider

    site = load_site(site_name, sites_dir).with_base_url(base_url)
    settings = CrawlSettings.from_env().scrapy_settings(site, out_dir, run_id)
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, site=site)
    process.start()
    return _summary(site.name, run_id, crawler.stats.get_stats())


def _summary(site: str, run_id: str, stats: dict) -> dict:
    files = [Path(p) for p in stats.get("warc/files", [])]
    statuses = {k.rsplit("/", 1)[-1]: v for k, v in stats.items()
                if k.startswith("downloader/response_status_count/")}
    return {
        "site": site,
        "run_id": run_id,
        "finish_reason": stats.get("finish_reason"),
        "responses": stats.get("downloader/response_count", 0),
        "statuses": statuses,
        "errors": stats.get("downloader/exception_count", 0),
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "warc_files": [p.name for p in files],
        "warc_bytes": sum(p.stat().st_size for p in files if p.exists()),
        "started": str(stats.get("start_time")),
        "finished": str(stats.get("finish_time")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiders.crawl")
    parser.add_argument("site")
    parser.add_argument("--out", type=Path, required=True, help="folder for the WARC files")
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--base-url", help="serve the site from another address (mirrors, the demo)")
    parser.add_argument("--sites-dir", type=Path, default=SITES_DIR)
    args = parser.parse_args(argv)
    try:
        summary = run(args.site, args.out, args.run_id, args.base_url, args.sites_dir)
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / SUMMARY_NAME).write_text(json.dumps(summary, indent=2))
    if not summary["responses"]:
        print(f"error: the crawl of {args.site} fetched nothing (is {args.base_url or 'the site'} reachable?)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
