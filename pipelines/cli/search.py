"""`newsarchive search` over every version of every article, and `reindex-search`, which
builds the full-text index again from the articles table alone."""
from __future__ import annotations

from pipelines.cli import args as types
from pipelines.cli import ui


def cmd_search(args) -> int:
    import json

    from pipelines.access.takedowns import withheld
    from pipelines.search.query import Searcher, SearchQuery
    from pipelines.store import open_store

    store = open_store(ui.settings(args).store_uri)
    searcher = Searcher(store, withheld=withheld(store))
    hits = searcher.search(SearchQuery(args.query, site=args.site, since=args.since, until=args.until,
                                       as_of=args.as_of, all_versions=args.all_versions, limit=args.limit))
    if args.format == "jsonl":
        for hit in hits:
            print(json.dumps(hit.as_dict(), ensure_ascii=False, default=lambda v: v.isoformat()))
        return 0
    _print_table(hits, args.replay_base.rstrip("/"))
    return 0


def _print_table(hits, replay_base: str) -> None:
    import re

    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_lines=True)
    for column in ("#", "title / snippet", "site", "published", "v", "captured"):
        table.add_column(column, overflow="fold", no_wrap=column in ("#", "v"))
    for rank, hit in enumerate(hits, 1):
        cell = Text(hit.title, style="bold")
        cell.append("\n")
        for i, part in enumerate(re.split(r"\[\[|\]\]", hit.snippet)):    # matches sit between [[ and ]]
            cell.append(part, style="bold yellow" if i % 2 else None)
        cell.append("\n" + replay_base + hit.replay_path, style="dim")
        table.add_row(str(rank), cell, escape(hit.site), _time(hit.published), str(hit.version), _time(hit.fetched_at))
    ui.out().print(table if hits else "no results", highlight=False)


def cmd_reindex_search(args) -> int:
    from pipelines.search.indexer import Indexer
    from pipelines.settings import open_checked_store

    indexer = Indexer(open_checked_store(ui.settings(args)))
    with ui.progress(spinner=True) as bar:
        task = bar.add_task("indexing article versions", total=None)
        result = indexer.rebuild(progress=lambda n: bar.advance(task, n))
    ui.out().print(f"search index rebuilt: {result.indexed} article versions (articles table version "
                   f"{result.table_version}) in {result.seconds:.1f} s; {indexer.files.size():,} bytes",
                   highlight=False)
    return 0


def _time(value) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}"


def register(sub) -> None:
    p = ui.command(sub, "search", cmd_search, "full-text search over every version of every article")
    p.add_argument("query", help='words, "a phrase", title:word, author:name, section:word, -excluded, OR')
    p.add_argument("--site")
    p.add_argument("--since", type=types.moment, help="published (captured, if undated) at or after")
    p.add_argument("--until", type=types.moment, help="published (captured, if undated) before")
    p.add_argument("--as-of", type=types.as_of, help="search the archive as it was: a table version or an ISO time")
    p.add_argument("--all-versions", action="store_true", help="every matching version, not only the one shown")
    p.add_argument("--limit", type=types.count, default=20)
    p.add_argument("--format", choices=("table", "jsonl"), default="table")
    p.add_argument("--replay-base", default="http://127.0.0.1:8080",
                   help="address of `newsarchive replay`, for the links (default http://127.0.0.1:8080)")
    ui.command(sub, "reindex-search", cmd_reindex_search,
               "rebuild the full-text search index from the articles table")
