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
    """trafilatura's Markdown, with `>` added to quotes (which it renders bare): block by
    block where the body has quotes, in one call otherwise."""
    if body.find(".//quote") is None:
        return xmltotxt(body, True)
    blocks = [body.text.strip()] if body.text and body.text.strip() else []
    for child in body:
        wrapper = etree.Element("body")
        wrapper.append(deepcopy(child))
        wrapper[0].tail = None
        block = xmltotxt(wrapper, True).strip()
        if child.tag == "quote":
            block = "\n".join(f"> {line}".rstrip() for line in block.splitlines())
        blocks.append(block)
        if child.tail and child.tail.strip():
            blocks.append(child.tail.strip())
    return "\n\n".join(block for block in blocks if block)


def normalise_text(text: str) -> str:
    """One paragraph per line, runs of spaces collapsed, no empty lines."""
    lines = (SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def normalise_markdown(text: str) -> str:
    """Trailing spaces dropped, at most one blank line between blocks."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
