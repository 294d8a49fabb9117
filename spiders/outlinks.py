"""Links found in a captured HTML page, for the page's metadata record.

The capture sees the body as it came off the wire, so it decodes the content
encoding itself (the compression middleware only runs later)."""
from __future__ import annotations

import gzip
import zlib

from parsel import Selector
from w3lib.url import safe_url_string
from urllib.parse import urljoin

HTML_TYPES = (b"text/html", b"application/xhtml+xml")
# Tags whose URL is navigated to (L, a link) rather than loaded with the page (E, an embed), as Heritrix marks them.
LINK_TAGS = {"a", "area"}


def decoded_body(response) -> bytes | None:
    """The body with its Content-Encoding undone, or None when it cannot be."""
    body = response.body
    for coding in reversed(_codings(response)):
        try:
            body = _decode(coding, body)
        except (OSError, EOFError, zlib.error, ValueError):
            return None
        if body is None:
            return None
    return body


def _codings(response) -> list[str]:
    value = response.headers.get("Content-Encoding") or b""
    return [c.strip().decode("latin-1").lower() for c in value.split(b",") if c.strip()]


def _decode(coding: str, body: bytes) -> bytes | None:
    if coding in ("gzip", "x-gzip"):
        return gzip.decompress(body)
    if coding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)   # raw deflate, as some servers send
    if coding == "br":
        try:
            import brotli
        except ImportError:
            return None
        return brotli.decompress(body)
    return body if coding == "identity" else None


def outlinks(response) -> list[tuple[str, str, str]]:
    """(absolute URL, hop type, context such as `a/@href`) for every distinct link and embed
    in an HTML response, in document order; [] for anything that is not HTML."""
    content_type = (response.headers.get("Content-Type") or b"").lower()
    if not content_type.startswith(HTML_TYPES):
        return []
    body = decoded_body(response)
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
