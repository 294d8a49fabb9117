"""`newsarchive extract FILE... [--url URL]`: run the cleaning step on saved pages.

Prints one JSON object per input on its own line: the input path, the body
text (plain and Markdown), the metadata and which source gave each field, or
the reason the page yielded no article. The benchmark scripts call
`extract_file` too, so they measure exactly what this command prints.
"""
from __future__ import annotations

import json
import zlib
import sys
from datetime import datetime
from pathlib import Path

from spiders.inflate import BodyTooLarge, inflate

from .extract import EXTRACTOR_VERSION, MAX_PAGE_BYTES, Article, NotAnArticle, extract_article
from .steps import StepError


def read_input(path: str) -> bytes:
    """The raw bytes of a saved page: a file, a gzipped file, or `-` for stdin."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise StepError(f"cannot read {path}: {exc.strerror or exc}") from None
    if data[:2] == b"\x1f\x8b":                  # gzip magic, whatever the file is called
        try:            # inflated no further than the largest page cleaning accepts
            data = inflate(data, ["gzip"], MAX_PAGE_BYTES)
        except BodyTooLarge:
            raise NotAnArticle(f"page too large (inflates past {MAX_PAGE_BYTES:,} bytes)") from None
        except (ValueError, zlib.error) as exc:
            raise StepError(f"cannot decompress {path}: {exc}") from None
    return data


def extract_file(data: bytes, url: str, path: str = "-") -> dict:
    """One output object for one input page."""
    record: dict = {"input": path, "url": url, "extractor": EXTRACTOR_VERSION}
    try:
        article = extract_article(data, url)
    except NotAnArticle as exc:
        return record | {"text": "", "skip_reason": str(exc)}
    return record | article_json(article) | {"skip_reason": None}


def article_json(article: Article) -> dict:
    values = {name: getattr(article, name) for name in article.__dataclass_fields__}
    return {name: value.isoformat() if isinstance(value, datetime) else value for name, value in values.items()}


def cmd_extract(args) -> int:
    for path in args.files:
        url = args.url or (Path(path).resolve().as_uri() if path != "-" else "file:///dev/stdin")
        try:
            result = extract_file(read_input(path), url, path)
        except NotAnArticle as exc:
            result = {"input": path, "url": url, "extractor": EXTRACTOR_VERSION, "text": "", "skip_reason": str(exc)}
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


def register(sub, add_store_options) -> None:
    text = "extract the article from saved pages (.html, .html.gz or - for stdin) as JSON lines"
    p = sub.add_parser("extract", help=text, description=text)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--url", help="the pages' address (for relative links and the canonical URL); "
                                 "default: the file's own file:// URL")
    p.set_defaults(func=cmd_extract)
