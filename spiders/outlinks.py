"""Links found in a captured HTML page, for the page's metadata record.

The capture sees the body as it came off the wire, so it decodes the content
encoding itself (the compression middleware only runs later)."""
from __future__ import annotations

import zlib

from parsel import Selector
from w3lib.url import safe_url_string
from urllib.parse import urljoin

from .inflate import codings_of, inflate

HTML_TYPES = (b"text/html", b"application/xhtml+xml")
# Tags whose URL is navigated to (L, a link) rather than loaded with the page (E, an embed), as Heritrix marks them.
LINK_TAGS = {"a", "area"}


def decoded_body(response, max_bytes: int = 0) -> bytes | None:
    """The body with its Content-Encoding undone, or None when it cannot be, or when it
    would inflate past `max_bytes`."""
    try:
        return inflate(response.body, codings_of(response.headers.get("Content-Encoding")), max_bytes)
    except (ValueError, zlib.error):
        return None


def outlinks(response, max_bytes: int = 0) -> list[tuple[str, str, str]]:
    """(absolute URL, hop type, context such as `a/@href`) for every distinct link and embed
    in an HTML response, in document order; [] for anything that is not HTML."""
    content_type = (response.headers.get("Content-Type") or b"").lower()
    if not content_type.startswith(HTML_TYPES):
        return []
    body = decoded_body(response, max_bytes)
    if not body:
        return []
    selector = Selector(body=body, type="html", base_url=response.url)
    base = selector.xpath("//base/@href").get() or response.url
    found = []
    for element in selector.xpath("//*[@href or @src]"):
        tag = element.root.tag if isinstance(element.root.tag, str) else "?"
        for name in ("href", "src"):
            value = (element.root.get(name) or "").strip()
            if not value or value.startswith(("javascript:", "mailto:", "data:", "#")):
                continue
            hop = "L" if tag in LINK_TAGS else "E"
            found.append((safe_url_string(urljoin(base, value)), hop, f"{tag}/@{name}"))
    return list(dict.fromkeys(found))      # a link repeated in the page is listed once, as Heritrix does
