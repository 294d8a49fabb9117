"""Accuracy of the extracted title, authors and published date.

Two sets of pages with known answers:
- the demo site (spiders/demosite), where every article's headline, authors and
  publication time are known; its pages are rendered in-process, no server;
- the pages of the article-extraction benchmark whose JSON-LD describes the
  article: that JSON-LD is taken as the truth.

Each set is measured twice: with every source (what the archive records), and
with the JSON-LD removed from the page, which measures the fallbacks (meta
tags, htmldate, the DOM) on their own. The second figure is the meaningful one
for the benchmark pages, whose truth *is* their JSON-LD.

    .venv/bin/python bench/metadata.py [--dataset DIR] [--demo-articles 240]
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trafilatura.utils import load_html                          # noqa: E402

from bench.extraction import DEFAULT_DATASET, load_dataset        # noqa: E402
from pipelines.clean import jsonld                                      # noqa: E402
from pipelines.clean.decode import decode_page                         # noqa: E402
from pipelines.clean.metadata import extract_metadata, parse_date, split_authors  # noqa: E402


@dataclass
class Truth:
    title: str
    authors: list[str] | None          # None: unknown, not scored
    published: datetime | None


def demo_pages(limit: int) -> list[tuple[str, bytes, Truth]]:
    from spiders.demosite import build_articles
    from spiders.demosite.server import route
    base = "http://127.0.0.1:8765"
    pages = []
    for article in build_articles(1)[:limit]:
        page = route(article.path, base, 1)
        pages.append((base + article.path, page.body,
                      Truth(article.headline, list(article.authors), article.published)))
    return pages


def benchmark_pages(dataset: Path) -> list[tuple[str, bytes, Truth]]:
    pages = []
    for _, url, _, html in load_dataset(dataset):
        ld = jsonld.find_article(load_html(decode_page(html))) or {}
        title = jsonld.text_value(ld.get("headline"))
        if title:
            authors = split_authors(jsonld.names(ld.get("author"))) or None
            pages.append((url, html, Truth(title, authors, parse_date(ld.get("datePublished")))))
    return pages


def measure(pages, with_jsonld: bool) -> dict[str, tuple[int, int]]:
    """field -> (correct, scored)."""
    counts = {"title": [0, 0], "authors": [0, 0], "published": [0, 0], "published (day)": [0, 0]}
    for url, html, truth in pages:
        tree = load_html(decode_page(html))
        if not with_jsonld:
            for script in tree.xpath("//script[@type='application/ld+json']"):
                script.getparent().remove(script)
        got = extract_metadata(tree, url)
        _count(counts["title"], _same_text(got.title, truth.title))
        if truth.authors is not None:
            _count(counts["authors"], len(got.authors) == len(truth.authors)
                   and all(_same_text(a, b) for a, b in zip(got.authors, truth.authors)))
        if truth.published is not None:
            _count(counts["published"], got.published == truth.published)
            _count(counts["published (day)"], got.published is not None
                   and got.published.date() == truth.published.date())
    return {name: (c, n) for name, (c, n) in counts.items()}


def _count(cell: list[int], ok: bool) -> None:
    cell[0] += bool(ok)
    cell[1] += 1


def _same_text(a: str | None, b: str) -> bool:
    """Equal words, ignoring case, spacing and punctuation (straight or curly quotes, - or –)."""
    return re.findall(r"\w+", (a or "").casefold()) == re.findall(r"\w+", b.casefold())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--demo-articles", type=int, default=240)
    args = parser.parse_args(argv)
    sets = {"demo site": demo_pages(args.demo_articles), "benchmark JSON-LD": benchmark_pages(args.dataset)}
    print(f"{'pages':<30} {'sources':<16} {'title':>13} {'authors':>13} {'published':>13} {'pub. day':>13}")
    for name, pages in sets.items():
        for with_jsonld in (True, False):
            result = measure(pages, with_jsonld)
            cells = " ".join(f"{_cell(*result[f]):>13}" for f in ("title", "authors", "published", "published (day)"))
            print(f"{name + f' ({len(pages)})':<30} {'all' if with_jsonld else 'without JSON-LD':<16} {cells}")
    return 0


def _cell(correct: int, scored: int) -> str:
    return f"{correct / scored:.3f} ({scored})" if scored else "-"


if __name__ == "__main__":
    sys.exit(main())
