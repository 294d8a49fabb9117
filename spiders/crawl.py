"""Run one crawl of one site in this process: `python -m spiders.crawl SITE --out DIR`.

Twisted's reactor cannot restart, so every crawl gets a fresh process; callers
(CLI, Airflow task) start this module as a subprocess. A JSON summary of the
crawl is written beside the WARC files.

A crawl whose files cannot be written (a full disk) ends with one line naming the path
and the error, and exit code 1; its summary, if it can still be written, says so under
"failed" and is not taken for a finished crawl. Bad input exits 2.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from newsarchive.errors import NewsarchiveError

from .jobdir import job_settings, scheduler_folder
from .progress import FAILED, Channel, ErrorEvents
from .runids import run_id_arg
from .settings import CrawlSettings
from .siteconfig import SITES_DIR, SiteError, load_site
from .window import Window
from .writestop import STAT as WRITE_FAILED_STAT, check_free_space

SUMMARY_NAME = "crawl-summary.json"


def run(site_name: str, out_dir: Path, run_id: str, base_url: str | None, sites_dir: Path,
        window: Window | None = None, recheck: list[str] = (), dedup_index: Path | None = None,
        progress_fd: int | None = None) -> dict:
    from scrapy.crawler import CrawlerProcess  # imported late: it installs the reactor

    from .newsspider import NewsSpider

    site = load_site(site_name, sites_dir).with_base_url(base_url)
    settings = CrawlSettings.from_env().scrapy_settings(site, out_dir, run_id)
    settings["WARC_DEDUP_INDEX"] = str(dedup_index or "")
    settings["PROGRESS_FD"] = progress_fd
    with scheduler_folder(out_dir) as jobdir:
        jobs = job_settings(jobdir)
        settings.update({**jobs, "EXTENSIONS": {**settings["EXTENSIONS"], **jobs["EXTENSIONS"]}})
        process = CrawlerProcess(settings, install_root_handler=True)
        crawler = process.create_crawler(NewsSpider)
        process.crawl(crawler, site=site, window=window, recheck=[_moved(u, site) for u in recheck])
        process.start()
    return _summary(site.name, run_id, crawler.stats.get_stats(), window)


def _moved(url: str, site) -> str:
    """Re-check URLs come from the archive; a base-url override (mirror, demo port) applies to them too."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return site.absolute(parts.path + (f"?{parts.query}" if parts.query else ""))


def _read_recheck(path: Path | None) -> list[str]:
    if path is None:
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SiteError(f"cannot read the re-check list {path}: {exc.strerror}") from None
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _summary(site: str, run_id: str, stats: dict, window: Window | None = None) -> dict:
    from .budget import DROPPED_STAT            # Scrapy's modules: not for the pipeline importing this one
    from .scheduler import MAX_PAGES_STAT

    files = [Path(p) for p in stats.get("warc/files", [])]
    statuses = {k.rsplit("/", 1)[-1]: v for k, v in stats.items()
                if k.startswith("downloader/response_status_count/")}
    return {
        "site": site,
        "run_id": run_id,
        "finish_reason": stats.get("finish_reason"),
        "failed": stats.get(WRITE_FAILED_STAT),       # why the crawl stopped short, or None
        "responses": stats.get("downloader/response_count", 0),
        "statuses": statuses,
        "errors": stats.get("downloader/exception_count", 0),
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "failure_records": stats.get("warc/failure_records", 0),
        "truncated": stats.get("warc/truncated", 0),
        # pending requests wait pickled on disk; one that cannot be pickled waits in memory
        "requests_queued_in_memory": stats.get("scheduler/unserializable", 0),
        "scope_blocked": stats.get("scope/blocked", 0),
        "scope_blocked_urls": stats.get("scope/blocked_urls", []),
        # hosts given up after connection failures in a row, and the requests not sent to them
        "unreachable_hosts": stats.get("hosts/unreachable_list", []),
        "unreachable_not_sent": stats.get("hosts/requests_not_sent", 0),
        # URLs a budget dropped and the crawl never fetched, by budget (the health check warns of each)
        "budget_dropped": {"too_deep": stats.get(DROPPED_STAT + "too_deep", 0),
                           "path_shape_exhausted": stats.get(DROPPED_STAT + "shape_exhausted", 0),
                           "max_pages": stats.get(MAX_PAGES_STAT, 0)},
        "warc_files": [p.name for p in files],
        "warc_bytes": sum(p.stat().st_size for p in files if p.exists()),
        "started": str(stats.get("start_time")),
        "finished": str(stats.get("finish_time")),
        "window": [window.since.isoformat(), window.until.isoformat()] if window else None,
        "window_entries_outside": stats.get("window/entries_outside", 0),
        "window_undated_entries": stats.get("window/undated_entries", 0),
        "window_sitemaps_pruned": stats.get("window/sitemaps_pruned", 0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiders.crawl")
    parser.add_argument("site")
    parser.add_argument("--out", type=Path, required=True, help="folder for the WARC files")
    parser.add_argument("--run-id", required=True, type=run_id_arg)
    parser.add_argument("--base-url", help="serve the site from another address (mirrors, the demo)")
    parser.add_argument("--sites-dir", type=Path, default=SITES_DIR)
    parser.add_argument("--since", help="window start (ISO 8601, inclusive): only articles dated from here")
    parser.add_argument("--until", help="window end (ISO 8601, exclusive)")
    parser.add_argument("--recheck", type=Path, help="file of article URLs to fetch again, one a line")
    parser.add_argument("--dedup-index", type=Path, help="digest index of earlier captures (revisit records)")
    parser.add_argument("--parent-pid", type=int, help="end when this process (the pipeline step) ends")
    parser.add_argument("--progress-fd", type=int, help="write progress events (JSON lines) to this descriptor")
    args = parser.parse_args(argv)
    if args.parent_pid:
        die_with(args.parent_pid)
    channel = Channel(args.progress_fd)
    logging.getLogger().addHandler(ErrorEvents(channel))
    try:
        writable_folder(args.out)
        check_free_space(args.out, CrawlSettings.from_env().min_free_mb * 2**20)
        window = _window(args.since, args.until)
        summary = run(args.site, args.out, args.run_id, args.base_url, args.sites_dir, window,
                      _read_recheck(args.recheck), dedup_index=args.dedup_index, progress_fd=args.progress_fd)
    except NewsarchiveError as exc:     # a bad site or window, a staging folder too full to start
        return _failed(channel, str(exc), 2)
    except Exception as exc:        # unexpected: its traceback goes to the log, its one line to the step
        channel.send(FAILED, reason=f"{type(exc).__name__}: {exc}")
        raise
    try:
        write_summary(args.out, summary)
    except OSError as exc:
        if not summary["failed"]:
            return _failed(channel, f"cannot write {args.out / SUMMARY_NAME}: {exc.strerror or exc}", 1)
    if summary["failed"]:
        return _failed(channel, summary["failed"], 1)
    if not summary["responses"]:
        return _failed(channel, f"the crawl of {args.site} fetched nothing "
                                f"(is {args.base_url or 'the site'} reachable?)", 1)
    return 0


def write_summary(out: Path, summary: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    partial = out / (SUMMARY_NAME + ".tmp")     # the summary says "finished": write it whole or not at all
    try:
        partial.write_text(json.dumps(summary, indent=2))
        os.replace(partial, out / SUMMARY_NAME)
    finally:
        partial.unlink(missing_ok=True)


def _failed(channel: Channel, reason: str, code: int) -> int:
    print(f"error: {reason}", file=sys.stderr)
    channel.send(FAILED, reason=reason)
    return code


def die_with(parent_pid: int) -> None:
    """Linux: killed with the step that started it, so a retry of the step never finds a crawler
    (or a clean worker) of the dead attempt still writing into the run folder it replaces.
    The signal comes when the parent's starting thread ends: start children from a thread
    that lives as long as they do."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:          # the step died before the line above
        sys.exit(1)


def writable_folder(path: Path) -> Path:
    """Create `path` and prove a file can be written in it, before anything is fetched: a crawl
    that cannot store what it fetches must fail at once, not after the whole site."""
    import tempfile
    try:
        path.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError as exc:
        raise SiteError(f"cannot write to the staging folder {path}: {exc.strerror or exc}") from None
    return path


def _window(since: str | None, until: str | None) -> Window | None:
    if since is None and until is None:
        return None
    if since is None or until is None:
        raise SiteError("a window needs both --since and --until")
    try:
        return Window.parse(since, until)
    except ValueError as exc:
        raise SiteError(f"bad window: {exc}") from None


if __name__ == "__main__":
    sys.exit(main())
