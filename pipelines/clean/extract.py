"""Cleaning: turn an HTML page into an article record (body text and metadata).

The page is decoded (pipelines.clean.decode) and parsed once. Metadata is read
from the tree first (pipelines.clean.metadata: JSON-LD, meta tags, htmldate, DOM);
then trafilatura extracts the main content from the same tree as structured
XML, paragraph-level boilerplate is removed from it (pipelines.clean.boilerplate),
and it is rendered as plain text and as Markdown (pipelines.clean.markdown). With a
site template (pipelines.clean.sitetemplate), the blocks of the page that repeat
across the site's pages are removed from the body too. They are removed from
the body, not from the page before extraction: taking them out of the page
changes which container trafilatura chooses, which cost precision on the
benchmark's pages.
trafilatura runs in its fast mode, without its readability/jusText fallback
comparisons: on the extraction benchmark that is no less accurate, and it
leaves time for the metadata (docs/benchmarks.md).
"""
from __future__ import annotations

from dataclasses import dataclass

import trafilatura

from newsarchive.errors import NotAnArticle
from pipelines.clean import boilerplate
from pipelines.clean.cascade import Cascade
from pipelines.clean import htmltree
from pipelines.clean import markdown
from pipelines.clean import sitetemplate
from pipelines.clean.decode import decode_page
from pipelines.clean.metadata import Metadata, extract_metadata, parse_date, split_authors  # noqa: F401  (part of this module's API)

EXTRACTOR_VERSION = "newsarchive-extract/6 trafilatura/" + trafilatura.__version__
MIN_TEXT_CHARS = 200
TITLE_WORDS = 12                  # of a body's opening line that titles a page stating no title
MAX_PAGE_BYTES = 8_000_000        # larger "pages" are data dumps or traps, not articles
MAX_ELEMENTS = 200_000            # likewise for DOMs built to exhaust a parser


@dataclass(kw_only=True)
class Article(Metadata):
    """The page's fields of an article row: its metadata (a title and canonical URL always),
    where it was read and its body."""
    url: str
    text: str
    markdown: str = ""                     # the body with headings, lists and quotes kept


def parse_html(html: bytes | str):
    """The page as an lxml tree, or NotAnArticle for input that is not a usable HTML page."""
    if not html or not html.strip():
        raise NotAnArticle("empty page")
    if len(html) > MAX_PAGE_BYTES:
        raise NotAnArticle(f"page too large ({len(html):,} bytes)")
    text = decode_page(html)
    if "\x00" in text[:2048]:
        raise NotAnArticle("binary content, not HTML")
    if "<" not in text[:4096]:
        raise NotAnArticle("not HTML (no markup)")
    tree = htmltree.load_text(text)
    if tree is None or tree.find(".//body") is None and not len(tree):
        raise NotAnArticle("unparsable HTML")
    # every element takes at least three characters of markup ("<p>"): a page of fewer than twice
    # as many characters as the limit cannot exceed it, and is spared the count
    if len(text) > 2 * MAX_ELEMENTS and tree.xpath("count(//*)") > MAX_ELEMENTS:
        raise NotAnArticle(f"DOM too large (over {MAX_ELEMENTS:,} elements)")
    return tree


def extract_article(html: bytes | str, url: str, template: sitetemplate.Boilerplate | None = None,
                    tree=None) -> Article:
    """The article in `html`, or NotAnArticle with the reason; `template` holds the blocks
    that repeat across the site's pages; `tree` is the page already parsed (it is edited)."""
    tree = parse_html(html) if tree is None else tree
    try:
        meta = extract_metadata(tree, url)
        links = boilerplate.link_texts(tree)
        repeated = sitetemplate.repeated_texts(tree, template)
        if repeated:
            meta.sources["body"] = template.label
        # edits the tree: everything that reads it comes first
        _drop_scripts(tree)
        body, headings = _body(tree, url, links, repeated)
        text, md = markdown.render(body) if body is not None else ("", "")
    except RecursionError:
        raise NotAnArticle("DOM too deeply nested") from None
    if len(text) < MIN_TEXT_CHARS:
        raise NotAnArticle(f"no article text ({len(text)} characters)")
    # a page that states no title (no <title>, og:title or lone <h1>; a truncated capture is the
    # usual case) keeps its article: titled by the heading its body starts with, else by its opening
    if not meta.title:
        meta.fill("title", [("body", headings[0] if headings else None), ("body", lambda: opening(text))])
    if not meta.title:
        raise NotAnArticle("no title")
    return Article(**{**vars(meta), "canonical_url": meta.canonical_url or url},
                   url=url, text=text, markdown=md)


def opening(text: str) -> str:
    """The body's first line, cut after TITLE_WORDS words: a title for a page that states none."""
    words = text.strip().split("\n", 1)[0].split()
    return " ".join(words[:TITLE_WORDS]) + (" …" if len(words) > TITLE_WORDS else "")


def _drop_scripts(tree) -> None:
    """Scripts, styles and SVG drawings, which no extraction stage reads as text (trafilatura's
    cleaning and its baseline both delete them), taken out before it copies the page: on news
    pages they are much of its bytes and elements. The JSON-LD stays: trafilatura reads it
    (forum threads, the baseline's articleBody)."""
    for el in list(tree.iter("script", "style", "svg")):
        if el.tag != "script" or el.get("type") != "application/ld+json":
            boilerplate.remove(el)


def _body(tree, url: str, links: dict[str, set[str]], repeated: frozenset[str] = frozenset()):
    """trafilatura's main-content XML with boilerplate paragraphs removed (or None) and the
    texts of the headings it started with. When the
    fast mode's pick reads as a menu (mostly blocks of a few words), the page is extracted
    again with trafilatura's comparison pass (readability, jusText); that run shares with the
    first the stages that do not depend on the mode (pipelines.clean.cascade)."""
    try:
        cascade = Cascade(tree, url)
    except (TypeError, ValueError):                # what bare_extraction reads as "no document"
        return None, []
    body = _extract(cascade, fast=True)
    if body is not None and boilerplate.is_menu(body):
        body = _extract(cascade, fast=False)
    if body is None:
        return None, []
    return body, boilerplate.prune(body, links, repeated)


def _extract(cascade: Cascade, fast: bool):
    """trafilatura's body XML for the page, in fast mode or with the comparison pass. Its cascade
    runs as `bare_extraction` runs it, less two costs that function adds for other callers: a
    copy of the whole page, so that a tree handed in stays as it was (about 5 % of cleaning's
    time; this tree is not read afterwards), and the body rendered as text
    (pipelines.clean.markdown renders it once the boilerplate is gone).
    tests/pipelines/clean/test_extract.py checks that both give the same body."""
    try:
        body, text = cascade.run(fast)
    except (TypeError, ValueError):                # likewise
        return None
    return body if len(text) >= cascade.min_output_size else None
