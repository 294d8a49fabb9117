"""`newsarchive backfill SITE --from D1 --to D2`: capture a past date range, interval by interval."""
from __future__ import annotations

import argparse
from datetime import date

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from spiders.siteconfig import load_site

from pipelines.schedule import backfill
from pipelines import steps
from pipelines.settings import PipelineSettings

console = Console(stderr=True)
out = Console()


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def cmd_backfill(args) -> int:
    settings = PipelineSettings.from_env(store_uri=args.store, staging_dir=args.staging)
    site = load_site(args.site, settings.sites_dir)
    planned = backfill.intervals(site, args.first, args.last)
    done = skipped = versions = 0
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task(f"backfilling {site.name}", total=len(planned))

        def on_line(line: str) -> None:
            if " ERROR" in line or "Traceback" in line:
                console.print(line, highlight=False, markup=False)

        results = backfill.backfill(site.name, args.first, args.last, settings, args.base_url,
                                    redo=args.redo, on_line=on_line)
        for result in results:
            if result.skipped:
                skipped += 1
            else:
                done += 1
                versions += result.manifest["versions_added"]
                bar.console.print(f"{result.interval}: {result.manifest['articles_seen']} articles, "
                                  f"{result.manifest['versions_added']} new versions", highlight=False)
            bar.advance(task)
    out.print(f"backfill of {site.name} {args.first} .. {args.last}: {len(planned)} intervals, "
              f"{done} run, {skipped} already finished, {versions} versions added "
              f"(record: {settings.store_uri}/{backfill.state_key(site.name)})", highlight=False, soft_wrap=True)
    return 0


def register(sub, add_store_options) -> None:
    text = "capture a past date range, one run per schedule interval (resumable)"
    p = sub.add_parser("backfill", help=text, description=text)
    p.set_defaults(func=cmd_backfill)
    add_store_options(p)
    p.add_argument("site")
    p.add_argument("--from", dest="first", type=_day, required=True, help="first day (YYYY-MM-DD, included)")
    p.add_argument("--to", dest="last", type=_day, required=True, help="last day (YYYY-MM-DD, included)")
    p.add_argument("--base-url", help="fetch the site from another address")
    p.add_argument("--redo", action="store_true",
                   help="run intervals again even when recorded as finished (adds no duplicate versions)")
