"""Cleaning: turn an HTML page into an article record (body text and metadata).

trafilatura finds the main text; the page's JSON-LD, where present, is trusted
first for metadata, then OpenGraph and meta tags (read by trafilatura), then
trafilatura's own guesses. Boilerplate that sits inside the article container
on many news sites (newsletter boxes, membership appeals, teasers of other
stories, forms) is pruned from the DOM before extraction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

import lxml.html
import trafilatura
from lxml import etree

from . import jsonld

EXTRACTOR_VERSION = "newsarchive-extract/1 trafilatura/" + trafilatura.__version__
MIN_TEXT_CHARS = 200

# Containers that are never part of an article body, matched on class/id words.
BOILERPLATE_WORDS = (
    "newsletter", "subscribe", "subscription", "signup", "sign-up", "membership", "member-cta",
    "donate", "donation", "support-us", "paywall", "promo", "teaser", "related", "recommended",
    "read-more", "more-news", "share", "social", "advert", "sponsor", "audio-player",
)
PRUNE_XPATH = (
    "//form | //aside | //footer | //nav | //button | //input | //noscript | //template"
    " | //*[@aria-hidden='true'] | //*[@role='complementary' or @role='navigation']"
    " | " + " | ".join(
        f"//*[contains(concat(' ', translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), ' '), '{w}')"
        f" or contains(translate(@id, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), '{w}')]"
        for w in BOILERPLATE_WORDS)
)
BYLINE_PREFIX = re.compile(r"^\s*(by|von|par|por)\s+", re.I)
AUTHOR_SPLIT = re.compile(r"\s*(?:;|\band\b|&|\|)\s*")


class NotAnArticle(Exception):
    """The page has no article to archive; str() is the reason recorded for it."""


@dataclass
class Article:
    url: str
    canonical_url: str
    title: str
    text: str
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    language: str | None = None
    section: str | None = None
    description: str | None = None
    image_url: str | None = None
    image_caption: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # which source gave each field


def parse_html(html: bytes | str):
    try:
        tree = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise NotAnArticle(f"unparsable HTML: {exc}") from None
    if tree is None or tree.find(".//body") is None and not len(tree):
        raise NotAnArticle("empty HTML document")
    return tree


def extract_article(html: bytes | str, url: str) -> Article:
    """The article in `html`, or NotAnArticle with the reason."""
    tree = parse_html(html)
    ld = jsonld.find_article(tree) or {}
    meta = _trafilatura_metadata(tree, url)
    text = _body_text(tree, url)
    if len(text) < MIN_TEXT_CHARS:
        raise NotAnArticle(f"no article text ({len(text)} characters)")
    article = Article(url=url, canonical_url=url, title="", text=text)
    _fill(article, "title", [("json-ld", jsonld.text_value(ld.get("headline"))), ("meta", meta.title)])
    _fill(article, "canonical_url", [("link", _canonical(tree)), ("json-ld", jsonld.text_value(ld.get("url"))),
                                     ("url", url)])
    _fill(article, "authors", [("json-ld", split_authors(jsonld.names(ld.get("author")))),
                               ("meta", split_authors((meta.author or "").split(",")))])
    _fill(article, "published", [("json-ld", parse_date(ld.get("datePublished"))),
                                 ("meta", parse_date(_meta(tree, "article:published_time"))),
                                 ("htmldate", parse_date(meta.date))])
    _fill(article, "modified", [("json-ld", parse_date(ld.get("dateModified"))),
                                ("meta", parse_date(_meta(tree, "article:modified_time")))])
    _fill(article, "language", [("json-ld", jsonld.text_value(ld.get("inLanguage"))),
                                ("html", tree.get("lang")), ("meta", meta.language)])
    _fill(article, "section", [("json-ld", jsonld.text_value(ld.get("articleSection"))),
                               ("meta", _meta(tree, "article:section"))])
    _fill(article, "description", [("json-ld", jsonld.text_value(ld.get("description"))),
                                   ("meta", meta.description)])
    _fill(article, "image_url", [("json-ld", jsonld.text_value(ld.get("image"))), ("meta", _meta(tree, "og:image"))])
    _fill(article, "image_caption", [("json-ld", jsonld.caption(ld.get("image"))), ("figure", _lead_caption(tree))])
    if not article.title:
        raise NotAnArticle("no title")
    return article


def _fill(article: Article, name: str, candidates) -> None:
    for source, value in candidates:
        if value:
            setattr(article, name, value)
            article.sources[name] = source
            return


def _trafilatura_metadata(tree, url: str):
    return trafilatura.extract_metadata(tree, default_url=url) or trafilatura.settings.Document()


def _body_text(tree, url: str) -> str:
    doc = trafilatura.bare_extraction(
        _copy(tree), url=url, include_comments=False, include_tables=True,
        prune_xpath=PRUNE_XPATH, with_metadata=False)
    text = (doc.text if doc is not None else "") or ""
    return normalise_text(text)


def _copy(tree):
    # trafilatura edits the tree it is given; metadata extraction needs it whole
    return lxml.html.fromstring(etree.tostring(tree))


def normalise_text(text: str) -> str:
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def split_authors(raw: list[str]) -> list[str]:
    out: list[str] = []
    for item in raw:
        for name in AUTHOR_SPLIT.split(BYLINE_PREFIX.sub("", item)):
            name = name.strip(" .")
            if name and name.lower() not in {n.lower() for n in out}:
                out.append(name)
    return out


def parse_date(value) -> datetime | None:
    """ISO-8601 (or date-only) text as an aware UTC datetime; None when unparseable."""
    value = jsonld.text_value(value)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _meta(tree, prop: str) -> str | None:
    values = tree.xpath(f"//meta[@property='{prop}' or @name='{prop}']/@content")
    return values[0].strip() if values else None


def _lead_caption(tree) -> str | None:
    """The caption of the first figure that is not in navigation or side matter."""
    for caption in tree.xpath("//figure//figcaption[not(ancestor::nav or ancestor::aside or ancestor::footer)]"):
        text = normalise_text(caption.text_content())
        if text:
            return text
    return None


def _canonical(tree) -> str | None:
    values = tree.xpath("//link[@rel='canonical']/@href")
    return values[0].strip() if values else None
