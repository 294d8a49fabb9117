"""Accuracy of the extracted title, authors and published date.

Two sets of pages with known answers:
- the demo site (demosite), where every article's headline, authors and
  publication time are known; its pages are rendered in-process, no server;
- the pages of the article-extraction benchmark whose JSON-LD describes the
  article: that JSON-LD is taken as the truth.

Each set is measured twice: with every source (what the archive records), and
with the JSON-LD removed from the page, which measures the fallbacks (meta
tags, htmldate, the DOM) on their own. The second figure is the meaningful one
for the benchmark pages, whose truth *is* their JSON-LD.

The title is scored twice. Strictly, against the JSON-LD headline alone; and
with three defects of that reference corrected, each a rule that reads only the
JSON-LD and the page's site name, never a named page or site
(`title_references`, `cut_at_limit`):
- the JSON-LD's `alternativeHeadline` is the publisher's headline too;
- a headline ending in " | Site" or " - Site", where Site is the page's own name
  (its og:site_name or a label of its host name), also counts without that part,
  which a headline does not carry;
- a headline of 100 to 110 characters that is a strict word-prefix of an
  extracted title longer than 110 characters was cut at the length limit for
  JSON-LD headlines (Google's is 110), and counts for the whole title.
The pages each rule turns into hits are listed under the table.

    .venv/bin/python bench/metadata.py [--dataset DIR] [--demo-articles 240]
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trafilatura.utils import load_html                          # noqa: E402

from bench.extraction import DEFAULT_DATASET, load_dataset        # noqa: E402
from pipelines.clean import jsonld                                      # noqa: E402
from pipelines.clean.decode import decode_page                         # noqa: E402
from pipelines.clean.metadata import extract_metadata, meta_tags, parse_date, split_authors  # noqa: E402


SEPARATOR = re.compile(r"\s+[|–—-]\s+")       # before a site's name: "Headline | Site", "Headline - Site"
HEADLINE_LIMIT = (100, 110)     # characters: where CMSs cut the JSON-LD headline (Google's limit is 110)


@dataclass
class Truth:
    title: str
    authors: list[str] | None          # None: unknown, not scored
    published: datetime | None
    also: dict[str, str] = field(default_factory=dict)   # rule -> a title the reference's defects allow


def demo_pages(limit: int) -> list[tuple[str, bytes, Truth]]:
    from demosite import build_articles
    from demosite.server import route
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
        tree = load_html(decode_page(html))
        ld = jsonld.find_article(tree) or {}
        title = jsonld.text_value(ld.get("headline"))
        if title:
            authors = split_authors(jsonld.names(ld.get("author"))) or None
            pages.append((url, html, Truth(title, authors, parse_date(ld.get("datePublished")),
                                           title_references(ld, meta_tags(tree).get("og:site_name"), url))))
    return pages


def title_references(ld: dict, site_name: str | None, url: str) -> dict[str, str]:
    """The titles a JSON-LD headline's defects allow besides it, by rule: the article's
    `alternativeHeadline`, and the headline without a trailing part that is the site's name."""
    title = jsonld.text_value(ld.get("headline")) or ""
    also = {}
    alternative = jsonld.text_value(ld.get("alternativeHeadline"))
    if alternative:
        also["alternativeHeadline"] = alternative
    last = [*SEPARATOR.finditer(title)][-1:]
    names = {_squash(site_name or "")} | {_squash(label) for label in (urlsplit(url).hostname or "").split(".")}
    if last and _squash(title[last[0].end():]) in names - {""}:
        also["site name"] = title[:last[0].start()]
    return also


def cut_at_limit(reference: str, title: str | None) -> bool:
    """Whether the reference is the title cut at the JSON-LD headline's length limit: a strict
    word-prefix of it, 100 to 110 characters long, of a title longer than that."""
    ref, got = _words(reference), _words(title)
    low, high = HEADLINE_LIMIT
    return (low <= len(reference) <= high < len(title or "") and len(ref) < len(got)
            and got[:len(ref)] == ref)


def _squash(text: str) -> str:
    return "".join(_words(text))


def measure(pages, with_jsonld: bool, moved: dict[str, list[str]] | None = None) -> dict[str, tuple[int, int]]:
    """field -> (correct, scored); "title (corrected)" scores the title against the reference
    with its defects corrected, and `moved` receives, by rule, the pages that this turns into hits."""
    counts = {"title": [0, 0], "title (corrected)": [0, 0], "authors": [0, 0], "published": [0, 0],
              "published (day)": [0, 0]}
    for url, html, truth in pages:
        tree = load_html(decode_page(html))
        if not with_jsonld:
            for script in tree.xpath("//script[@type='application/ld+json']"):
                script.getparent().remove(script)
        got = extract_metadata(tree, url)
        strict = _same_text(got.title, truth.title)
        _count(counts["title"], strict)
        rule = None if strict else corrected_by(got.title, truth)
        _count(counts["title (corrected)"], strict or rule is not None)
        if rule and moved is not None:
            moved.setdefault(rule, []).append(url)
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


def corrected_by(title: str | None, truth: Truth) -> str | None:
    """The rule by which the reference's defects make `title` right, if one does."""
    for rule, reference in truth.also.items():
        if _same_text(title, reference):
            return rule
    return "cut at the length limit" if cut_at_limit(truth.title, title) else None


def _same_text(a: str | None, b: str) -> bool:
    """Equal words, ignoring case, spacing and punctuation (straight or curly quotes, - or –)."""
    return _words(a) == _words(b)


def _words(text: str | None) -> list[str]:
    return re.findall(r"\w+", (text or "").casefold())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--demo-articles", type=int, default=240)
    args = parser.parse_args(argv)
    sets = {"demo site": demo_pages(args.demo_articles), "benchmark JSON-LD": benchmark_pages(args.dataset)}
    fields = ("title", "title (corrected)", "authors", "published", "published (day)")
    print(f"{'pages':<30} {'sources':<16} " + " ".join(f"{f.replace('published', 'pub.'):>17}" for f in fields))
    moved: dict[tuple[str, str], dict[str, list[str]]] = {}
    for name, pages in sets.items():
        for with_jsonld in (True, False):
            sources = "all" if with_jsonld else "without JSON-LD"
            result = measure(pages, with_jsonld, moved.setdefault((name, sources), {}))
            cells = " ".join(f"{_cell(*result[f]):>17}" for f in fields)
            print(f"{name + f' ({len(pages)})':<30} {sources:<16} {cells}")
    for (name, sources), rules in moved.items():
        for rule, urls in rules.items():
            print(f"\ncorrected reference ({rule}), {name}, {sources}: {len(urls)} page(s)")
            print("".join(f"  {url}\n" for url in urls), end="")
    return 0


def _cell(correct: int, scored: int) -> str:
    return f"{correct / scored:.3f} ({scored})" if scored else "-"


if __name__ == "__main__":
    sys.exit(main())
