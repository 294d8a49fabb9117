"""WARC-side commands: verify the store, package a WACZ, replay through pywb,
and rebuild the CDXJ and digest indexes of WARCs already stored."""
from __future__ import annotations

from pipelines.cli import args as types
from pipelines.cli import ui


def cmd_verify(args) -> int:
    from pipelines.run.repair import repair
    from pipelines.run.storecheck import verify_store
    from pipelines.settings import open_checked_store
    from pipelines.warc.verify import readable_store, stored_warc_keys

    settings = ui.settings(args)
    # checking needs read access only; repairing writes
    store = open_checked_store(settings) if args.repair else readable_store(settings.store_uri)
    with ui.progress(transient=True) as bar:
        task = bar.add_task("checking WARC files", total=len(stored_warc_keys(store, args.site)))
        report, findings = verify_store(store, args.site, progress=lambda key: bar.advance(task),
                                        staging_dir=settings.staging_dir)
    if args.repair and findings.problems():
        for action in repair(store, findings, settings):
            ui.out().print(f"repaired: {action}", highlight=False)
        report, findings = verify_store(store, args.site, staging_dir=settings.staging_dir)
    for problem in report.problems[:args.show]:
        ui.error(problem, label="[red]mismatch:[/]")
    rows = ", ".join(f"{n} {table} rows" for table, n in report.rows_checked.items())
    ui.out().print(f"{report.warcs} WARC files, {report.records} records ({report.digests_passed} digests "
                   f"checked); {rows}; {len(report.problems)} problems", highlight=False)
    return 0 if report.ok else 1


def cmd_wacz(args) -> int:
    from pathlib import Path

    from spiders.siteconfig import load_site
    from pipelines.settings import open_checked_store
    from pipelines.warc.wacz import package

    settings = ui.settings(args)
    site = load_site(args.site, settings.sites_dir)
    store = open_checked_store(settings)
    since, until = args.since, args.until or args.since
    output = args.out or Path(f"{site.name}-{since:%Y%m%d}-{until:%Y%m%d}.wacz")
    with ui.err().status(f"packaging {site.name} from {since} to {until}…"):
        result = package(store, site, since, until, output)
    ui.out().print(f"wrote {result.path}: {result.warcs} WARC files, {result.pages} pages; wacz validate passed",
                   highlight=False)
    return 0


def cmd_replay(args) -> int:
    import tempfile
    from datetime import datetime, timezone
    from pathlib import Path

    from pipelines.settings import open_checked_store
    from pipelines.warc.replay import ReplayServer

    store = open_checked_store(ui.settings(args))
    at = args.at or datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory(prefix="pywb-") as workdir:
        with ReplayServer(store, Path(workdir), port=args.port) as server:
            ui.out().print(f"pywb replaying {store.uri} at {server.url}", highlight=False)
            for site in server.sites:
                page = args.url or "<url>"
                ui.out().print(f"  {site}: {server.page_url(site, page, at)}", highlight=False)
            ui.err().print("press Ctrl-C to stop")
            server.wait()
    return 0


def cmd_reindex(args) -> int:
    from pipelines.settings import open_checked_store
    from pipelines.warc import cdxj, digestindex
    from pipelines.warc.verify import stored_warc_keys

    store = open_checked_store(ui.settings(args))
    keys = stored_warc_keys(store, args.site)
    with ui.err().status(f"indexing {len(keys)} WARC files of {args.site}…"):
        lines = cdxj.index_warcs(store, args.site, keys)
        urls = digestindex.update(store, args.site, keys)
    ui.out().print(f"{len(keys)} WARC files: {lines} CDXJ lines, {urls} URLs in the digest index", highlight=False)
    return 0


def register(sub) -> None:
    p = ui.command(sub, "verify", cmd_verify, "re-read every stored WARC: digests, and that every archive row "
                                              "points at a real record; exit 1 on any mismatch")
    p.add_argument("--site", help="only this site's WARCs and rows")
    p.add_argument("--show", type=types.count, default=20, help="how many mismatches to print (default 20)")
    p.add_argument("--repair", action="store_true", help="publish orphaned WARCs and unpublished runs")
    p = ui.command(sub, "wacz", cmd_wacz, "package a site's captures over a date range as a validated WACZ")
    p.add_argument("site")
    p.add_argument("--since", type=types.day, required=True, help="first day (YYYY-MM-DD, UTC)")
    p.add_argument("--until", type=types.day, help="last day, inclusive (default: --since)")
    p.add_argument("--out", type=types.writable_file, help="default: SITE-SINCE-UNTIL.wacz")
    p = ui.command(sub, "replay", cmd_replay, "serve the store's captures through pywb on 127.0.0.1")
    p.add_argument("url", nargs="?", help="a captured URL to print the replay address of")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--at", type=types.moment, help="replay as of this ISO time (default: now, the latest capture)")
    p = ui.command(sub, "reindex", cmd_reindex, "rebuild a site's CDXJ and digest indexes from its stored WARCs")
    p.add_argument("site")
