"""`newsarchive extract FILE... [--url URL]`: run the cleaning step on saved pages and print
one JSON object per input on its own line (pipelines/clean/savedpages.py)."""
from __future__ import annotations

from pipelines.cli import ui


def cmd_extract(args) -> int:
    import json
    from pathlib import Path

    from pipelines.clean.extract import EXTRACTOR_VERSION, NotAnArticle
    from pipelines.clean.savedpages import extract_files, read_input

    inputs, unreadable = [], {}
    for path in args.files:
        url = args.url or (Path(path).resolve().as_uri() if path != "-" else "file:///dev/stdin")
        try:
            inputs.append((read_input(path), url, path))
        except NotAnArticle as exc:      # e.g. a gzip that inflates past the page cap
            unreadable[path] = {"input": path, "url": url, "extractor": EXTRACTOR_VERSION, "text": "",
                                "skip_reason": str(exc)}
    rows = iter(extract_files(inputs, args.site))
    for path in args.files:
        row = unreadable.pop(path) if path in unreadable else next(rows)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return 0


def register(sub) -> None:
    p = ui.command(sub, "extract", cmd_extract,
                   "extract the article from saved pages (.html, .html.gz or - for stdin) as JSON lines",
                   store=False)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--url", help="the pages' address (for relative links and the canonical URL); "
                                 "default: the file's own file:// URL")
    p.add_argument("--site", help="treat every input as a page of this one site (default: group the inputs "
                                  "by the host of their canonical URL) when learning the site's template")
