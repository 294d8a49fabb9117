"""`newsarchive backfill SITE --from D1 --to D2`: capture a past date range, interval by interval."""
from __future__ import annotations

from contextlib import contextmanager

from pipelines.cli import args as types
from pipelines.cli import ui


def cmd_backfill(args) -> int:
    from spiders.siteconfig import load_site
    from pipelines.schedule import backfill
    from pipelines.store import layout

    settings = ui.settings(args)
    site = load_site(args.site, settings.sites_dir)
    planned = backfill.intervals(site, args.first, args.last)
    done = skipped = versions = 0
    with ui.progress() as bar:
        task = bar.add_task(f"backfilling {site.name}", total=len(planned))
        results = backfill.backfill(site, args.first, args.last, settings, args.base_url,
                                    redo=args.redo, watch=crawl_errors)
        for result in results:
            if result.skipped:
                skipped += 1
            else:
                done += 1
                versions += result.manifest["versions_added"]
                bar.console.print(f"{result.interval}: {result.manifest['articles_seen']} articles, "
                                  f"{result.manifest['versions_added']} new versions", highlight=False)
            bar.advance(task)
    ui.out().print(f"backfill of {site.name} {args.first} .. {args.last}: {len(planned)} intervals, "
                   f"{done} run, {skipped} already finished, {versions} versions added "
                   f"(record: {settings.store_uri}/{layout.backfill_state_key(site.name)})", highlight=False,
                   soft_wrap=True)
    return 0


@contextmanager
def crawl_errors(step: str):
    """Under the backfill's own bar: the errors each interval's crawl logs, nothing else."""
    def on_event(event: dict) -> None:
        if event["event"] == "log":
            ui.err().print(event["line"], highlight=False, markup=False)
    yield on_event if step == "crawl" else None


def register(sub) -> None:
    p = ui.command(sub, "backfill", cmd_backfill,
                   "capture a past date range, one run per schedule interval (resumable)")
    p.add_argument("site")
    p.add_argument("--from", dest="first", type=types.day, required=True, help="first day (YYYY-MM-DD, included)")
    p.add_argument("--to", dest="last", type=types.day, required=True, help="last day (YYYY-MM-DD, included)")
    p.add_argument("--base-url", help="fetch the site from another address")
    p.add_argument("--redo", action="store_true",
                   help="run intervals again even when recorded as finished (adds no duplicate versions)")
