"""The demo's section of pages built by scripts, under /live/, as news sites build live blogs
and app-like article pages: the served HTML is a shell (title, metadata, headline); the
body comes from a JSON endpoint and is inserted by a script, the pictures load only when
scrolled into view (IntersectionObserver), and the section page loads more entries as it is
scrolled. A crawler that does not run scripts archives no body at all.

/live/hostile/ is a page written against the crawler: it calls a canary on another port, a
private address and `localhost`, over fetch, an image, a beacon, a WebSocket and an iframe;
it asks for a path robots.txt disallows; it requests in an endless loop; and one of its
images never finishes loading.

None of these pages is linked from the rest of the site, so its crawls are unchanged; the
`demo-live` site file crawls them."""
from __future__ import annotations

import json
from functools import lru_cache
from urllib.parse import urlsplit

from .content import DemoArticle
from .images import article_png
from .pages import attr, catalog, escape, visible_date

SECTION = "/live/"
COUNT = 8                      # script-built articles
FIRST_PAGE = 4                 # listed in the served section page; the rest load on scroll
MORE_PER_PAGE = 2
LAZY_IMAGES = 3                # per article, each a screen further down
ALL = "/live/all/"             # every entry, served: the benchmark's start page
HOSTILE = "/live/hostile/"
TRICKLE = "/live/hostile/slow.png"    # served a byte a second, never finished (see server.py)
JSON_TYPE = "application/json"
JS_TYPE = "application/javascript; charset=utf-8"

ARTICLE_JS = """\
(function () {
  var body = document.getElementById("article-body");
  fetch(body.dataset.src).then(function (r) { return r.json(); }).then(function (data) {
    data.paragraphs.forEach(function (text) {
      var p = document.createElement("p"); p.textContent = text; body.appendChild(p);
    });
  });
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { entry.target.src = entry.target.dataset.lazy; seen.unobserve(entry.target); }
    });
  });
  document.querySelectorAll("img[data-lazy]").forEach(function (img) { seen.observe(img); });
})();
"""
LISTING_JS = """\
(function () {
  var list = document.getElementById("entries"), next = 2, busy = false, done = false;
  function more() {
    if (busy || done || window.innerHeight + window.scrollY < document.body.scrollHeight - 200) { return; }
    busy = true;
    fetch("/live/api/list/" + next + ".json").then(function (r) { return r.json(); }).then(function (data) {
      data.entries.forEach(function (e) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = e.path; a.textContent = e.headline; li.appendChild(a); list.appendChild(li);
      });
      done = !data.more; next += 1; busy = false;
    });
  }
  window.addEventListener("scroll", more);
  more();
})();
"""
HOSTILE_JS = """\
(function () {
  var targets = JSON.parse(document.getElementById("targets").textContent);
  targets.forEach(function (t) {
    fetch(t + "?fetch").catch(function () {});
    new Image().src = t + "?image";
    try { navigator.sendBeacon(t + "?beacon", "x"); } catch (e) {}
    try { new WebSocket(t.replace(/^http/, "ws") + "?socket"); } catch (e) {}
  });
  fetch("/private/hostile-probe").catch(function () {});      // robots.txt disallows /private/
  var frame = document.createElement("iframe"); frame.src = targets[0] + "?frame"; document.body.appendChild(frame);
  (function loop(n) {
    fetch("/live/hostile/ping?n=" + n).then(function () { loop(n + 1); }, function () { loop(n + 1); });
  })(0);
})();
"""


@lru_cache(maxsize=1)
def articles() -> tuple[DemoArticle, ...]:
    """The section's articles: stable demo articles, never revised, at /live/ paths."""
    from dataclasses import replace

    chosen = catalog(1).stable[:COUNT]
    return tuple(replace(a, section="live", path=f"{SECTION}{a.published:%Y/%m/%d}/{a.slug}/") for a in chosen)


def body_text(article: DemoArticle) -> str:
    """What a reader of the page sees as its body (the paragraphs the script inserts)."""
    return "\n\n".join(article.paragraphs)


def hostile_targets(base: str) -> list[str]:
    """Where the hostile page's script reaches: a canary on the next port, a private address
    (on this port, where the demo's CDN listens, and on the next) and `localhost`."""
    port = urlsplit(base).port or 80
    return [f"http://127.0.0.1:{port + 1}/canary", f"http://127.0.0.2:{port + 1}/canary",
            f"http://127.0.0.2:{port}/canary", f"http://localhost:{port}/canary"]


def _head(base: str, article: DemoArticle) -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": article.headline,
          "datePublished": article.published.isoformat(), "dateModified": article.modified.isoformat(),
          "author": [{"@type": "Person", "name": n} for n in article.authors], "description": article.description}
    return (f'<meta property="og:title" content="{attr(article.headline)}">\n'
            f'<meta property="og:type" content="article">\n'
            f'<meta property="article:published_time" content="{article.published.isoformat()}">\n'
            f'<meta name="author" content="{attr(", ".join(article.authors))}">\n'
            f'<script type="application/ld+json">{json.dumps(ld)}</script>\n'
            f'<script src="/live/static/article.js" defer></script>\n')


def _page(base: str, path: str, title: str, description: str, head: str, main: str) -> str:
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n"
            f'<meta name="description" content="{attr(description)}">\n'
            f'<link rel="canonical" href="{attr(base + path)}">\n'
            f'<link rel="stylesheet" href="/static/style.css">\n{head}</head>\n'
            f'<body>\n<header><a href="{SECTION}">Live</a></header>\n<main id="main">\n{main}</main>\n</body>\n</html>\n')


def article_page(base: str, article: DemoArticle) -> str:
    images = "".join(f'<div style="height:1400px"></div><img data-lazy="/live/images/{article.slug}-{n}.png" '
                     f'src="data:," alt="" width="320" height="180">\n' for n in range(1, LAZY_IMAGES + 1))
    authors = " and ".join(article.authors)
    main = (f'<article class="live-article">\n<h1>{escape(article.headline)}</h1>\n'
            f'<p class="byline">by {escape(authors)} · <time datetime="{article.published.isoformat()}">'
            f'{visible_date(article.published)}</time></p>\n'
            f'<div id="article-body" data-src="/live/api/articles/{article.slug}.json"></div>\n'
            f'<noscript>Enable JavaScript to read this article.</noscript>\n{images}</article>\n')
    return _page(base, article.path, article.headline, article.description, _head(base, article), main)


def listing_page(base: str) -> str:
    entries = "".join(f'<li><a href="{a.path}">{escape(a.headline)}</a></li>\n' for a in articles()[:FIRST_PAGE])
    main = (f'<h1>Live</h1>\n<ul id="entries">\n{entries}</ul>\n'
            '<div style="height:1200px"></div>\n<script src="/live/static/listing.js"></script>\n')
    return _page(base, SECTION, "Live — Demo Daily", "Pages built by scripts.", "", main)


def all_page(base: str) -> str:
    """Every entry of the section, served (for comparing crawls with and without a browser)."""
    entries = "".join(f'<li><a href="{a.path}">{escape(a.headline)}</a></li>\n' for a in articles())
    return _page(base, ALL, "All live pages — Demo Daily", "Every page built by scripts.", "",
                 f'<h1>All live pages</h1>\n<ul>\n{entries}</ul>\n')


def listing_more(page: int) -> dict:
    start = FIRST_PAGE + (page - 2) * MORE_PER_PAGE
    chosen = articles()[start:start + MORE_PER_PAGE] if page >= 2 else ()
    return {"entries": [{"path": a.path, "headline": a.headline} for a in chosen],
            "more": start + MORE_PER_PAGE < len(articles())}


def hostile_page(base: str) -> str:
    main = ('<h1>A page that misbehaves</h1>\n<p>This page calls other ports and addresses, requests in '
            'a loop and never finishes loading. A crawler must stay within its bounds.</p>\n'
            f'<script type="application/json" id="targets">{json.dumps(hostile_targets(base))}</script>\n'
            f'<img src="{TRICKLE}" alt="" width="10" height="10">\n'
            '<script src="/live/static/hostile.js"></script>\n')
    return _page(base, HOSTILE, "Hostile page — Demo Daily", "A page written against crawlers.", "", main)


def route(path: str, base: str) -> tuple[int, str, bytes] | None:
    """(status, content type, body) of a /live/ path, or None when it is not one."""
    if not path.startswith(SECTION):
        return None
    html = "text/html; charset=utf-8"
    by_path = {a.path: a for a in articles()}
    by_slug = {a.slug: a for a in articles()}
    scripts = {"/live/static/article.js": ARTICLE_JS, "/live/static/listing.js": LISTING_JS,
               "/live/static/hostile.js": HOSTILE_JS}
    if path == SECTION:
        return 200, html, listing_page(base).encode()
    if path == ALL:
        return 200, html, all_page(base).encode()
    if path in by_path:
        return 200, html, article_page(base, by_path[path]).encode()
    if path in scripts:
        return 200, JS_TYPE, scripts[path].encode()
    if path == HOSTILE:
        return 200, html, hostile_page(base).encode()
    if path == "/live/hostile/ping":
        return 200, JSON_TYPE, b'{"ok": true}'
    name = path.removeprefix("/live/").removesuffix(".json").removesuffix(".png")
    if path.startswith("/live/api/articles/") and name.split("/")[-1] in by_slug:
        article = by_slug[name.split("/")[-1]]
        return 200, JSON_TYPE, json.dumps({"headline": article.headline, "paragraphs": list(article.paragraphs)}).encode()
    if path.startswith("/live/api/list/") and name.split("/")[-1].isdigit():
        return 200, JSON_TYPE, json.dumps(listing_more(int(name.split("/")[-1]))).encode()
    if path.startswith("/live/images/") and name.split("/")[-1].rsplit("-", 1)[0] in by_slug:
        return 200, "image/png", article_png("live-" + name.split("/")[-1])
    return None
