"""A fetched HTML page parsed once, and the cheap filter that turns its links into requests.

The capture parses the page as it came off the wire (it needs the outlinks for the
metadata record) and leaves the parse in the request's meta; the spider's callbacks
find it there instead of parsing the decompressed body again. Anything else that
needs the page's tree or links (asset or requisite finders) reads the same object.

Link discovery used to build a `Request` for every href of every page and let the
dupefilter drop nearly all of them; `LinkFilter` drops them first, on plain strings.
Both it and `SeenUrls` keep a URL's hash in a compact map (spiders.keymap), not the URL:
a run sees every page's links, and their strings would stay for the whole run.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urldefrag, urljoin

from parsel import Selector
from w3lib.url import safe_url_string

from .inflate import codings_of, inflate
from .keymap import KeyMap

PAGE_META = "parsed_page"        # request.meta key the capture leaves the parse under
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
# Tags whose URL is navigated to (L, a link) rather than loaded with the page (E, an embed), as Heritrix marks them.
LINK_TAGS = {"a", "area"}
_SKIPPED = ("javascript:", "mailto:", "data:", "#")


@dataclass
class ParsedPage:
    """One HTML page: its parse and every distinct (absolute URL, hop, context) in document order."""
    url: str
    selector: Selector                        # parsed as Scrapy's response.xpath() would
    links: list[tuple[str, str, str]] = field(default_factory=list)
    base: str = ""                            # the page's <base href>, if any

    @classmethod
    def parse(cls, url: str, body: bytes) -> "ParsedPage | None":
        selector = Selector(body=body, type="html", base_url=url)
        base = selector.xpath("//base/@href").get() or url
        found = []
        for element in selector.root.xpath("//*[@href or @src]"):     # lxml elements: no wrapper each
            tag = element.tag if isinstance(element.tag, str) else "?"
            for name in ("href", "src"):
                value = (element.get(name) or "").strip()
                if not value or value.startswith(_SKIPPED):
                    continue
                hop = "L" if tag in LINK_TAGS else "E"
                found.append((absolute(base, value), hop, f"{tag}/@{name}"))
        # a link repeated in the page is listed once, as Heritrix does
        return cls(url, selector, list(dict.fromkeys(found)), base)

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


@lru_cache(maxsize=32768)    # ~10 MB full; on the bench site 4,096 missed 5 times as often
def _joined(base: str, href: str) -> str:
    return safe_url_string(urljoin(base, href))


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
