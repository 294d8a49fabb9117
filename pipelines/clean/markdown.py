"""Render trafilatura's body XML as plain text and as Markdown.

Plain text has one paragraph per line (headings included; list items keep
trafilatura's "- "), which is what word counts and diffs use. Markdown keeps the
structure: `#` headings, `-` list items, `>` quotes, emphasis, tables.
"""
from __future__ import annotations

import re
from copy import deepcopy

from lxml import etree
from trafilatura.xml import xmltotxt

SPACES = re.compile(r"[ \t\u00a0]+")


def render(body) -> tuple[str, str]:
    return normalise_text(xmltotxt(body, False)), normalise_markdown(to_markdown(body))


def to_markdown(body) -> str:
    """trafilatura's Markdown, with `>` added to quotes (which it renders bare): where the body
    has quotes, each quote and each run of other blocks between them in one call."""
    if body.find(".//quote") is None:
        return xmltotxt(body, True)
    blocks = [body.text.strip()] if body.text and body.text.strip() else []
    run = etree.Element("body")
    for child in list(deepcopy(body)):            # a copy: the blocks are moved out of it
        tail, child.tail = (child.tail or "").strip(), None
        if child.tag == "quote":
            blocks.append(_render(run))
            run = etree.Element("body")
            quote = etree.Element("body")
            quote.append(child)
            blocks.append("\n".join(f"> {line}".rstrip() for line in _render(quote).splitlines()))
        else:
            run.append(child)
        if tail:                                   # text between blocks stands as a block of its own
            blocks += [_render(run), tail]
            run = etree.Element("body")
    blocks.append(_render(run))
    return "\n\n".join(block for block in blocks if block)


def _render(wrapper) -> str:
    return xmltotxt(wrapper, True).strip() if len(wrapper) else ""


def normalise_text(text: str) -> str:
    """One paragraph per line, runs of spaces collapsed, no empty lines."""
    lines = (SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def normalise_markdown(text: str) -> str:
    """Trailing spaces dropped, at most one blank line between blocks."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
