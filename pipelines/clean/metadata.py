"""Article metadata from a parsed page, each field with the source that gave it.

Sources in order of trust: the page's JSON-LD article object (`json-ld`),
OpenGraph / article / Twitter / named meta tags (`meta`), htmldate for dates
(`htmldate`), and the DOM itself (`dom`: <title>/<h1>, bylines, lang,
<link rel=canonical>, the first figure's caption). The tree is only read, so
body extraction can use it afterwards.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import htmldate
from trafilatura import metadata as trafmeta

from spiders.dates import to_utc, try_parse_time

from pipelines.clean import jsonld

BYLINE_PREFIX = re.compile(r"^\s*(by|von|par|por|di|door|av)\s+", re.I)
AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|\band\b|\bund\b|\bet\b|\by\b|&|\|)\s*")
NOT_A_NAME = re.compile(r"https?://|@|\d{3,}", re.I)
# Bylines read from the DOM run on into job titles and dates: "Jane Doe Staff Writer", "Monday November"
ROLE_TAIL = re.compile(r"\s+(is an? |(senior |chief |staff |news |business |political )*"
                       r"(staff|writer|reporter|columnist|editor|correspondent|contributor)\b).*$", re.I)
ROLE_ONLY = re.compile(r"^(?:(?:senior|chief|staff|special|writer|reporter|editor|correspondent|contributor)\b\s*)+$",
                       re.I)                                    # "Staff", "Staff writer": no one's name
DATE_WORDS = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|updated|published|"
                        r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d).*$", re.I)
AUTHOR_META = ("article:author", "author", "parsely-author", "dc.creator", "sailthru.author")
REPEATED_META = {"article:tag", "article:author", "author"}
TITLE_SPLIT = re.compile(r"\s+[|–—·:-]\s+")
TAG_SPLIT = re.compile(r"\s*[,;]\s*")
BYLINE_XPATH = ("//*[(@rel='author' or @itemprop='author' or contains(@class, 'author') or contains(@class, 'byline'))"
                " and not(ancestor::nav or ancestor::aside or ancestor::footer or ancestor::script)]")
BY_WORD = re.compile(r"\b(?:by|von|par|por|door|av)\s+", re.I)
NAME = re.compile(r"^[^\W\d_][\w'’.-]*(?: [^\W\d_][\w'’.-]*){0,3}$")   # one to four words, no digits
BY_TEXT_XPATH = ("//*[starts-with(normalize-space(text()), 'By ') or starts-with(normalize-space(text()), 'by ')]"
                 "[not(ancestor::nav or ancestor::aside or ancestor::footer or ancestor::script or self::script)]")
# a link to the writer's page ("/author/jane-doe"), for bylines that no class or "By" marks
AUTHOR_LINK_XPATH = ("//a[contains(@href, '/author/') or contains(@href, '/authors/')]"
                     "[not(ancestor::nav or ancestor::aside or ancestor::footer)]")
MAX_BYLINE = 200          # characters: longer is an author's biography or a paragraph, not a byline
PARTICLES = {"de", "da", "di", "del", "der", "van", "von", "la", "le", "bin", "al", "dos", "du"}
TRAILING = re.compile(r"(?i)(on|at|updated|published|(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?)")
TIME_XPATH = ("//time[not(ancestor::nav or ancestor::aside or ancestor::footer or ancestor::a)]/@datetime")
SCRIPT_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{10,40})"')
ROLE_SEPARATOR = re.compile(r"\s+[-–—|]\s+")
FROM_DIGIT = re.compile(r"\s\S*\d.*$")                   # times and dates after the name
HEADLINE_LIKENESS = 0.4   # share of words an <h1> has in common with the page's titles to be its headline


@dataclass
class Metadata:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    language: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    image_url: str | None = None
    image_caption: str | None = None
    publisher: str | None = None
    canonical_url: str | None = None
    sources: dict[str, str] = field(default_factory=dict)

    def fill(self, name: str, candidates) -> None:
        """Take the first non-empty (source, value) candidate; candidates may be lazy."""
        for source, value in candidates:
            value = value() if callable(value) else value
            if value:
                setattr(self, name, value)
                self.sources[name] = source
                return


def extract_metadata(tree, url: str) -> Metadata:
    ld = jsonld.find_article(tree) or {}
    meta = meta_tags(tree)
    m = Metadata()
    m.fill("title", [("json-ld", _text(ld.get("headline") or ld.get("name"))),
                     *title_candidates(tree, meta, url)])
    m.fill("authors", [("json-ld", split_authors(jsonld.names(ld.get("author")))),
                       *[("meta", lambda key=key: writers(split_authors([meta.get(key) or ""]), tree, meta, url,
                                                          company_check=True))
                         for key in AUTHOR_META],
                       ("dom", lambda: writers(byline(tree), tree, meta, url)),
                       # a page that names no one is credited to its publisher, as the sites' own
                       # metadata does ("BBC News", "Reuters")
                       ("publisher", lambda: split_authors([_publisher(ld.get("publisher")) or site_name(tree, meta, url)
                                                            or ""]))])
    m.fill("published", [("json-ld", parse_date(ld.get("datePublished") or ld.get("dateCreated"))),
                         ("meta", parse_date(meta.get("article:published_time") or meta.get("datepublished")
                                             or meta.get("pubdate") or meta.get("date"))),
                         ("dom", lambda: time_element(tree)),
                         ("script", lambda: script_date(tree)),
                         ("htmldate", lambda: parse_date(_htmldate(tree, url, original=True)))])
    m.fill("modified", [("json-ld", parse_date(ld.get("dateModified"))),
                        ("meta", parse_date(meta.get("article:modified_time") or meta.get("og:updated_time")))])
    m.fill("language", [("json-ld", _language(_text(ld.get("inLanguage")))),
                        ("dom", _language(tree.get("lang") or tree.get("xml:lang"))),
                        ("meta", _language(meta.get("og:locale") or meta.get("content-language")))])
    m.fill("section", [("json-ld", _text(ld.get("articleSection"))), ("meta", meta.get("article:section"))])
    m.fill("tags", [("json-ld", split_tags(ld.get("keywords"))),
                    ("meta", split_tags(meta.get("article:tag") or meta.get("news_keywords") or meta.get("keywords")))])
    m.fill("description", [("json-ld", _text(ld.get("description"))),
                           ("meta", meta.get("og:description") or meta.get("description")
                            or meta.get("twitter:description"))])
    m.fill("image_url", [("json-ld", _text(ld.get("image") or ld.get("thumbnailUrl"))),
                         ("meta", meta.get("og:image") or meta.get("twitter:image"))])
    m.fill("image_caption", [("json-ld", jsonld.caption(ld.get("image"))), ("dom", lambda: lead_caption(tree))])
    m.fill("publisher", [("json-ld", _publisher(ld.get("publisher"))),
                         ("meta", meta.get("og:site_name") or meta.get("publisher") or meta.get("application-name")),
                         ("dom", lambda: site_name(tree, meta, url))])
    m.fill("canonical_url", [("dom", canonical_link(tree)),
                             ("meta", meta.get("og:url")), ("json-ld", _text(ld.get("url"))), ("url", url)])
    return m


def canonical_link(tree) -> str | None:
    # the first <link rel=canonical>, head or body: iter() finds it without the proxies and the
    # predicate that an XPath search of the whole page costs
    for link in tree.iter("link"):
        if link.get("rel") == "canonical":
            return (link.get("href") or "").strip() or None
    return None


def meta_tags(tree) -> dict[str, str]:
    """<meta property|name|itemprop=... content=...>, keys lower-cased; the first of each wins,
    except the keys that sites repeat once per value (tags, authors), which are joined."""
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or "").lower()
        value = (el.get("content") or "").strip()
        if not key or not value:
            continue
        if key in REPEATED_META and key in found:
            found[key] += ", " + value
        else:
            found.setdefault(key, value)
    return found


def split_authors(raw: list[str]) -> list[str]:
    """Names from bylines: "by" dropped, split on and/&/commas, de-duplicated in order."""
    out: list[str] = []
    seen: set[str] = set()
    for item in raw:
        for name in AUTHOR_SPLIT.split(BYLINE_PREFIX.sub("", item or "")):
            name = " ".join(BYLINE_PREFIX.sub("", name).split()).strip(" .")
            without_role = ROLE_TAIL.sub("", name)
            # "Jane Doe Staff Writer" loses its role; "Test Writer" is a whole name, kept
            name = without_role if len(without_role.split()) >= 2 else name
            name = DATE_WORDS.sub("", name).strip(" .,")
            if name and not NOT_A_NAME.search(name) and name.lower() not in seen and not ROLE_ONLY.match(name):
                seen.add(name.lower())
                out.append(name)
    return out


def split_tags(value) -> list[str]:
    items = value if isinstance(value, list) else TAG_SPLIT.split(str(value or ""))
    out: list[str] = []
    for item in items:
        tag = _text(item) if not isinstance(item, str) else item.strip()
        if tag and tag not in out:
            out.append(tag)
    return out


def parse_date(value) -> datetime | None:
    """An ISO-8601 date or datetime of a JSON-LD value or tag, in UTC; None when unparseable."""
    return to_utc(try_parse_time(_text(value)))


def strip_site_name(title: str | None, meta: dict[str, str], url: str) -> str | None:
    """ "Headline | Site" -> "Headline" when the last part names the site (its og:site_name or
    its host name); JSON-LD headlines never need this."""
    separators = list(TITLE_SPLIT.finditer(title or ""))
    if not separators:
        return title
    last = _squash(title[separators[-1].end():])
    site = _squash(meta.get("og:site_name") or meta.get("application-name") or "")
    host = _squash(urlsplit(url).hostname or "")
    if last and (last == site or last in host or (site and site in last)):
        return title[:separators[-1].start()].strip()
    return title


def site_name(tree, meta: dict[str, str], url: str) -> str | None:
    """The site's name: og:site_name or application-name, else the part of <title> after the
    last separator when it names the host ("Headline - CBS News" on cbsnews.com)."""
    named = meta.get("og:site_name") or meta.get("application-name")
    if named and not NOT_A_NAME.search(named):
        return named
    title = " ".join((tree.findtext(".//title") or "").split())
    separators = list(TITLE_SPLIT.finditer(title))
    if not separators:
        return None
    last = title[separators[-1].end():].strip()
    host = _squash(urlsplit(url).hostname or "")
    words = [_squash(w) for w in last.split()]
    return last if last and all(w and w in host for w in words) else None


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def dom_title(tree) -> str | None:
    """The page's only <h1>, else the longest part of <title> (site names are the short part)."""
    headings = [" ".join(h.text_content().split()) for h in tree.iter("h1")]
    headings = [h for h in headings if h]
    if len(headings) == 1:
        return headings[0]
    title = " ".join((tree.findtext(".//title") or "").split())
    return max(TITLE_SPLIT.split(title), key=len) if title else trafmeta.extract_title(tree)


def title_candidates(tree, meta: dict[str, str], url: str) -> list[tuple[str, object]]:
    """(source, title or a function giving it) pairs without JSON-LD, best first: the <h1> that
    og:title, twitter:title or <title> describes, og:title, twitter:title, the page's only <h1> or
    the longest part of <title>."""
    shared = strip_site_name(meta.get("og:title") or meta.get("twitter:title"), meta, url)
    twitter = strip_site_name(meta.get("twitter:title"), meta, url)
    return [("dom", lambda: strip_site_name(headline(tree, [shared, twitter], meta, url), meta, url)),
            ("meta", shared), ("meta", twitter),
            ("dom", lambda: strip_site_name(dom_title(tree), meta, url))]


def headline(tree, shared_titles: list[str | None], meta: dict[str, str], url: str) -> str | None:
    """The <h1> that the page's shared or <title> title describes: the headline as the page shows
    it, which the article's own metadata follows more often than the wording made for sharing."""
    references = [_words(t) for t in (*shared_titles, strip_site_name(tree.findtext(".//title"), meta, url)) if t]
    best, best_score = None, HEADLINE_LIKENESS
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        score = max((_likeness(_words(text), ref) for ref in references), default=0.0)
        if text and score >= best_score:
            best, best_score = text, score + 1e-9         # the first of equals
    return best


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _likeness(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def byline(tree) -> list[str]:
    """Names from the first byline that reads as names: an element whose rel, itemprop or class
    names an author or byline, else one whose own text starts with "By", else a link to the writer's
    page; "by Jane Doe",
    "Monday ... by Jane Doe", "By Jane Doe, 20 November", or an author link alone."""
    for xpath in (BYLINE_XPATH, BY_TEXT_XPATH, AUTHOR_LINK_XPATH):
        for el in tree.xpath(xpath):
            names = byline_names(_spaced_text(el))
            if names:
                return names
    return []


def writers(names: list[str], tree, meta: dict[str, str], url: str, company_check: bool = False) -> list[str]:
    """The names, without the site's own name beside a person's ("Jane Doe, IGN"); with
    `company_check`, none when they are the page's copyright holder (a meta tag naming the
    company as the author of every page; a byline naming the blog's owner is kept)."""
    if not names:
        return names
    site = _squash(site_name(tree, meta, url) or "")
    people = [n for n in names if not _is_site(n, site)] or names
    if not company_check:
        return people
    notices = " ".join(tree.xpath("//*[not(self::script)][contains(text(), '©') or contains(text(), 'Copyright')]"
                                  "/text()"))
    return [] if notices and all(n in notices for n in people) else people


def _is_site(name: str, site: str) -> bool:
    """The site's name, alone or with a role ("IGN", "IGN Staff")."""
    words = name.split()
    return bool(site) and any(_squash(" ".join(words[:i])) == site and (i == len(words) or ROLE_ONLY.match(
        " ".join(words[i:]))) for i in range(1, len(words) + 1))


def _spaced_text(el) -> str:
    """The element's text with a space where a piece starting with a capital or digit follows another
    ("Jane Doe" "Staff Writer"), and none inside a word split by markup ("Wo" "od")."""
    out = ""
    for piece in el.itertext():
        if out and (piece[:1].isupper() or piece[:1].isdigit()) and not out[-1:].isspace():
            out += " "
        out += piece
    return out


def byline_names(text: str) -> list[str]:
    """The names in a byline read from the page, or none when it does not read as names."""
    text = " ".join(text.split())
    if len(text) > MAX_BYLINE:
        return []
    after_by = BY_WORD.split(text, maxsplit=1)
    text = FROM_DIGIT.sub("", after_by[-1] if len(after_by) > 1 else text)
    text = ROLE_SEPARATOR.split(text, maxsplit=1)[0]          # "Jane Doe - Staff Writer", "Jane Doe | Site"
    names = []
    for name in split_authors([text]):
        words = name.split()
        cut = next((i for i, w in enumerate(words) if w[0].islower() and w not in PARTICLES), len(words))
        words = words[:cut]
        while words and TRAILING.fullmatch(words[-1]):
            words.pop()
        half = len(words) // 2
        if words and words[:half] == words[half:]:                # "Jane Doe Jane Doe"
            words = words[:half]
        name = " ".join(words)
        if name and not BY_WORD.fullmatch(name + " ") and not ROLE_ONLY.match(name) and name not in names:
            names.append(name)
    return names if names and all(NAME.match(name) for name in names) else []


def lead_caption(tree) -> str | None:
    """The caption of the first figure that is not in navigation or side matter."""
    for caption in tree.iter("figcaption"):
        around = {el.tag for el in caption.iterancestors("figure", "nav", "aside", "footer")}
        text = " ".join(caption.text_content().split()) if around == {"figure"} else ""
        if text:
            return text
    return None


def time_element(tree) -> datetime | None:
    """The first machine-readable <time datetime> outside navigation and side matter, and not
    inside a link (teasers of other stories carry their own times)."""
    for value in tree.xpath(TIME_XPATH):
        moment = parse_date(value)
        if moment:
            return moment
    return None


def script_date(tree) -> datetime | None:
    """A schema.org datePublished in the page's other scripts: the state that script-rendered
    pages embed (`window.__DATA__ = {...}`) often holds the article's own record."""
    for text in tree.xpath("//script[not(@type='application/ld+json')]/text()"):
        found = SCRIPT_DATE.search(text)
        if found and parse_date(found.group(1)):
            return parse_date(found.group(1))
    return None


def _htmldate(tree, url: str, original: bool) -> str | None:
    # only reached when no other source gives a date: htmldate copies the tree; it also reads the URL
    try:
        return htmldate.find_date(tree, url=url, original_date=original, extensive_search=True,
                                  outputformat="%Y-%m-%dT%H:%M:%S")
    except (ValueError, RecursionError):
        return None


def _language(value: str | None) -> str | None:
    return value.replace("_", "-").split("-")[0].lower() if value else None


def _publisher(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return _text(value.get("name"))
    return _text(value)


def _text(value) -> str | None:
    return jsonld.text_value(value)
