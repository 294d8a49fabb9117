"""The demo site's other origins, as a real news site has them: a CDN serving its
stylesheet (with a web font, a background image and an @import), script, icon and
responsive images; and a photo agency whose images the articles hot-link but whose
robots.txt forbids crawlers to fetch them.

The CDN and the agency listen on the site's port at other loopback addresses
(127.0.0.2, 127.0.0.3), so they are other hosts to the crawler and the browser."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from .content import SECTIONS
from .images import article_png, logo_png, png

CDN_ADDRESS, AGENCY_ADDRESS = "127.0.0.2", "127.0.0.3"
_CDN_IMAGE = re.compile(r"^/img/([a-z0-9-]+)-(320|640)\.png$")
_AGENCY_PHOTO = re.compile(r"^/photos/([a-z]+)\.png$")
# A 1x1 transparent GIF: the placeholder lazy-loading pages show until the script swaps it.
PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="

SITE_CSS = """\
@import url("print.css") print;
@font-face{font-family:"Demo Serif";src:url("/fonts/demo-serif.woff2") format("woff2"),url(/fonts/demo-serif.woff) format("woff");font-display:swap}
body{font-family:"Demo Serif",Georgia,serif}
.article-header{background:#fff url('../img/texture.png') repeat-x top}
.gallery img{max-width:100%;height:auto}
"""
PRINT_CSS = ".membership-banner,.site-footer,.gallery{display:none}\n"
APP_JS = """\
// lazy loading, as news sites do it: swap data-src/data-srcset in when the page is ready
document.querySelectorAll("img[data-src]").forEach(function (img) {
  if (img.dataset.srcset) { img.srcset = img.dataset.srcset; }
  img.src = img.dataset.src;
});
"""
CDN_ROBOTS = "User-agent: *\nAllow: /\n"
AGENCY_ROBOTS = "User-agent: *\nDisallow: /photos/\n"


@dataclass(frozen=True)
class Origins:
    """Base URLs of the CDN and the photo agency ("" when not served)."""
    cdn: str = ""
    agency: str = ""

    @classmethod
    def beside(cls, base: str, roles) -> "Origins":
        """The origins served (`roles`) on the port of the site's base URL, so pages depend
        only on the base URL they are asked on."""
        port = urlsplit(base).port
        addresses = {"cdn": CDN_ADDRESS, "agency": AGENCY_ADDRESS}
        bases = {role: f"http://{addresses[role]}:{port}" for role in roles if port}
        return cls(bases.get("cdn", ""), bases.get("agency", ""))

    def head(self) -> str:
        if not self.cdn:
            return ""
        return (f'<link rel="stylesheet" href="{self.cdn}/assets/site.css">\n'
                f'<link rel="icon" href="{self.cdn}/img/favicon.png">\n'
                f'<script src="{self.cdn}/assets/app.js" defer></script>\n')

    def gallery(self, slug: str, section: str) -> str:
        if not self.cdn:
            return ""
        small, large = f"{self.cdn}/img/{slug}-320.png", f"{self.cdn}/img/{slug}-640.png"
        agency = (f'<img src="{self.agency}/photos/{section}.png" alt="Agency photo" width="64" height="36">'
                  if self.agency else "")
        return (f'<figure class="gallery"><picture><source srcset="{large} 640w" media="(min-width: 800px)">'
                f'<img src="{PLACEHOLDER}" data-src="{small}" data-srcset="{small} 320w, {large} 640w" '
                f'alt="" loading="lazy" width="64" height="36"></picture>{agency}</figure>\n')


def cdn_route(path: str, known_slugs) -> tuple[str, bytes] | None:
    """(content type, body) of a CDN path, or None for a 404."""

    fixed = {
        "/robots.txt": ("text/plain; charset=utf-8", CDN_ROBOTS.encode()),
        "/assets/site.css": ("text/css; charset=utf-8", SITE_CSS.encode()),
        "/assets/print.css": ("text/css; charset=utf-8", PRINT_CSS.encode()),
        "/assets/app.js": ("application/javascript; charset=utf-8", APP_JS.encode()),
        "/fonts/demo-serif.woff2": ("font/woff2", _font(b"wOF2")),
        "/fonts/demo-serif.woff": ("font/woff", _font(b"wOFF")),
        "/img/favicon.png": ("image/png", logo_png()),
    }
    if path in fixed:
        return fixed[path]
    if path == "/img/texture.png":
        return "image/png", png(8, 8, lambda x, y: (240, 236, 228) if (x + y) % 4 else (230, 226, 218))
    match = _CDN_IMAGE.match(path)
    if match and match.group(1) in known_slugs:
        return "image/png", article_png(f"{match.group(1)}-{match.group(2)}")
    return None


def agency_route(path: str) -> tuple[str, bytes] | None:

    if path == "/robots.txt":
        return "text/plain; charset=utf-8", AGENCY_ROBOTS.encode()
    match = _AGENCY_PHOTO.match(path)
    if match and match.group(1) in SECTIONS:
        return "image/png", article_png(f"agency-{match.group(1)}")
    return None


@lru_cache(maxsize=2)
def _font(magic: bytes) -> bytes:
    """Stand-in font bytes: the right signature, fixed content (a browser fetches, then drops it)."""
    return magic + bytes(range(256)) * 4
