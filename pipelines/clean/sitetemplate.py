"""Site templates: the blocks that repeat across a site's pages.

Navigation, teasers, newsletter boxes, cookie notices, author boxes and
footers come back on page after page of a site; article text does not. A
template counts, for every leaf block (a paragraph, list item, heading,
caption, cell or text-holding div: a block element with no block inside it),
on how many distinct pages the same normalised text stands at the same DOM
path (tag names from the root, no classes or positions, which vary per page).
A block is boilerplate when it stands on at least `share` of the site's pages
and on at least `min_pages` of them, so a paragraph that appears in the body
of only one page is never removed for repetition, and neither is one that a
few articles of a large site happen to share (a stock sentence, a quote).

The page's template blocks are found on its DOM (text and path); their texts
are then removed from the extracted body (pipelines.clean.boilerplate), unless they
make up most of that body: then the page is a duplicate of other pages (one
article under several URLs), not a page of the template, and keeps its text.

Templates are kept in the store per site, one JSON file per version
(`templates/{site}/v000001.json`, ...); each clean run learns from its pages on
top of the latest version and writes the next one, and every article row says
in its `sources` which version cleaned it, so `reclean` can use the same one.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Iterable

from pipelines.clean.boilerplate import TEXT, words
from pipelines.store import layout

BLOCK_TAGS = frozenset({
    "p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "blockquote", "dt", "dd", "td", "th",
    "caption", "div", "section", "aside", "header", "footer", "nav", "form", "ul", "ol", "dl", "table",
    "tr", "article", "main", "figure", "label", "button", "pre", "address", "details", "summary", "body",
})
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})
SHARE = 0.25              # of a site's pages a block must stand on to be boilerplate
MIN_PAGES = 3             # and on this many distinct pages: two related articles share more than chrome


def leaf_blocks(tree) -> Iterable[tuple[object, str, str]]:
    """(element, normalised text, DOM path) of every leaf block with text, and of every
    inline element (a link, a button) that stands on its own between blocks, in document
    order. One walk from the root carries each element's path down (asking every block for
    its ancestors cost a Python object per ancestor); script-like subtrees are not entered."""
    stack = [(tree, "")]
    while stack:
        el, above = stack.pop()
        path = f"{above}/{el.tag}" if above else el.tag
        children = [child for child in el if isinstance(child.tag, str)]
        if el.tag in BLOCK_TAGS:
            if not any(child.tag in BLOCK_TAGS for child in children):
                yield from _block(el, path)
            else:
                for child in children:
                    if child.tag not in BLOCK_TAGS and child.tag not in SKIP_TAGS:
                        yield from _block(child, f"{path}/{child.tag}")
        stack.extend((child, path) for child in reversed(children) if child.tag not in SKIP_TAGS)


def _block(el, path: str):
    text = words(TEXT(el))
    if text:
        yield el, text, path


def block_key(text: str, path: str) -> str:
    return hashlib.blake2b(f"{path}\n{text}".encode(), digest_size=8).hexdigest()


def page_keys(tree) -> set[str]:
    return {block_key(text, path) for _, text, path in leaf_blocks(tree)}


@dataclass
class SiteTemplate:
    """Per block key, on how many distinct pages of the site it was seen."""
    site: str
    version: int = 0
    pages: set[str] = field(default_factory=set)       # ids of the pages learnt from
    counts: dict[str, int] = field(default_factory=dict)
    share: float = field(default_factory=lambda: SHARE)
    min_pages: int = field(default_factory=lambda: MIN_PAGES)

    def learn(self, page_id: str, keys: Iterable[str]) -> None:
        """Count one page's blocks; a page already counted (a re-capture) is not counted again."""
        if page_id in self.pages:
            return
        self.pages.add(page_id)
        for key in set(keys):
            self.counts[key] = self.counts.get(key, 0) + 1

    def boilerplate(self) -> frozenset[str]:
        needed = max(self.min_pages, math.ceil(self.share * len(self.pages)))
        return frozenset(key for key, count in self.counts.items() if count >= needed)

    def to_json(self) -> bytes:
        # blocks seen once can only matter again if they come back: the next run recounts them
        counts = {k: c for k, c in sorted(self.counts.items()) if c > 1}
        return json.dumps({"site": self.site, "version": self.version, "share": self.share,
                           "min_pages": self.min_pages, "pages": sorted(self.pages),
                           "counts": counts}).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "SiteTemplate":
        doc = json.loads(data)
        return cls(site=doc["site"], version=doc["version"], pages=set(doc["pages"]), counts=doc["counts"],
                   share=doc.get("share", SHARE), min_pages=doc.get("min_pages", MIN_PAGES))


@dataclass(frozen=True)
class Boilerplate:
    """What the extractor needs of a template: the keys to remove and the version they came from."""
    keys: frozenset[str]
    version: int = 0

    @property
    def label(self) -> str:
        return f"site-template/v{self.version}"


def repeated_texts(tree, template: Boilerplate | None) -> frozenset[str]:
    """The normalised texts of the page's blocks that are in the template."""
    if template is None or not template.keys:
        return frozenset()
    return frozenset(text for _, text, path in leaf_blocks(tree) if block_key(text, path) in template.keys)


class TemplateStore:
    """Versioned site templates in the store: templates/{site}/v{N:06d}.json."""

    def __init__(self, store):
        self.store = store

    def versions(self, site: str) -> list[int]:
        found = (layout.template_version(o.key) for o in self.store.list(layout.template_prefix(site)))
        return sorted(v for v in found if v is not None)

    def load(self, site: str, version: int | None = None) -> SiteTemplate | None:
        """The given version, or the latest; None when the site has none."""
        if version is None:
            versions = self.versions(site)
            if not versions:
                return None
            version = versions[-1]
        return SiteTemplate.from_json(self.store.get_bytes(layout.template_key(site, version)))

    def save(self, template: SiteTemplate) -> int:
        """Write the template as the site's next version; returns that version."""
        versions = self.versions(template.site)
        template.version = (versions[-1] if versions else 0) + 1
        self.store.put_bytes(layout.template_key(template.site, template.version), template.to_json())
        return template.version
