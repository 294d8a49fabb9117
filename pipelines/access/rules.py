"""Which URLs are withheld: the active takedowns as match rules.

A rule is a URL (exact) or a URL prefix written with a trailing `*` (`https://site/section/*`).
URLs are compared without their scheme, with the host in lower case, tracking parameters
dropped and a trailing slash ignored, so `http://Site/a/` and `https://site/a` are one page.
An article is withheld when its fetch URL or its canonical URL matches."""
from __future__ import annotations

from typing import NamedTuple

from pipelines.archive.ids import normalise_url

PREFIX_MARK = "*"


def url_key(url: str) -> str:
    """The form rules compare: no scheme, lower-case host, no tracking parameters."""
    return normalise_url(url).split("://", 1)[-1]


def _exact_key(url: str) -> str:
    key = url_key(url)
    return key[:-1] if key.endswith("/") and "?" not in key else key


def is_prefix(target: str) -> bool:
    return target.endswith(PREFIX_MARK)


def check_target(target: str) -> str:
    """A takedown target: an absolute http(s) URL, or one ending in `*` for a prefix."""
    text = target.strip()
    bare = text[:-1] if is_prefix(text) else text
    if not bare.lower().startswith(("http://", "https://")) or "://" == bare[-3:]:
        raise ValueError(f"not an http(s) URL or URL prefix: {target!r}")
    return text


class Rule(NamedTuple):
    """One standing takedown: an exact URL, or a prefix (`target` ending in `*`)."""
    takedown_id: str
    target: str

    @property
    def prefix(self) -> bool:
        return is_prefix(self.target)

    @property
    def key(self) -> str:
        """The URL's normal form the rule compares with (without the `*` of a prefix)."""
        return url_key(self.target[:-1]) if self.prefix else _exact_key(self.target)

    def matches(self, url: str | None) -> bool:
        if not url:
            return False
        return url_key(url).startswith(self.key) if self.prefix else _exact_key(url) == self.key


class Withheld:
    """The active rules; `withholds(url, canonical)` says whether an article is withheld."""

    def __init__(self, rules: list[Rule]):
        self.rules = list(rules)
        self._exact = {r.key for r in self.rules if not r.prefix}
        self._prefixes = tuple(r.key for r in self.rules if r.prefix)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def withholds(self, *urls: str | None) -> bool:
        for url in filter(None, urls):
            if _exact_key(url) in self._exact or (self._prefixes and url_key(url).startswith(self._prefixes)):
                return True
        return False

    def mask(self, urls, canonical_urls) -> list[bool]:
        """Per row: True where the row is withheld (pyarrow or Python sequences)."""
        as_list = (lambda c: c.to_pylist() if hasattr(c, "to_pylist") else list(c))
        return [self.withholds(u, c) for u, c in zip(as_list(urls), as_list(canonical_urls))]
