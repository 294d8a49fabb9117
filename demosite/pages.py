"""HTML, XML and asset rendering for the demo news site.

Every function is pure: (catalogue, base URL, path parts) -> str/bytes. The
base URL is the one the request arrived on, so absolute links follow the port.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from email.utils import format_datetime
from functools import lru_cache
import html
from xml.sax.saxutils import escape as xml_escape, quoteattr

from .origins import Origins
from .content import (
    NEWS_DESK, SECTION_TITLES, SEED, SECTIONS, DemoArticle, build_articles, keywords, read_minutes,
    revision_plan, seed_teaser_slug, sentences,
)

SITE_NAME = "The Kyiv Independent"
PER_PAGE = 20
HOME_COUNT = 30
RSS_COUNT = 50
MISSING_LINK = "/news/2024/06/31/page-that-never-existed/"
NEWSLETTERS = (
    "Ukraine Daily", "WTF is wrong with Russia?", "Investigations", "Ukraine Business Weekly",
    "Culture Digest", "Regional Dispatch", "War Crimes Watch", "The Weekly Briefing",
    "Explaining Ukraine with Kate Tsurkan",
)


def escape(text: str) -> str:
    """Text-node escaping; quotes stay literal as on the original pages."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    return html.escape(text, quote=False).replace('"', "&quot;")


@dataclass(frozen=True)
class Catalog:
    articles: tuple[DemoArticle, ...]          # newest first
    by_path: dict[str, DemoArticle]
    by_slug: dict[str, DemoArticle]
    by_section: dict[str, tuple[DemoArticle, ...]]
    stable: tuple[DemoArticle, ...]            # never revised; safe to cross-link


@lru_cache(maxsize=None)
def catalog(revision: int) -> Catalog:
    articles = tuple(build_articles(revision))
    plan = revision_plan()
    return Catalog(
        articles=articles,
        by_path={a.path: a for a in articles},
        by_slug={a.slug: a for a in articles},
        by_section={s: tuple(a for a in articles if a.section == s) for s in SECTIONS},
        # Other articles' pages link only to these, so a revision changes no page but its own.
        stable=tuple(a for a in articles if a.slug not in plan),
    )


# --- shared chrome ------------------------------------------------------------

def visible_date(dt) -> str:
    hour = dt.hour % 12 or 12
    return f"{dt:%B} {dt.day}, {dt.year} {hour}:{dt:%M} {'AM' if dt.hour < 12 else 'PM'}"


def byline(authors) -> str:
    names = [f'<span class="author-name">{escape(n)}</span>' for n in authors]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"by {joined}"


def _nav() -> str:
    items = ['<li class="nav-home"><a href="/">Home</a></li>']
    items += [f'<li class="nav-{s}"><a href="/{s}/">{SECTION_TITLES[s]}</a></li>' for s in SECTIONS]
    items.append('<li class="nav-rss"><a href="/rss.xml">RSS</a></li>')
    joined = "\n".join(items)
    return f'<nav class="gh-head-menu"><ul class="nav">\n{joined}\n</ul></nav>'


def _header() -> str:
    return (
        '<div class="membership-banner"><p>This month, 1,000 people chose to support the Kyiv '
        'Independent. Can we count on you, too?</p>'
        '<a class="membership-banner__button" href="/private/membership/">Become a member</a></div>\n'
        '<a class="skip-link" href="#main">Skip to content</a>\n'
        '<header class="gh-head"><a class="gh-head-logo" href="/">'
        f'<img src="/static/logo.png" alt="{SITE_NAME}" width="160" height="32"></a>{_nav()}</header>\n'
    )


def _footer() -> str:
    links = (("/about/", "About"), ("/contacts/", "Contacts"), ("/privacy/", "Privacy"),
             ("/private/account/", "Members area"), ("/rss.xml", "RSS"), ("/sitemap.xml", "Sitemap"))
    items = "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in links)
    return (f'<footer class="site-footer"><ul class="footer-menu">{items}</ul>'
            f'<p class="copyright">&copy; 2024 {SITE_NAME}. All rights reserved.</p></footer>\n')


def layout(base: str, path: str, title: str, description: str, main: str,
           head: str = "", body_class: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<meta name="description" content="{attr(description)}">\n'
        f'<link rel="canonical" href="{attr(base + path)}">\n'
        '<link rel="stylesheet" href="/static/style.css">\n'
        f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME}" href="{base}/rss.xml">\n'
        f"{head}</head>\n<body class=\"{body_class}\">\n{_header()}"
        f'<main id="main" class="site-main">\n{main}</main>\n{_footer()}</body>\n</html>\n'
    )


def _card(a: DemoArticle, prefix: str = "") -> str:
    return (f'<article class="post-card post-{a.section}"><a class="post-card-link" href="{a.path}">'
            f'<h3 class="post-card-title">{escape(prefix + a.headline)}</h3></a>'
            f'<p class="post-card-excerpt">{escape(a.description)}</p>'
            f'<time datetime="{a.published.isoformat()}">{visible_date(a.published)}</time></article>\n')


# --- article page ---------------------------------------------------------------

@dataclass(frozen=True)
class Related:
    teaser: DemoArticle
    feed: tuple[DemoArticle, ...]
    more: tuple[DemoArticle, ...]
    picks: tuple[DemoArticle, ...]


def related(cat: Catalog, article: DemoArticle) -> Related:
    """Cross-links drawn from stable articles only, nearest in time first."""
    pool = [a for a in cat.stable if a.slug != article.slug]
    older = [a for a in pool if a.published < article.published]
    nearest = older + [a for a in pool if a.published > article.published][::-1]
    wanted = seed_teaser_slug() if article.slug == SEED["slug"] else None
    teaser = next((a for a in pool if a.slug == wanted), None) or next(
        a for a in nearest if a.section == "opinion")
    feed = tuple(nearest[:5])
    more = tuple(a for a in nearest if a.section == article.section and a not in feed)[:4]
    start = zlib.crc32(article.slug.encode()) % len(pool)
    picks = tuple(pool[(start + 41 * i) % len(pool)] for i in range(3))
    return Related(teaser, feed, more, picks)


def _newsletter_inline() -> str:
    return ('<div class="kg-card newsletter-inline"><p class="newsletter-inline__label">Sign up for our '
            'newsletter</p><h3 class="newsletter-inline__title">WTF is wrong with Russia?</h3>'
            '<form class="newsletter-form" action="/private/subscribe/" method="post">'
            '<input type="email" name="email" aria-label="Email" required>'
            '<input type="submit" value="Sign up"></form></div>\n')


def _teaser_card(a: DemoArticle) -> str:
    lead = " ".join(sentences(a.paragraphs[0])[:2])
    return (f'<a class="kg-card kg-bookmark-card related-card" href="{a.path}">'
            f'<div class="kg-bookmark-content"><div class="kg-bookmark-title">Opinion: {escape(a.headline)}</div>'
            f'<div class="kg-bookmark-description">{escape(lead)}</div></div>'
            f'<img class="kg-bookmark-thumbnail" src="{a.image_path}" alt=""></a>\n')


def _content(article: DemoArticle, teaser: DemoArticle) -> str:
    parts = []
    count = len(article.paragraphs)
    for i, text in enumerate(article.paragraphs, start=1):
        parts.append(f"<p>{escape(text)}</p>\n")
        # Same inserts as the archived original: newsletter after the 4th, teaser after the 6th.
        if i == 4:
            parts.append(_newsletter_inline())
        if i == min(6, count):
            parts.append(_teaser_card(teaser))
    return f'<section class="gh-content gh-canvas article-content">\n{"".join(parts)}</section>\n'


def _support_box() -> str:
    return (
        '<aside class="support-box"><h3>Let’s see how far we can go?</h3>'
        '<p>We’ve been amazed by your support. We’ve reached our initial goal of finding 1,000 new paying '
        'members. We still have till the end of our birthday campaign — with more support, we can do even '
        'more good journalism. Over 13,000 people are standing behind us. Can we count on you, too?</p>'
        '<p class="support-box__cta">Show us support this birthday month</p>'
        '<a class="support-box__button" href="/private/membership/">Become a member</a>'
        '<div class="payment-methods"><span>visa</span> <span>masterCard</span> <span>americanExpress</span>'
        '</div></aside>\n'
    )


def _lists(rel: Related) -> str:
    feed = "".join(f'<li><a href="{a.path}">{escape(a.headline)}</a> '
                   f'<time datetime="{a.published.isoformat()}">{visible_date(a.published)}</time></li>'
                   for a in rel.feed)
    more = "".join(_card(a) for a in rel.more)
    picks = "".join(_card(a) for a in rel.picks)
    return (f'<section class="news-feed"><h2>News Feed</h2><ul>{feed}</ul></section>\n'
            f'<section class="more-news"><h2>MORE NEWS</h2>\n{more}</section>\n'
            f'<section class="editors-picks"><h2>Editors\' Picks</h2>\n{picks}</section>\n')


def _subscribe_forms() -> str:
    forms = []
    for i, name in enumerate(NEWSLETTERS):
        error = '<span class="mce-error">Please, enter correct email address</span>' if i == 0 else ""
        forms.append(
            f'<form class="mc-form" id="mc-form-{i}" action="/private/subscribe/" method="post">'
            f'<p class="mc-title">{escape(name)}</p>'
            f'<label for="mce-email-{i}">Enter your email to subscribe</label>'
            f'<input type="email" id="mce-email-{i}" name="EMAIL" required>{error}'
            f'<button type="submit">Subscribe</button>'
            f'<p class="indicates-required">* indicates required</p></form>\n')
    done = ('<div class="mc-success"><p>Successfuly subscribed</p><p>Thank you for signing up for this '
            'newsletter. We’ve sent you a confirmation email.</p></div>\n')
    return f'<section class="newsletter-modals">\n{"".join(forms)}{done}</section>\n'


def _author_ld(name: str) -> dict:
    kind = "Organization" if name == NEWS_DESK else "Person"
    return {"@type": kind, "name": name}


def _json_ld(base: str, a: DemoArticle) -> str:
    data = {
        "@context": "https://schema.org", "@type": "NewsArticle",
        "headline": a.headline, "description": a.description,
        "datePublished": a.published.isoformat(), "dateModified": a.modified.isoformat(),
        "author": [_author_ld(n) for n in a.authors],
        "articleSection": SECTION_TITLES[a.section], "keywords": ", ".join(keywords(a)),
        "image": {"@type": "ImageObject", "url": base + a.image_path, "width": 64, "height": 36},
        "inLanguage": "en", "url": base + a.path,
        "publisher": {"@type": "Organization", "name": SITE_NAME, "url": base + "/",
                      "logo": {"@type": "ImageObject", "url": base + "/static/logo.png"}},
        "mainEntityOfPage": {"@type": "WebPage", "@id": base + a.path},
    }
    text = json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>\n'


def _article_head(base: str, a: DemoArticle) -> str:
    metas = [("property", "og:site_name", SITE_NAME), ("property", "og:type", "article"),
             ("property", "og:title", a.headline), ("property", "og:description", a.description),
             ("property", "og:url", base + a.path), ("property", "og:image", base + a.image_path),
             ("property", "article:published_time", a.published.isoformat()),
             ("property", "article:modified_time", a.modified.isoformat()),
             ("property", "article:section", SECTION_TITLES[a.section])]
    metas += [("property", "article:author", n) for n in a.authors]
    metas += [("name", "twitter:card", "summary_large_image"), ("name", "twitter:title", a.headline)]
    tags = "".join(f'<meta {k}="{v}" content="{attr(c)}">\n' for k, v, c in metas)
    return tags + _json_ld(base, a)


def article_page(cat: Catalog, base: str, a: DemoArticle, origins: Origins = Origins()) -> str:
    rel = related(cat, a)
    header = (
        f'<header class="article-header gh-canvas">'
        f'<a class="edit-post" href="/private/editor/{a.slug}/">Edit post</a>\n'
        f'<a class="article-tag" href="/{a.section}/">{SECTION_TITLES[a.section]}</a>\n'
        f'<h1 class="article-title">{escape(a.headline)}</h1>\n'
        f'<div class="article-byline"><span class="byline-authors">{byline(a.authors)}</span> '
        f'<time class="byline-date" datetime="{a.published.isoformat()}">{visible_date(a.published)}</time> '
        f'<span class="byline-reading-time">{read_minutes(a)} min read</span></div>\n'
        f'<figure class="article-image"><img src="{a.image_path}" alt="{attr(a.headline)}" width="64" '
        f'height="36"><figcaption>{escape(a.caption)}</figcaption></figure>\n'
        f'{origins.gallery(a.slug, a.section)}'
        f'<p class="audio-note">This audio is created with AI assistance</p></header>\n'
    )
    main = (f'<article class="article post tag-{a.section}">\n{header}{_content(a, rel.teaser)}</article>\n'
            f"{_support_box()}{_lists(rel)}{_subscribe_forms()}")
    return layout(base, a.path, f"{a.headline} - {SITE_NAME}", a.description, main,
                  head=_article_head(base, a) + origins.head(), body_class="post-template")


# --- listings -------------------------------------------------------------------

def home_page(cat: Catalog, base: str) -> str:
    cards = "".join(_card(a) for a in cat.articles[:HOME_COUNT])
    sections = "".join(f'<li><a href="/{s}/">{SECTION_TITLES[s]}</a></li>' for s in SECTIONS)
    main = (
        f'<h1 class="site-title">{SITE_NAME}</h1>\n'
        f'<section class="latest"><h2><a href="/latest/">Latest news</a></h2>\n{cards}</section>\n'
        f'<aside class="sidebar"><h2>Sections</h2><ul>{sections}</ul>'
        f'<p><a href="/rss.xml">Subscribe via RSS</a></p>'
        f'<p><a href="{MISSING_LINK}">Special report: June 31</a></p></aside>\n'
    )
    return layout(base, "/", f"{SITE_NAME} | News from Ukraine, Eastern Europe", 
                  "News from Ukraine and Eastern Europe.", main, body_class="home-template")


def section_pages(cat: Catalog, section: str) -> int:
    return max(1, -(-len(cat.by_section[section]) // PER_PAGE))


def section_path(section: str, page: int) -> str:
    return f"/{section}/" if page == 1 else f"/{section}/page/{page}/"


def section_page(cat: Catalog, base: str, section: str, page: int) -> str:
    items = cat.by_section[section][(page - 1) * PER_PAGE: page * PER_PAGE]
    last = section_pages(cat, section)
    links = []
    if page > 1:
        links.append(f'<a class="newer-posts" rel="prev" href="{section_path(section, page - 1)}">Newer posts</a>')
    links.append(f'<span class="page-number">Page {page} of {last}</span>')
    if page < last:
        links.append(f'<a class="older-posts" rel="next" href="{section_path(section, page + 1)}">Older posts</a>')
    title = SECTION_TITLES[section]
    main = (f'<h1 class="section-title">{title}</h1>\n<section class="post-feed">\n'
            f'{"".join(_card(a) for a in items)}</section>\n'
            f'<nav class="pagination">{" ".join(links)}</nav>\n')
    suffix = f" (page {page})" if page > 1 else ""
    return layout(base, section_path(section, page), f"{title}{suffix} - {SITE_NAME}",
                  f"{title} from {SITE_NAME}.", main, body_class="tag-template")


def info_page(base: str, path: str, title: str, text: str) -> str:
    main = f'<article class="page"><h1>{escape(title)}</h1>\n<p>{escape(text)}</p></article>\n'
    return layout(base, path, f"{title} - {SITE_NAME}", text, main, body_class="page-template")


INFO_PAGES = {
    "/about/": ("About", "The Kyiv Independent is an English-language media outlet founded in 2021."),
    "/contacts/": ("Contacts", "Write to the newsroom at newsroom@example.org."),
    "/privacy/": ("Privacy", "We store only the data needed to deliver newsletters and memberships."),
}


def private_page(base: str, path: str) -> str:
    main = '<h1>Members only</h1>\n<p>Sign in to manage your membership.</p>\n'
    return layout(base, path, f"Members only - {SITE_NAME}", "Members area.", main,
                  head='<meta name="robots" content="noindex, nofollow">\n', body_class="private")


def not_found_page(base: str, path: str) -> str:
    main = '<h1>404</h1>\n<p>Page not found. <a href="/">Go to the front page</a>.</p>\n'
    return layout(base, path, f"Page not found - {SITE_NAME}", "Page not found.", main,
                  head='<meta name="robots" content="noindex">\n', body_class="error-template")


def redirect_page(location: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><title>Moved Permanently</title></head>'
            f'<body><p>Moved to <a href="{attr(location)}">{escape(location)}</a>.</p></body></html>\n')


# --- feeds, robots, sitemaps ------------------------------------------------------

def _tag(name: str, text: str, attrs: str = "") -> str:
    return f"<{name}{attrs}>{xml_escape(text)}</{name}>"


def rss(cat: Catalog, base: str) -> str:
    latest = cat.articles[:RSS_COUNT]
    items = "".join(
        "<item>" + _tag("title", a.headline) + _tag("link", base + a.path)
        + _tag("guid", base + a.path, ' isPermaLink="true"') + _tag("pubDate", format_datetime(a.published))
        + _tag("dc:creator", ", ".join(a.authors)) + _tag("category", SECTION_TITLES[a.section])
        + _tag("description", a.description)
        + f'<media:content url={quoteattr(base + a.image_path)} medium="image"/></item>\n'
        for a in latest)
    built = max(a.modified for a in cat.articles)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">\n<channel>\n'
        + _tag("title", SITE_NAME) + _tag("link", base + "/") + _tag("description", "News from Ukraine.")
        + _tag("language", "en") + _tag("lastBuildDate", format_datetime(built))
        + f'<atom:link href={quoteattr(base + "/rss.xml")} rel="self" type="application/rss+xml"/>\n'
        + items + "</channel>\n</rss>\n"
    )


def robots(base: str) -> str:
    return f"User-agent: *\nDisallow: /private/\n\nSitemap: {base}/sitemap_index.xml.gz\n"


def root_sitemap_index(cat: Catalog, base: str) -> str:
    """The index robots.txt announces (served gzipped): it nests the monthly index."""
    lastmod = max(a.modified for a in cat.articles)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"<sitemap><loc>{base}/sitemap.xml</loc><lastmod>{lastmod.isoformat()}</lastmod></sitemap>\n"
            "</sitemapindex>\n")


def months(cat: Catalog) -> list[str]:
    return sorted({f"{a.published:%Y-%m}" for a in cat.articles})


def sitemap_index(cat: Catalog, base: str) -> str:
    entries = []
    for month in months(cat):
        lastmod = max(a.modified for a in cat.articles if f"{a.published:%Y-%m}" == month)
        entries.append(f"<sitemap><loc>{base}/sitemaps/{month}.xml</loc>"
                       f"<lastmod>{lastmod.isoformat()}</lastmod></sitemap>\n")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f'{"".join(entries)}</sitemapindex>\n')


def monthly_sitemap(cat: Catalog, base: str, month: str) -> str:
    urls = "".join(
        f"<url><loc>{xml_escape(base + a.path)}</loc><lastmod>{a.modified.isoformat()}</lastmod>"
        f"<news:news><news:publication><news:name>{SITE_NAME}</news:name><news:language>en"
        f"</news:language></news:publication><news:publication_date>{a.published.isoformat()}"
        f"</news:publication_date>{_tag('news:title', a.headline)}</news:news></url>\n"
        for a in sorted(cat.articles, key=lambda a: a.published) if f"{a.published:%Y-%m}" == month)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
            f"{urls}</urlset>\n")


# --- static assets --------------------------------------------------------------

STYLE_CSS = """\
body{margin:0;font-family:Georgia,serif;color:#111;background:#fff}
.membership-banner{background:#0b2a4a;color:#fff;padding:.5rem 1rem;display:flex;gap:1rem}
.skip-link{position:absolute;left:-999px}.skip-link:focus{left:1rem}
.gh-head{display:flex;align-items:center;gap:2rem;padding:1rem;border-bottom:1px solid #ddd}
.nav{display:flex;gap:1rem;list-style:none;margin:0;padding:0}
.site-main{max-width:760px;margin:0 auto;padding:1rem}
.article-byline{color:#555;font-size:.9rem}.article-image img{width:100%;height:auto}
.kg-card{border:1px solid #ddd;padding:1rem;margin:1.5rem 0;display:block}
.support-box{background:#f4f1ea;padding:1rem;margin:2rem 0}
.mc-form{display:none}.site-footer{border-top:1px solid #ddd;padding:1rem}
"""
