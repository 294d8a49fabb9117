"""`newsarchive takedown add|lift|list`: withhold a URL or URL prefix from replay, search,
export and the research commands, with an audit trail in the `takedowns` table."""
from __future__ import annotations

from pipelines.cli import ui


def _store(args):
    from pipelines.settings import open_checked_store

    return open_checked_store(ui.settings(args))


def cmd_add(args) -> int:
    from pipelines.access import takedowns

    row = takedowns.add(_store(args), args.target, args.reason, args.by)
    ui.out().print(f"{row['takedown_id']}: {row['match']} takedown of {row['target']} by {row['added_by']} "
                   f"at {row['added_at']:%Y-%m-%d %H:%M:%S} UTC", highlight=False, markup=False)
    return 0


def cmd_lift(args) -> int:
    from pipelines.access import takedowns

    row = takedowns.lift(_store(args), args.takedown_id, args.by)
    ui.out().print(f"{row['takedown_id']}: lifted by {row['lifted_by']} at {row['lifted_at']:%Y-%m-%d %H:%M:%S} UTC; "
                   f"{row['target']} is shown again", highlight=False, markup=False)
    return 0


def cmd_list(args) -> int:
    import json

    from rich.table import Table
    from rich.text import Text

    from pipelines.access import takedowns
    from pipelines.store import open_store

    rows = takedowns.list_takedowns(open_store(ui.settings(args).store_uri), include_lifted=args.all)
    if args.format == "jsonl":
        for row in rows:
            print(json.dumps(row, default=lambda v: v.isoformat()))
        return 0
    table = Table(box=None, pad_edge=False)
    for column in ("id", "target", "reason", "added by", "added at", "lifted by", "lifted at"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(Text(str(v)) for v in (row["takedown_id"], row["target"], row["reason"], row["added_by"],
                                                _time(row["added_at"]), row["lifted_by"] or "",
                                                _time(row["lifted_at"]))))
    ui.out().print(table if rows else "no takedowns" + ("" if args.all else " in force"), highlight=False)
    return 0


def _time(value) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def register(sub) -> None:
    top = sub.add_parser("takedown", help="withhold URLs from replay, search and export (audited)",
                         description="withhold URLs from replay, search and export (audited)")
    actions = top.add_subparsers(required=True, metavar="ACTION")
    p = ui.command(actions, "add", cmd_add, "withhold a URL, or every URL under a prefix written URL*")
    p.add_argument("target", metavar="URL", help="a URL, or a prefix ending in * (e.g. https://site/section/*)")
    p.add_argument("--reason", required=True, help="why (court order, privacy request, ...)")
    p.add_argument("--by", required=True, help="who asked for it or decided it")
    p = ui.command(actions, "lift", cmd_lift, "lift a takedown: the URLs are shown again")
    p.add_argument("takedown_id", metavar="ID")
    p.add_argument("--by", required=True, help="who lifts it")
    p = ui.command(actions, "list", cmd_list, "the takedowns in force (all of them with --all)")
    p.add_argument("--all", action="store_true", help="lifted ones too, with who lifted them and when")
    p.add_argument("--format", choices=("table", "jsonl"), default="table")
