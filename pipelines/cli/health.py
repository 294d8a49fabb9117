"""`newsarchive status | report`: run health, per site, on the terminal or as an HTML page (the check
itself is step 5, in cli/pipeline.py)."""
from __future__ import annotations

from datetime import datetime, timezone

from pipelines.cli import args as types
from pipelines.cli import ui

RESULT_STYLE = {"ok": "green", "warning": "yellow", "failed": "bold red"}


def cmd_status(args) -> int:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from spiders.siteconfig import load_sites
    from pipelines.health.status import site_status
    from pipelines.settings import open_checked_store

    settings = ui.settings(args)
    entries = site_status(open_checked_store(settings), load_sites(settings.sites_dir)[0],
                          datetime.now(timezone.utc), args.site)
    table = Table(box=box.SIMPLE, pad_edge=False)
    for name in ("site", "last run", "published", "result", "articles", "new", "errors", "failed checks",
                 "next run"):
        table.add_column(name, overflow="fold")
    for entry in entries:
        table.add_row(*_status_cells(entry))
    Console(width=max(ui.out().width, 132)).print(table)     # piped output would be cut to 80 columns
    for entry in entries:       # the full line of what changed, never cut by the table's width
        last = entry["last"]
        if last and last["message"]:
            ui.out().print(f"[{RESULT_STYLE[last['result']]}]{last['result']}:[/] {last['message']}",
                      highlight=False, soft_wrap=True)
    return 0


def _status_cells(entry: dict) -> list[str]:
    last, upcoming = entry["last"], entry["next_run"]
    when = upcoming.strftime("%m-%d %H:%M %Z") if upcoming else "—"
    if last is None:
        return [entry["site"], "no runs yet", "", "", "", "", "", "", when]
    style = RESULT_STYLE.get(last["result"], "")
    return [entry["site"], last["run_id"], f"{last['published_at']:%m-%d %H:%M}",
            f"[{style}]{last['result']}[/]", str(last["articles_seen"]), str(last["new_versions"]),
            f"{last['error_rate']:.1%}", ", ".join(last["failed_checks"]) or "—", when]


def cmd_report(args) -> int:
    from pipelines.health.htmlreport import render_report
    from pipelines.health.runstable import read_runs
    from pipelines.settings import open_checked_store

    settings = ui.settings(args)
    runs = read_runs(open_checked_store(settings), args.site)
    args.html.write_text(render_report(runs, datetime.now(timezone.utc)), encoding="utf-8")
    ui.out().print(f"wrote {args.html} ({len(runs)} runs of {len({r['site'] for r in runs})} sites)", highlight=False)
    return 0


def register(sub) -> None:
    p = ui.command(sub, "status", cmd_status, "per site: last run, its result, failed checks, next run")
    p.add_argument("--site", help="one site only")

    p = ui.command(sub, "report", cmd_report,
                   "an HTML page of plots per site over time, readable without a server")
    p.add_argument("--html", type=types.writable_file, required=True, metavar="FILE")
    p.add_argument("--site", help="one site only")
