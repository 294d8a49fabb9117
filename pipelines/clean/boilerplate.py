"""Paragraph-level boilerplate removal on trafilatura's body XML.

trafilatura keeps whole containers; inside an article container news sites
put teasers of other stories, newsletter and membership appeals, share and
copyright lines. Three general signals remove them, one paragraph at a time:

- link text: a paragraph, list item or heading whose words are nearly all the
  text of links on the page is navigation or a teaser, not prose;
- position: headings before the first paragraph are the headline and the
  standfirst, which are kept as metadata (title, description), not body;
- calls to action: short paragraphs that ask the reader to subscribe, follow,
  share or sign up, copyright notices, and short lines that spell out a URL
  (where to follow the coverage, listen to the podcast, donate);
- repetition: blocks that the site template (pipelines.clean.sitetemplate) found on
  many of the site's pages, unless they are most of the body (then the page is
  a duplicate of other pages, not a page made of the template).
"""
from __future__ import annotations

import re

from lxml import etree


WORD = re.compile(r"\w+")
LINK_SHARE = 0.8          # of a paragraph's characters in link text: a teaser or navigation
SHORT = 40                # words: calls to action are short; prose that mentions "subscribe" is not
MENU_WORDS = 3            # a block of at most this many words is a menu entry, a label or a button
MENU_SHARE = 0.5          # of a body's words in such blocks: the extractor picked a menu, not an article
MOSTLY_REPEATED = 0.5     # of a body's words in repeated blocks: the page is a duplicate, keep them
CALL_TO_ACTION = re.compile(
    r"\b(sign(ing)? up (for our|now)|subscribe (to|now)|subscribing to|newsletters?|"
    r"follow (us|him|her|them|me) on|share it|thanks for signing|all rights reserved|copyright|©|ⓒ|"
    r"order reprints|print article|(read|see) (more|also)|don'?t miss|related (posts?|articles?|stories|coverage)|"
    r"you may also like|recommended for you)\b", re.I)
URL_IN = re.compile(r"https?://\S")
URL_LINE = 20             # words, the URL's own included: a line this short that spells out a URL sends the
                          # reader elsewhere ("Follow our coverage at https://...", "iTunes: https://...")
BARE_URL = re.compile(r"^\s*(https?://|www\.)\S+\s*$")
BLOCKS = ("p", "item", "head", "quote")   # in document order by iter(), cheaper than an XPath union
TEXT = etree.XPath("string()")            # an element's text, in one call rather than itertext's pieces


def words(text: str) -> str:
    """Lower-case words joined by single spaces, for comparing texts."""
    return " ".join(WORD.findall(text.lower()))


def link_texts(tree) -> dict[str, set[str]]:
    """The normalised text of every link on the page, read before extraction, indexed by
    first word so that a paragraph is only compared with links that could occur in it."""
    index: dict[str, set[str]] = {}
    for a in tree.iter("a"):
        text = words(TEXT(a))
        if text:
            index.setdefault(text.split(" ", 1)[0], set()).add(text)
    return index


def prune(body, links: dict[str, set[str]], repeated: frozenset[str] = frozenset()) -> list[str]:
    """Remove boilerplate paragraphs from trafilatura's body element in place; `repeated`
    holds the normalised texts of the page's blocks that repeat across its site. Returns the
    texts of the headings that stood before the first paragraph (the headline, the standfirst)."""
    headings = _drop_leading_headings(body)
    blocks = [(block, TEXT(block)) for block in body.iter(*BLOCKS)]
    if repeated and _mostly_repeated(blocks, repeated):
        repeated = frozenset()
    for block, text in blocks:
        normalised = words(text)
        if normalised in repeated or _is_links(normalised, links) or _is_call_to_action(text, normalised):
            remove(block)
    return headings


def is_menu(body) -> bool:
    """Whether most of the body's words stand in lines of a few words (menu entries)."""
    return menu_share(body) > MENU_SHARE


def menu_share(body) -> float:
    """The share of the body's words in lines of a few words, each block's lines counted apart
    (a menu can come back as one paragraph of many lines)."""
    counts = [len(WORD.findall(line)) for block in body.iter(*BLOCKS) for line in TEXT(block).splitlines()]
    total = sum(counts)
    return sum(n for n in counts if n <= MENU_WORDS) / total if total else 0.0


def _mostly_repeated(blocks, repeated: frozenset[str]) -> bool:
    counts = [(len(WORD.findall(text)), words(text) in repeated) for _, text in blocks]
    total = sum(n for n, _ in counts)
    return total > 0 and sum(n for n, found in counts if found) > MOSTLY_REPEATED * total


def _drop_leading_headings(body) -> list[str]:
    dropped = []
    for child in list(body):
        if child.tag != "head":
            break
        dropped.append(" ".join(TEXT(child).split()))
        remove(child)
    return [text for text in dropped if text]


def _is_links(text: str, links: dict[str, set[str]]) -> bool:
    if not text:
        return False
    padded = f" {text} "
    candidates = {link for word in set(text.split()) for link in links.get(word, ())}
    covered = sum(len(link) for link in candidates if len(link) <= len(text) and f" {link} " in padded)
    return covered >= LINK_SHARE * len(text)


def _is_call_to_action(text: str, normalised: str) -> bool:
    count = normalised.count(" ") + 1 if normalised else 0      # its words, without a second regex pass
    return bool(count and (BARE_URL.match(text) or count <= SHORT and CALL_TO_ACTION.search(text)
                           or count <= URL_LINE and URL_IN.search(text)))


def remove(element) -> None:
    """Remove an element but keep its tail text (which belongs to the parent)."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
