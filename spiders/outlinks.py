"""Links found in a captured HTML page, for the page's metadata record.

The capture sees the body as it came off the wire, so it decodes the content
encoding itself (the compression middleware only runs later). The parse is
spiders.links.ParsedPage, shared with the spider's link discovery."""
from __future__ import annotations

from .links import decoded_body, parse_wire_response

__all__ = ["decoded_body", "outlinks"]


def outlinks(response, max_bytes: int = 0) -> list[tuple[str, str, str]]:
    """(absolute URL, hop type, context such as `a/@href`) for every distinct link and embed
    in an HTML response, in document order; [] for anything that is not HTML."""
    page = parse_wire_response(response, max_bytes)
    return page.links if page else []
