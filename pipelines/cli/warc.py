"""WARC-side commands: verify the store, package a WACZ, replay through pywb,
and rebuild the CDXJ and digest indexes of WARCs already stored."""
from __future__ import annotations

import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from spiders.siteconfig import load_site

from pipelines.settings import PipelineSettings
from pipelines.cli.errors import friendly
from pipelines.steps import open_checked_store


console = Console(stderr=True)
out = Console()


def _expected_errors():
    from pipelines.warc.replay import ReplayError
    from pipelines.warc.wacz import WaczError
    return WaczError, ReplayError, ValueError


_friendly = friendly(_expected_errors)   # packaging, replay and argument problems: one-line errors


def _settings(args) -> PipelineSettings:
    return PipelineSettings.from_env(store_uri=args.store, staging_dir=args.staging)


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)


@_friendly
def cmd_verify(args) -> int:
    from pipelines.warc.storecheck import repair
    from pipelines.warc.verify import readable_store, stored_warc_keys, verify
    settings = _settings(args)
    # checking needs read access only; repairing writes
    store = open_checked_store(settings) if args.repair else readable_store(settings.store_uri)
    with _progress() as bar:
        task = bar.add_task("checking WARC files", total=len(stored_warc_keys(store, args.site)))
        report = verify(store, args.site, progress=lambda key: bar.advance(task), staging_dir=settings.staging_dir)
    if args.repair and report.findings.problems():
        for action in repair(store, report.findings, settings):
            out.print(f"repaired: {action}", highlight=False)
        report = verify(store, args.site, staging_dir=settings.staging_dir)
    for problem in report.problems[:args.show]:
        console.print(f"[red]mismatch:[/] {escape(problem)}", highlight=False, soft_wrap=True)
    rows = ", ".join(f"{n} {table} rows" for table, n in report.rows_checked.items())
    out.print(f"{report.warcs} WARC files, {report.records} records ({report.digests_passed} digests checked); "
              f"{rows}; {len(report.problems)} problems", highlight=False)
    return 0 if report.ok else 1


@_friendly
def cmd_wacz(args) -> int:
    from pipelines.warc.wacz import package
    settings = _settings(args)
    site = load_site(args.site, settings.sites_dir)
    store = open_checked_store(settings)
    since, until = date.fromisoformat(args.since), date.fromisoformat(args.until or args.since)
    output = args.out or Path(f"{site.name}-{since:%Y%m%d}-{until:%Y%m%d}.wacz")
    with console.status(f"packaging {site.name} from {since} to {until}…"):
        result = package(store, site, since, until, output)
    out.print(f"wrote {result.path}: {result.warcs} WARC files, {result.pages} pages; wacz validate passed",
              highlight=False)
    return 0


@_friendly
def cmd_replay(args) -> int:
    from pipelines.warc.replay import ReplayServer
    store = open_checked_store(_settings(args))
    at = datetime.fromisoformat(args.at) if args.at else datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory(prefix="pywb-") as workdir:
        with ReplayServer(store, Path(workdir), port=args.port) as server:
            out.print(f"pywb replaying {store.uri} at {server.url}", highlight=False)
            for site in server.sites:
                page = args.url or "<url>"
                out.print(f"  {site}: {server.page_url(site, page, at)}", highlight=False)
            console.print("press Ctrl-C to stop")
            server.wait()
    return 0


def cmd_reindex(args) -> int:
    from pipelines.warc import cdxj
    from pipelines.warc import digestindex
    from pipelines.warc.verify import stored_warc_keys
    store = open_checked_store(_settings(args))
    keys = stored_warc_keys(store, args.site)
    with console.status(f"indexing {len(keys)} WARC files of {args.site}…"):
        lines = cdxj.index_warcs(store, args.site, keys)
        urls = digestindex.update(store, args.site, keys)
    out.print(f"{len(keys)} WARC files: {lines} CDXJ lines, {urls} URLs in the digest index", highlight=False)
    return 0


def register(sub, add_store_options) -> None:
    def command(name, func, text):
        p = sub.add_parser(name, help=text, description=text)
        p.set_defaults(func=func)
        add_store_options(p)
        return p

    p = command("verify", cmd_verify, "re-read every stored WARC: digests, and that every archive row "
                                      "points at a real record; exit 1 on any mismatch")
    p.add_argument("--site", help="only this site's WARCs and rows")
    p.add_argument("--show", type=int, default=20, help="how many mismatches to print (default 20)")
    p.add_argument("--repair", action="store_true", help="publish orphaned WARCs and unpublished runs")
    p = command("wacz", cmd_wacz, "package a site's captures over a date range as a validated WACZ")
    p.add_argument("site")
    p.add_argument("--since", required=True, help="first day (YYYY-MM-DD, UTC)")
    p.add_argument("--until", help="last day, inclusive (default: --since)")
    p.add_argument("--out", type=Path, help="default: SITE-SINCE-UNTIL.wacz")
    p = command("replay", cmd_replay, "serve the store's captures through pywb on 127.0.0.1")
    p.add_argument("url", nargs="?", help="a captured URL to print the replay address of")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--at", help="replay as of this ISO time (default: now, the latest capture)")
    p = command("reindex", cmd_reindex, "rebuild a site's CDXJ and digest indexes from its stored WARCs")
    p.add_argument("site")
