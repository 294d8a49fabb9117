"""Research commands over the versioned archive: history, show, diff, export,
and its upkeep: maintain, reclean."""
from __future__ import annotations

from pipelines.cli import args as types
from pipelines.cli import ui


def _reader(args, as_of=None):
    from pipelines.archive.reader import open_archive

    return open_archive(ui.settings(args).store_uri, as_of)


def _withheld(args):
    from pipelines.access.takedowns import withheld
    from pipelines.store import open_store

    return withheld(open_store(ui.settings(args).store_uri))


def _refuse_withheld(args, rows) -> None:
    """A withheld article is not shown: one line naming the takedown list, exit 2."""
    from pipelines.access.withholding import refuse_if_withheld

    rules = _withheld(args)
    for row in rows:
        refuse_if_withheld(rules, args.url, row["url"], row["canonical_url"])


def cmd_history(args) -> int:
    from rich.markup import escape

    frame = _reader(args, args.as_of).history(args.url)
    _refuse_withheld(args, frame.to_dict("records"))
    out = ui.out()
    out.print(f"[bold]{escape(str(frame['canonical_url'].iloc[0]))}[/]\narticle {frame['article_id'].iloc[0]}, "
              f"extractor {escape(str(frame['extractor'].iloc[0]))}; {len(frame)} states, "
              f"{frame['version'].nunique()} versions", highlight=False)
    if frame["alternating"].iloc[0]:
        variants = sorted(set(frame.loc[frame["variant"], "version"]))
        out.print(f"alternating between versions {', '.join(map(str, variants))} (marked *)", highlight=False)
    for _, row in frame.iterrows():     # a line per state, its title under it: no column is cut short
        change = row["change"] + (f", back to v{row['version']}" if row["returns"] else "")
        captures = f"{row['sightings']} capture{'s' if row['sightings'] != 1 else ''}"
        out.print(f"{row['state']:>3}  v{row['version']:<3} {'*' if row['variant'] else ' '} {change:<22} "
                  f"first seen {_time(row['first_seen'])}  last seen {_time(row['last_seen'])}  {captures}, "
                  f"{row['word_count']} words", highlight=False, markup=False, soft_wrap=True)
        out.print(f"{'':9}{row['title'] or ''}", highlight=False, markup=False, soft_wrap=True)
    return 0


def cmd_show(args) -> int:
    from rich.markup import escape

    row = _reader(args, args.as_of).show(args.url, at=args.at, version=args.version)
    _refuse_withheld(args, [row])
    ui.out().print(f"[bold]{escape(row['title'] or '')}[/]", highlight=False)
    seen = ""
    if "state" in row:
        back = f", back to version {row['version']}" if row["returns"] else ""
        seen = f"; state {row['state']}{back}, captured {_time(row['seen_at'])}"
    ui.out().print(f"version {row['version']} ({row['change']}), first seen {_time(row['fetched_at'])}{seen}; "
                   f"by {', '.join(list(row['authors']) if row['authors'] is not None else [])}; "
                   f"published {_time(row['published'])}", highlight=False, markup=False)
    ui.out().print(f"capture: {row['warc_key']} @ {row['warc_offset']} ({row['warc_record_id']})\n", highlight=False,
                   markup=False)
    ui.out().print(row["text"], highlight=False, markup=False)
    return 0


def cmd_diff(args) -> int:
    from pipelines.archive import diff as worddiff

    reader = _reader(args, args.as_of)
    old, new = _diff_ends(reader, args.url, args.from_version, args.to_version)
    names = [_end_name(row, end) for row, end in ((old, args.from_version), (new, args.to_version))]
    _refuse_withheld(args, [old, new])
    title_changes = worddiff.word_diff(old["title"], new["title"])
    text_changes = worddiff.word_diff(old["text"], new["text"])
    if args.html:
        args.html.write_text(worddiff.to_html(title_changes + [worddiff.Change("equal", "\n\n")] + text_changes,
                                              f"{new['title']}: {names[0]} → {names[1]}"))
        ui.out().print(f"wrote {args.html}")
        return 0
    counted = worddiff.counts(text_changes)
    ui.out().print(f"[bold]{names[0]} → {names[1]}[/]: {counted['delete']} words removed, "
                   f"{counted['insert']} added", highlight=False)
    ui.out().print("title: " + worddiff.to_markup(title_changes, context=None), highlight=False)
    ui.out().print(worddiff.to_markup(text_changes, context=None if args.full else 12), highlight=False)
    return 0


def _diff_ends(reader, url: str, start, end) -> tuple[dict, dict]:
    """The two sides of a diff: a version number or the content captured last at a time;
    by default the latest change as seen (the state before the newest, and the newest)."""
    def side(which):
        if isinstance(which, int):
            return reader.show(url, version=which)
        return reader.show(url, at=which)

    if end is None and start is None:
        history = reader.history(url)
        return (history.iloc[max(0, len(history) - 2)].to_dict(), history.iloc[-1].to_dict())
    new = side(end) if end is not None else reader.show(url)
    if start is None:
        start = max(1, new["version"] - 1)
    return side(start), new


def _end_name(row: dict, asked) -> str:
    if asked is None or isinstance(asked, int):
        return f"version {row['version']}"
    return f"version {row['version']} at {_time(asked)}"


def cmd_export(args) -> int:
    from pipelines.archive.export import count, export

    reader = _reader(args, args.as_of)
    from functools import partial

    from pipelines.access.withholding import drop_withheld

    rules = _withheld(args)
    keep = partial(drop_withheld, rules) if rules else None
    total = None if args.current else count(reader, args.site, args.since, args.until, keep=keep)
    with ui.progress(spinner=False) as bar:
        task = bar.add_task("export", total=total)
        rows = export(reader, args.out, args.format, args.site, args.since, args.until,
                      progress=lambda n: bar.advance(task, n), current=args.current, keep=keep)
    ui.out().print(f"exported {rows} article versions to {args.out}", highlight=False)
    return 0


def cmd_maintain(args) -> int:
    from pipelines.archive.maintain import maintain
    from pipelines.settings import open_checked_store

    store = open_checked_store(ui.settings(args))
    for report in maintain(store, args.retention_days, args.dry_run, sites=args.site or None,
                           keys=args.table or None):
        compacted = f"{len(report.compacted)} partitions compacted, " if not args.dry_run else ""
        ui.out().print(f"{report.table}: {report.files_before} files → {report.files_after}, {compacted}"
                  f"{report.removed} old files {'would be ' if args.dry_run else ''}removed, "
                  f"{report.log_entries} log entries, table version {report.version}", highlight=False)
    return 0


def cmd_reclean(args) -> int:
    from spiders.runids import RunId
    from spiders.siteconfig import load_site
    from pipelines.run.reclean import reclean
    from pipelines.settings import open_checked_store
    from pipelines.warc.verify import stored_warc_keys

    settings = ui.settings(args)
    store = open_checked_store(settings)
    site = load_site(args.site, settings.sites_dir)
    with ui.progress(spinner=False) as bar:
        task = bar.add_task(f"recleaning {len(stored_warc_keys(store, site.name))} WARC files", total=None)
        result = reclean(store, site, "reclean-" + RunId.new(), progress=lambda r: bar.advance(task))
    ui.out().print(f"reclean of {site.name}: {result.versions_added} versions written by this extractor "
              f"(articles table version {result.articles_table_version})", highlight=False)
    return 0


def _time(value) -> str:
    return "" if value is None or str(value) == "NaT" else str(value)[:19].replace("T", " ")


def register(sub) -> None:
    def time_travel(p):
        p.add_argument("--as-of", type=types.as_of,
                       help="read the archive as it was: a table version or an ISO time")

    p = ui.command(sub, "history", cmd_history,
                   "the states one article was seen in, with returns, alternation, dates and kinds of change")
    p.add_argument("url")
    time_travel(p)
    p = ui.command(sub, "show", cmd_show, "one version of an article (by default the content captured last)")
    p.add_argument("url")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--at", type=types.moment, help="the content captured last at or before this ISO time")
    which.add_argument("--version", type=int)
    time_travel(p)
    p = ui.command(sub, "diff", cmd_diff, "word-level differences between two versions")
    p.add_argument("url")
    p.add_argument("--from", dest="from_version", type=types.version_or_moment,
                   help="a version number, or a time: the content captured last at or before it "
                        "(default: the state before --to)")
    p.add_argument("--to", dest="to_version", type=types.version_or_moment,
                   help="a version number or a time (default: the content captured last)")
    p.add_argument("--html", type=types.writable_file, help="write an HTML page instead")
    p.add_argument("--full", action="store_true", help="do not shorten unchanged passages")
    time_travel(p)
    p = ui.command(sub, "export", cmd_export, "export article versions as parquet, jsonl or csv")
    p.add_argument("--format", choices=("parquet", "jsonl", "csv"), default="parquet")
    p.add_argument("--out", type=types.writable_file, required=True)
    p.add_argument("--site")
    p.add_argument("--since", type=types.moment, help="published at or after (ISO date or time)")
    p.add_argument("--until", type=types.moment, help="published before (ISO date or time)")
    p.add_argument("--current", action="store_true",
                   help="only each article's current content (the one its latest capture showed)")
    time_travel(p)
    p = ui.command(sub, "maintain", cmd_maintain,
                   "compact, checkpoint, expire old log entries and vacuum the archive tables")
    p.add_argument("--retention-days", type=types.count, default=None,
                   help="keep table versions younger than this readable, i.e. how far back --as-of "
                        "reaches (default: NEWSARCHIVE_RETENTION_DAYS, else 30)")
    p.add_argument("--site", action="append", help="compact only this site's partitions (repeatable)")
    p.add_argument("--table", action="append", choices=("articles", "captures", "runs_table"),
                   help="maintain only this table (repeatable; default all)")
    p.add_argument("--dry-run", action="store_true")
    p = ui.command(sub, "reclean", cmd_reclean, "re-run cleaning over stored WARCs with the current extractor")
    p.add_argument("site")
