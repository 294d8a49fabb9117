"""Page requisites: what a browser loads to render a page (stylesheets, scripts, images,
icons, fonts), found in HTML and in CSS.

Works on an already-parsed page: `html_requisites` takes a parsel Selector (or an lxml
tree), so a spider that parses each page once hands it the same parse it reads links from. Lazy-loading attributes and `srcset` are read as browsers (and their
lazy-load scripts) do; `style` attributes and `<style>` blocks go through the CSS reader.
"""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from .links import absolute

REQUISITE_META = "requisite"        # request meta: hops from the page (1) via stylesheets; requisite scope
MAX_HOPS = 3                        # page -> stylesheet -> @import -> font: enough, and no endless chains
CSS_TYPES = (b"text/css",)

# Attributes that hold one URL, per element kind.
_SINGLE = ("//link[contains(concat(' ', normalize-space(@rel), ' '), ' stylesheet ') "
           "or contains(@rel, 'icon') or contains(@rel, 'preload')]/@href "
           "| //script/@src | //img/@src | //input[@type='image']/@src | //video/@poster "
           "| //video/@src | //audio/@src | //source/@src | //track/@src | //embed/@src "
           "| //*/@data-src | //*/@data-lazy-src | //*/@data-original | //*/@data-bg "
           "| //*/@data-background-image")
_SRCSETS = "//img/@srcset | //source/@srcset | //*/@data-srcset | //*/@data-lazy-srcset"
_INLINE_CSS = "//style/text() | //*/@style"
# compiled once, run on lxml's tree: parsel would wrap each of a page's hundreds of values in a Selector
_XPATHS = {name: etree.XPath(path, smart_strings=False) for name, path in
           (("base", "//base/@href"), ("single", _SINGLE), ("srcsets", _SRCSETS), ("css", _INLINE_CSS))}
_SRCSET_URL = re.compile(r"[ \t\n\r\f,]*(\S*)")      # separators, then a URL: up to the next white space

_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)
_SKIP_SCHEMES = ("data:", "blob:", "javascript:", "about:", "mailto:", "#")


def srcset_urls(value: str) -> list[str]:
    """The URLs of a srcset ("a.jpg 1x, b.jpg?w=1,2 2x"), parsed as the HTML standard says:
    a URL runs to the next space (commas inside it kept), descriptors run to the next comma."""
    found, pos = [], 0
    while True:
        url = _SRCSET_URL.match(value, pos)
        if url.start(1) >= len(value):
            return found
        pos = url.end(1)
        if url.group(1).endswith(","):
            found.append(url.group(1).rstrip(","))
            continue
        found.append(url.group(1))
        comma = value.find(",", pos)
        pos = len(value) if comma < 0 else comma + 1


def css_requisites(text: str, base_url: str) -> list[str]:
    """Fonts, images and imported stylesheets a stylesheet refers to."""
    raw = [next(g for g in m.groups() if g is not None) for m in _CSS_URL.finditer(text)]
    raw += [m.group(1) or m.group(2) for m in _CSS_IMPORT.finditer(text)]
    return _absolute(raw, base_url)


def html_requisites(selector, base_url: str) -> list[str]:
    """Absolute URLs of everything the page embeds, in document order, each once."""
    root = getattr(selector, "root", selector)
    base = urljoin(base_url, next(iter(_XPATHS["base"](root)), ""))
    raw = _XPATHS["single"](root)
    for value in _XPATHS["srcsets"](root):
        raw += srcset_urls(value)
    found = _absolute(raw, base)
    for css in _XPATHS["css"](root):
        found += css_requisites(css, base)
    return list(dict.fromkeys(found))


def is_css(response) -> bool:
    content_type = (response.headers.get("Content-Type") or b"").lower()
    return content_type.startswith(CSS_TYPES) or urlsplit(response.url).path.endswith(".css")


def _absolute(values, base: str) -> list[str]:
    found = []
    for value in values:
        value = (value or "").strip()
        if value and not value.lower().startswith(_SKIP_SCHEMES):
            url = absolute(base, value)          # cached: pages of a site share most of their assets
            if url.startswith(("http://", "https://")):
                found.append(url.split("#", 1)[0])
    return list(dict.fromkeys(found))
