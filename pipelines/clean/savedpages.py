"""Clean saved pages (what `newsarchive extract` prints): one JSON object per input with
the input path, the body text (plain and Markdown), the metadata and which source gave
each field, or the reason the page yielded no article. The inputs are grouped by site (the
host of each page's canonical URL, or `site`) and the blocks that repeat across the pages
of one site are learnt as its template and removed, as the clean step does across a run
(pipelines.clean.sitetemplate). The benchmark scripts call `extract_files` too, so they
measure exactly what the command prints.
"""
from __future__ import annotations

import zlib
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from spiders.inflate import BodyTooLarge, inflate

from pipelines.clean import sitetemplate
from pipelines.clean.extract import EXTRACTOR_VERSION, MAX_PAGE_BYTES, Article, NotAnArticle, extract_article, parse_html
from pipelines.clean.metadata import canonical_link
from pipelines.clean.sitetemplate import Boilerplate, SiteTemplate, page_keys
from newsarchive.errors import StepError
from pipelines.archive.ids import article_id

KEPT_TREES = 500


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


def extract_files(inputs: list[tuple[bytes, str, str]], site: str | None = None) -> list[dict]:
    """One output object per (page bytes, URL, path), in input order, each page cleaned with
    the template learnt from the pages of its site among the inputs. The parsed pages are
    kept for extraction, up to KEPT_TREES of them (the others are parsed again)."""
    trees: dict[int, object] = {}
    groups: dict[str, list[tuple[int, str]]] = {}
    page_sites: list[str | None] = []
    for i, (data, url, _) in enumerate(inputs):
        try:
            tree = parse_html(data)
        except NotAnArticle:
            page_sites.append(None)
            continue
        page_url = urljoin(url, canonical_link(tree) or url)
        name = site or urlsplit(page_url).hostname or "-"
        groups.setdefault(name, []).append((i, article_id(page_url)))
        page_sites.append(name)
        if len(trees) < KEPT_TREES:
            trees[i] = tree
    found = {name: _learn(name, pages, inputs, trees) for name, pages in groups.items() 
             if len(pages) >= sitetemplate.MIN_PAGES}
    return [extract_file(data, url, path, found.get(name), trees.pop(i, None))
            for i, ((data, url, path), name) in enumerate(zip(inputs, page_sites))]


def _learn(site: str, pages: list[tuple[int, str]], inputs, trees: dict) -> Boilerplate:
    template = SiteTemplate(site)
    for i, page_id in pages:
        template.learn(page_id, page_keys(trees[i] if i in trees else parse_html(inputs[i][0])))
    return Boilerplate(template.boilerplate())


def extract_file(data: bytes, url: str, path: str = "-", template: Boilerplate | None = None,
                 tree=None) -> dict:
    """One output object for one input page (`tree`: the page already parsed)."""
    record: dict = {"input": path, "url": url, "extractor": EXTRACTOR_VERSION}
    try:
        article = extract_article(data, url, template, tree)
    except NotAnArticle as exc:
        return record | {"text": "", "skip_reason": str(exc)}
    return record | article_json(article) | {"skip_reason": None}


def article_json(article: Article) -> dict:
    values = {name: getattr(article, name) for name in article.__dataclass_fields__}
    return {name: value.isoformat() if isinstance(value, datetime) else value for name, value in values.items()}
