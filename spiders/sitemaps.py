"""Sitemaps as sites publish them: announced by `Sitemap:` lines of robots.txt, gzipped
(by extension or by content), nested indexes, and Google News sitemaps whose entries
carry `<news:publication_date>` and `<news:title>`.

Parsing is lxml without entity expansion or network access; a gzipped body is inflated
up to the crawl's size cap (a decompression bomb stops there)."""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from lxml import etree
from scrapy.utils.gz import gunzip

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
DISCOVERY_META = "sitemap_entry"     # request meta: the SitemapEntry an article was found by
_ROBOTS_SITEMAP = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.I | re.M)
_PARSER = dict(recover=True, resolve_entities=False, no_network=True, huge_tree=False)


class NotASitemap(ValueError):
    """The body is neither a urlset nor a sitemapindex (or cannot be inflated)."""


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: str | None = None
    published: str | None = None      # news:publication_date
    title: str | None = None          # news:title

    @property
    def date(self) -> str | None:
        """The date that places an article in a window: its publication when the news
        sitemap gives it, else its last modification."""
        return self.published or self.lastmod


def robots_sitemaps(robots_txt: str) -> list[str]:
    """The URLs of a robots.txt's `Sitemap:` lines, in order, each once."""
    return list(dict.fromkeys(_ROBOTS_SITEMAP.findall(robots_txt)))


def sitemap_xml(body: bytes, max_bytes: int = 0) -> bytes:
    """The XML of a sitemap, inflated when it is gzipped (whatever its name or type says)."""
    if body[:2] == b"\x1f\x8b":
        try:
            return gunzip(body, max_size=max_bytes)
        except (OSError, EOFError, zlib.error, ValueError) as exc:
            raise NotASitemap(f"bad gzip: {exc}") from None
    return body


def parse_sitemap(body: bytes, max_bytes: int = 0) -> tuple[str, list[SitemapEntry]]:
    """("sitemapindex" or "urlset", entries)."""
    xml = sitemap_xml(body, max_bytes)
    try:
        root = etree.fromstring(xml, parser=etree.XMLParser(**_PARSER))
    except etree.XMLSyntaxError as exc:
        raise NotASitemap(str(exc)) from None
    kind = etree.QName(root).localname if root is not None else ""
    if kind not in ("sitemapindex", "urlset"):
        raise NotASitemap(f"root element {kind or '(none)'}")
    return kind, [entry for child in root if (entry := _entry(child)) is not None]


def _entry(element) -> SitemapEntry | None:
    if not isinstance(element.tag, str):
        return None
    fields = {}
    for child in element.iter():
        if not isinstance(child.tag, str) or child is element:
            continue
        name = etree.QName(child)
        text = (child.text or "").strip()
        if name.namespace == NEWS_NS and name.localname in ("publication_date", "title"):
            fields["published" if name.localname == "publication_date" else "title"] = text
        elif name.localname in ("loc", "lastmod") and child.getparent() is element:
            fields[name.localname] = text
    return SitemapEntry(**fields) if fields.get("loc") else None
