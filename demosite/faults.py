"""Ways the demo site can break, as real sites do: a redesign that moves the article body
into a client-rendered app, a robots.txt that shuts crawlers out of the articles, and a
firewall that answers every article with 403. The health checks are tested against them."""
from __future__ import annotations

import re

from .content import SECTIONS

FAULTS = ("markup", "robots", "forbidden")
_MAIN = re.compile(r'(<main[^>]*>).*?(</main>)', re.S)
FORBIDDEN_PAGE = ("<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head>"
                  "<body><h1>Access denied</h1><p>Request blocked by the firewall.</p></body></html>\n")


def check_fault(fault: str | None) -> str | None:
    if fault not in (None, *FAULTS):
        raise ValueError(f"unknown fault {fault!r} (known: {', '.join(FAULTS)})")
    return fault


def client_rendered(page: str) -> str:
    """The article page after a redesign: the body is filled in by JavaScript, not served."""
    return _MAIN.sub(r'\1<div id="app" data-hydrate="article"></div>'
                     r"<noscript>Enable JavaScript to read this article.</noscript>\2", page, count=1)


def robots_blocking_articles(base: str) -> str:
    """Section pages stay open; every dated article path /{section}/20../ is disallowed."""
    rules = "".join(f"Disallow: /{section}/20\n" for section in SECTIONS)
    return f"User-agent: *\nDisallow: /private/\n{rules}\nSitemap: {base}/sitemap.xml\n"
