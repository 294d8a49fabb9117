"""Research commands over the versioned archive: history, show, diff, export,
and its upkeep: maintain, reclean."""
from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.text import Text
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from pipelines.archive import diff as worddiff
from pipelines.cli.errors import friendly


console = Console(stderr=True)
out = Console()


def _expected_errors():
    from pipelines.archive.writer import ArchiveError
    from pipelines.archive.reader import ArchiveNotFound
    return ArchiveNotFound, ArchiveError, ValueError


_friendly = friendly(_expected_errors)   # archive and argument problems: one-line errors


def _reader(args, as_of=None):
    from pipelines.archive.reader import open_archive
    from pipelines.settings import PipelineSettings
    return open_archive(PipelineSettings.from_env(store_uri=args.store).store_uri, as_of)


@_friendly
def cmd_history(args) -> int:
    frame = _reader(args, args.as_of).history(args.url)
    out.print(f"[bold]{escape(str(frame['canonical_url'].iloc[0]))}[/]\narticle {frame['article_id'].iloc[0]}, "
              f"extractor {escape(str(frame['extractor'].iloc[0]))}", highlight=False)
    table = Table(box=None, pad_edge=False)
    for column in ("version", "change", "first seen", "last seen", "words"):
        table.add_column(column, no_wrap=True)
    table.add_column("title", overflow="fold")
    for _, row in frame.iterrows():
        table.add_row(str(row["version"]), row["change"], _time(row["first_seen"]), _time(row["last_seen"]),
                      str(row["word_count"]), Text(row["title"] or ""))
    out.print(table)
    return 0


@_friendly
def cmd_show(args) -> int:
    row = _reader(args, args.as_of).show(args.url, at=args.at, version=args.version)
    out.print(f"[bold]{escape(row['title'] or '')}[/]", highlight=False)
    out.print(f"version {row['version']} ({row['change']}), first seen {_time(row['fetched_at'])}; "
              f"by {', '.join(list(row['authors']) if row['authors'] is not None else [])}; published {_time(row['published'])}",
              highlight=False, markup=False)
    out.print(f"capture: {row['warc_key']} @ {row['warc_offset']} ({row['warc_record_id']})\n", highlight=False,
              markup=False)
    out.print(row["text"], highlight=False, markup=False)
    return 0


@_friendly
def cmd_diff(args) -> int:
    reader = _reader(args, args.as_of)
    history = reader.history(args.url)
    newest = int(history["version"].max())
    to_v = args.to_version or newest
    from_v = args.from_version or max(1, to_v - 1)
    old, new = (reader.show(args.url, version=v) for v in (from_v, to_v))
    title_changes = worddiff.word_diff(old["title"], new["title"])
    text_changes = worddiff.word_diff(old["text"], new["text"])
    if args.html:
        args.html.write_text(worddiff.to_html(title_changes + [worddiff.Change("equal", "\n\n")] + text_changes,
                                              f"{new['title']}: version {from_v} → {to_v}"))
        out.print(f"wrote {args.html}")
        return 0
    counted = worddiff.counts(text_changes)
    out.print(f"[bold]version {from_v} → {to_v}[/]: {counted['delete']} words removed, "
              f"{counted['insert']} added", highlight=False)
    out.print("title: " + worddiff.to_markup(title_changes, context=None), highlight=False)
    out.print(worddiff.to_markup(text_changes, context=None if args.full else 12), highlight=False)
    return 0


@_friendly
def cmd_export(args) -> int:
    from pipelines.archive.export import count, export
    from pipelines.archive.reader import parse_time
    writable_output(args.out)              # before any reading: a bad path fails at once
    reader = _reader(args, args.as_of)
    since = parse_time(args.since) if args.since else None
    until = parse_time(args.until) if args.until else None
    total = count(reader, args.site, since, until)
    with Progress(BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("export", total=total)
        rows = export(reader, args.out, args.format, args.site, since, until,
                      progress=lambda n: bar.advance(task, n))
    out.print(f"exported {rows} article versions to {args.out}", highlight=False)
    return 0


@_friendly
def cmd_maintain(args) -> int:
    from pipelines.archive.maintain import maintain
    from pipelines.store import open_store
    from pipelines.settings import PipelineSettings
    store = open_store(PipelineSettings.from_env(store_uri=args.store).store_uri)
    store.check()
    for report in maintain(store, args.retention_days, args.dry_run):
        out.print(f"{report.table}: {report.files_before} files → {report.files_after}, "
                  f"{report.removed} old files {'would be ' if args.dry_run else ''}removed, "
                  f"table version {report.version}", highlight=False)
    return 0


@_friendly
def cmd_reclean(args) -> int:
    from spiders.siteconfig import load_site
    from pipelines.archive.reclean import reclean, stored_warcs
    from pipelines.settings import PipelineSettings
    from pipelines.steps import new_run_id, open_checked_store
    settings = PipelineSettings.from_env(store_uri=args.store)
    store = open_checked_store(settings)
    site = load_site(args.site, settings.sites_dir)
    with Progress(BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task(f"recleaning {len(stored_warcs(store, site.name))} WARC files", total=None)
        result = reclean(store, site, "reclean-" + new_run_id(), progress=lambda r: bar.advance(task))
    out.print(f"reclean of {site.name}: {result.versions_added} versions written by this extractor "
              f"(articles table version {result.articles_table_version})", highlight=False)
    return 0


def writable_output(path: Path) -> Path:
    """ValueError (one line) unless `path` can be created or overwritten as a file."""
    import os
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ValueError(f"cannot write {path}: it is a folder")
    if not folder.is_dir():
        raise ValueError(f"cannot write {path}: no folder {folder}")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"cannot write {path}: permission denied")
    return path


def _time(value) -> str:
    return "" if value is None or str(value) == "NaT" else str(value)[:19].replace("T", " ")


def register(sub, add_store_options) -> None:
    def command(name, func, text):
        p = sub.add_parser(name, help=text, description=text)
        p.set_defaults(func=func)
        add_store_options(p)
        return p

    def time_travel(p):
        p.add_argument("--as-of", help="read the archive as it was: a table version or an ISO time")

    p = command("history", cmd_history, "the versions of one article, with dates and kinds of change")
    p.add_argument("url")
    time_travel(p)
    p = command("show", cmd_show, "one version of an article (the newest by default)")
    p.add_argument("url")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--at", help="the version current at this ISO time")
    which.add_argument("--version", type=int)
    time_travel(p)
    p = command("diff", cmd_diff, "word-level differences between two versions")
    p.add_argument("url")
    p.add_argument("--from", dest="from_version", type=int, help="default: the one before --to")
    p.add_argument("--to", dest="to_version", type=int, help="default: the newest")
    p.add_argument("--html", type=Path, help="write an HTML page instead")
    p.add_argument("--full", action="store_true", help="do not shorten unchanged passages")
    time_travel(p)
    p = command("export", cmd_export, "export article versions as parquet, jsonl or csv")
    p.add_argument("--format", choices=("parquet", "jsonl", "csv"), default="parquet")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--site")
    p.add_argument("--since", help="published at or after (ISO date or time)")
    p.add_argument("--until", help="published before (ISO date or time)")
    time_travel(p)
    p = command("maintain", cmd_maintain, "compact, checkpoint and vacuum the archive tables")
    p.add_argument("--retention-days", type=int, default=30,
                   help="never touch table versions younger than this (default 30)")
    p.add_argument("--dry-run", action="store_true")
    p = command("reclean", cmd_reclean, "re-run cleaning over stored WARCs with the current extractor")
    p.add_argument("site")
