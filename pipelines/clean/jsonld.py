"""Find the article object in a page's JSON-LD (schema.org), however it is nested."""
from __future__ import annotations

import html
import json
from typing import Any, Iterator

ARTICLE_TYPES = {
    "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "ReviewNewsArticle", "BlogPosting", "LiveBlogPosting", "Report",
    "ScholarlyArticle", "TechArticle", "SatiricalArticle",
}


def json_ld_objects(tree) -> Iterator[dict]:
    """Every JSON object in the page's ld+json scripts, @graph and lists flattened."""
    for script in tree.iter("script"):
        if script.get("type") != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        yield from _flatten(data)


def _flatten(data: Any) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _flatten(data["@graph"])


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type", [])
    return set(kind if isinstance(kind, list) else [kind])


def find_article(tree) -> dict | None:
    """The first object typed as an article (NewsArticle and its relatives)."""
    for obj in json_ld_objects(tree):
        if _types(obj) & ARTICLE_TYPES:
            return obj
    return None


def names(value: Any) -> list[str]:
    """Author-like values ("x", {"name": "x"}, lists of either) as plain names."""
    if value is None:
        return []
    if isinstance(value, list):
        return [n for item in value for n in names(item)]
    if isinstance(value, dict):
        return names(value.get("name"))
    text = html.unescape(str(value)).strip()
    return [text] if text else []


def text_value(value: Any) -> str | None:
    """A string field that some sites give as a list or an object."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url") or value.get("name")
    # some sites HTML-escape inside JSON ("&#8217;"): a reader wants the characters
    return html.unescape(str(value)).strip() if value else None


def caption(image: Any) -> str | None:
    """The caption of a schema.org ImageObject (or the first of a list)."""
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        return text_value(image.get("caption"))
    return None
