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
from datetime import datetime, timezone
from urllib.parse import urlsplit

import htmldate
from trafilatura import metadata as trafmeta

from . import jsonld

BYLINE_PREFIX = re.compile(r"^\s*(by|von|par|por|di|door|av)\s+", re.I)
AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|\band\b|\bund\b|\bet\b|\by\b|&|\|)\s*")
NOT_A_NAME = re.compile(r"https?://|@|\d{3,}", re.I)
# Bylines read from the DOM run on into job titles and dates: "Jane Doe Staff Writer", "Monday November"
ROLE_TAIL = re.compile(r"\s+(is an? |(senior |chief |staff |news |business |political )*"
                       r"(staff|writer|reporter|columnist|editor|correspondent|contributor)\b).*$", re.I)
DATE_WORDS = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|updated|published|"
                        r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d).*$", re.I)
REPEATED_META = {"article:tag", "article:author", "author"}
TITLE_SPLIT = re.compile(r"\s+[|–—·:-]\s+")
TAG_SPLIT = re.compile(r"\s*[,;]\s*")


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
                     ("meta", strip_site_name(meta.get("og:title") or meta.get("twitter:title"), meta, url)),
                     ("dom", lambda: strip_site_name(dom_title(tree), meta, url))])
    m.fill("authors", [("json-ld", split_authors(jsonld.names(ld.get("author")))),
                       ("meta", split_authors([meta.get("author") or meta.get("article:author")
                                               or meta.get("parsely-author") or meta.get("dc.creator") or ""])),
                       ("dom", lambda: split_authors([trafmeta.extract_author(tree) or ""]))])
    m.fill("published", [("json-ld", parse_date(ld.get("datePublished") or ld.get("dateCreated"))),
                         ("meta", parse_date(meta.get("article:published_time") or meta.get("datepublished")
                                             or meta.get("pubdate") or meta.get("date"))),
                         ("htmldate", lambda: parse_date(_htmldate(tree, original=True)))])
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
                         ("meta", meta.get("og:site_name") or meta.get("publisher") or meta.get("application-name"))])
    m.fill("canonical_url", [("dom", _first(tree.xpath("//link[@rel='canonical']/@href"))),
                             ("meta", meta.get("og:url")), ("json-ld", _text(ld.get("url"))), ("url", url)])
    return m


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
            if name and not NOT_A_NAME.search(name) and name.lower() not in seen:
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
    """ISO-8601 (or date-only) text as an aware UTC datetime; None when unparseable."""
    value = _text(value)
    if not value:
        return None
    value = value.strip().replace("Z", "+00:00")
    value = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", value)       # +0300 -> +03:00
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


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


def lead_caption(tree) -> str | None:
    """The caption of the first figure that is not in navigation or side matter."""
    for caption in tree.xpath("//figure//figcaption[not(ancestor::nav or ancestor::aside or ancestor::footer)]"):
        text = " ".join(caption.text_content().split())
        if text:
            return text
    return None


def _htmldate(tree, original: bool) -> str | None:
    # only reached when neither JSON-LD nor meta tags give a date: htmldate copies the tree
    try:
        return htmldate.find_date(tree, original_date=original, extensive_search=False,
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


def _first(values: list) -> str | None:
    return values[0].strip() if values and values[0].strip() else None
