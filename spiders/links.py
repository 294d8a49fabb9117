"""A fetched HTML page parsed once, and the cheap filter that turns its links into requests.

The capture parses the page as it came off the wire (it needs the outlinks for the
metadata record) and leaves the parse in the request's meta; the spider's callbacks
find it there instead of parsing the decompressed body again. Anything else that
needs the page's tree or links (asset or requisite finders) reads the same object.

Link discovery used to build a `Request` for every href of every page and let the
dupefilter drop nearly all of them; `LinkFilter` drops them first, on plain strings.
Both it and `SeenUrls` keep a URL's hash in a compact map (spiders.keymap), not the URL:
a run sees every page's links, and their strings would stay for the whole run.

A page over LARGE_PAGE_BYTES (a site's index of every article, an archive listing) has its
links read by a pull parse that drops each element once read: the whole tree of a page of
30,000 links took ~60 MB, and the crawl's peak memory would grow with the site's largest
page. Its tree is built only if something asks for it (the requisites of an article page).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable
from urllib.parse import urldefrag, urljoin

from lxml import etree
from parsel import Selector
from w3lib.url import safe_url_string

from .inflate import codings_of, inflate
from .keymap import KeyMap

PAGE_META = "parsed_page"        # request.meta key the capture leaves the parse under
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
# Tags whose URL is navigated to (L, a link) rather than loaded with the page (E, an embed), as Heritrix marks them.
LINK_TAGS = {"a", "area"}
_SKIPPED = ("javascript:", "mailto:", "data:", "#")
LARGE_PAGE_BYTES = 512 << 10     # pages above this are read by a pull parse (their links only)
_FEED_BYTES = 64 << 10


@dataclass
class ParsedPage:
    """One HTML page: its parse and every distinct (absolute URL, hop, context) in document order."""
    url: str
    links: list[tuple[str, str, str]] = field(default_factory=list)
    base: str = ""                            # the page's <base href>, if any
    _selector: Selector | None = None
    _body: bytes = b""                        # of a large page, for a tree asked for later

    @classmethod
    def parse(cls, url: str, body: bytes) -> "ParsedPage | None":
        if len(body) > LARGE_PAGE_BYTES:
            base, raw = _streamed_links(body)
            return cls._of(url, base or url, raw, None, body, join=_join)
        selector = Selector(body=body, type="html", base_url=url)
        base = selector.xpath("//base/@href").get() or url
        raw = ((element.tag, name, element.get(name))                  # lxml elements: no wrapper each
               for element in selector.root.xpath("//*[@href or @src]") for name in ("href", "src"))
        return cls._of(url, base, raw, selector, b"")

    @classmethod
    def _of(cls, url: str, base: str, raw, selector: Selector | None, body: bytes,
            join: Callable[[str, str], str] | None = None) -> "ParsedPage":
        join, found = join or absolute, []
        for tag, name, value in raw:
            value = (value or "").strip()
            if not value or value.startswith(_SKIPPED):
                continue
            tag = tag if isinstance(tag, str) else "?"
            hop = "L" if tag in LINK_TAGS else "E"
            found.append((join(base, value), hop, _context(tag, name)))
        # a link repeated in the page is listed once, as Heritrix does
        return cls(url, list(dict.fromkeys(found)), base, selector, body)

    @property
    def selector(self) -> Selector:
        """The page's tree, parsed as Scrapy's response.xpath() would (a large page's only now)."""
        if self._selector is None:
            self._selector, self._body = Selector(body=self._body, type="html", base_url=self.url), b""
        return self._selector

    def absolute(self, href: str) -> str:
        """`href` of this page made absolute, as in `links`."""
        return absolute(self.base or self.url, href.strip())

    def anchors(self) -> list[str]:
        """Targets of <a href>, absolute, without fragment, each once."""
        return list(dict.fromkeys(urldefrag(u)[0] for u, _, ctx in self.links if ctx == "a/@href"))


def absolute(base: str, href: str) -> str:
    """Join and escape a link. Cached on what the result depends on (only the href when it is
    absolute, the base's origin when it starts with "/"): a site's navigation repeats on every
    page, and joining and escaping hundreds of links a page was most of a crawl's parse time."""
    if href.startswith(("http://", "https://")):
        return _joined("", href)
    if href.startswith("/") and not href.startswith("//"):
        cut = base.find("/", base.find("//") + 2)
        return _joined(base if cut < 0 else base[:cut], href)
    return _joined(base, href)


def _join(base: str, href: str) -> str:
    """Join and escape, uncached: a large page's links are mostly each seen once, and would
    only push a site's navigation out of the join cache (and fill it: ~10 MB)."""
    return safe_url_string(urljoin(base, href))


@lru_cache(maxsize=256)
def _context(tag: str, attribute: str) -> str:
    return f"{tag}/@{attribute}"


# ~10 MB full; on the bench site 4,096 joins missed 5 times as often
_joined = lru_cache(maxsize=32768)(_join)


def _streamed_links(body: bytes) -> tuple[str | None, list[tuple[str, str, str]]]:
    """(the first <base href>, (tag, attribute, value) of every href and src in document order),
    read as Selector's parse would see them, from a pull parse that clears each element at its
    end and drops the siblings before it, so the tree never holds more than one branch."""
    parser = etree.HTMLPullParser(events=("start", "end"), recover=True, encoding="utf-8", huge_tree=True)
    body = body.replace(b"\x00", b"").strip()          # as parsel prepares a body
    base, raw = None, []
    for start in range(0, len(body) or 1, _FEED_BYTES):
        parser.feed(body[start:start + _FEED_BYTES])
        base = _read_events(parser, raw, base)
    parser.close()
    return _read_events(parser, raw, base), raw


def _read_events(parser, raw: list, base: str | None) -> str | None:
    for event, element in parser.read_events():
        if event == "start":
            for name in ("href", "src"):
                value = element.get(name)
                if value is not None:
                    raw.append((element.tag, name, value))
            if base is None and element.tag == "base" and element.get("href") is not None:
                base = element.get("href")
        else:
            element.clear(keep_tail=True)
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    return base


def is_html(response) -> bool:
    return (response.headers.get("Content-Type") or b"").lower().startswith(HTML_TYPES)


def decoded_body(response, max_bytes: int = 0) -> bytes | None:
    """The body with its Content-Encoding undone, or None when it cannot be, or when it
    would inflate past `max_bytes`."""
    try:
        return inflate(response.body, codings_of(response.headers.get("Content-Encoding")), max_bytes)
    except (ValueError, zlib.error):
        return None


def parse_wire_response(response, max_bytes: int = 0) -> ParsedPage | None:
    """The page of a response as it came off the wire (content-encoded); None unless HTML."""
    if not is_html(response):
        return None
    body = decoded_body(response, max_bytes)
    return ParsedPage.parse(response.url, body) if body else None


def page_of(response) -> ParsedPage | None:
    """The capture's parse of this response, or (no capture, e.g. a unit test) a parse of its body."""
    meta = response.request.meta if response.request is not None else {}
    if PAGE_META in meta:
        return meta[PAGE_META]
    if not is_html(response) and not hasattr(response, "xpath"):
        return None
    return ParsedPage.parse(response.url, response.body) if response.body else None


class LinkFilter:
    """Which discovered URLs are new: a URL is passed on once per depth it is found at or
    above, so a link first seen too deep for the budget may still be taken when found
    higher up, while the thousands of repeats of a site's navigation cost a dict lookup."""

    def __init__(self):
        self._depth = KeyMap()

    def new(self, url: str, depth: int) -> bool:
        return self._depth.lower(url_key(url), depth)

    def __len__(self) -> int:
        return len(self._depth)


class SeenUrls:
    """URLs already handled in this run, each as its hash."""

    def __init__(self):
        self._keys = KeyMap()

    def first(self, url: str) -> bool:
        """True the first time `url` is offered, False after."""
        return self._keys.lower(url_key(url), 0)

    def __contains__(self, url: str) -> bool:
        return self._keys.get(url_key(url)) is not None

    def __len__(self) -> int:
        return len(self._keys)


def url_key(url: str) -> int:
    """A URL's 64-bit string hash (the process's own, cached in the string): two URLs
    of one run share it with a chance of about n² / 2⁶⁵, 3 in 10⁸ for a million URLs."""
    return hash(url)
