"""A decoded page as an lxml tree: the tree trafilatura.utils.load_html builds from the text,
built for less.

load_html repairs the text (control characters out, an XHTML doctype on the first line out, a
self-closing `<html/>` opened) and hands libxml2 the Python string, which reaches it in the
string's own width (UTF-16 or UCS-4 for most news pages) and is converted there; the repair
copies the whole page twice. Here the text is encoded to UTF-8 once, the width libxml2 parses
in, and the common repair (the doctype) is a cut of those bytes. Pages with control characters
or a self-closing `<html/>`, which are rare, take trafilatura's own repair. The parser is
trafilatura's; load_html itself falls back to these bytes when the string does not parse.
tests/pipelines/clean/test_htmltree.py checks that both give the same tree.
"""
from __future__ import annotations

from lxml.html import fromstring
from trafilatura.utils import DOCTYPE_TAG, HTML_PARSER, is_dubious_html, repair_faulty_html

# the characters repair_faulty_html removes (trafilatura.utils.INVALID_XML_CHARS), in UTF-8
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")       # U+FFFE, U+FFFF


def load_text(text: str):
    """The page's tree, or None for text that does not parse as HTML (as load_html)."""
    beginning = text[:50].lower()
    try:
        tree = fromstring(page_bytes(text, beginning), parser=HTML_PARSER)
    except Exception:        # lxml's parser errors have no common base worth naming; load_html's catch
        return None
    if is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


def page_bytes(text: str, beginning: str) -> bytes:
    """The text repaired as repair_faulty_html(text, beginning) repairs it, in UTF-8."""
    data = _utf8(text)
    if _has_invalid_chars(data):
        return _utf8(repair_faulty_html(text, beginning))
    cut, newline = 0, text.find("\n")
    if "doctype" in beginning:                       # the doctype is only looked for on the first line
        match = DOCTYPE_TAG.match(text, 0, newline if newline >= 0 else len(text))
        cut = match.end() if match else 0
    if any("<html" in line and line.endswith("/>") for line in text[cut:cut + 4096].splitlines()[:4]):
        return _utf8(repair_faulty_html(text, beginning))
    if cut:
        data = data[len(_utf8(text[:cut])):]
    if "doctype" in beginning and newline < 0:       # the repair rejoins the first line with a newline
        data += b"\n"
    return data


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _has_invalid_chars(data: bytes) -> bool:
    return len(data.translate(None, CONTROL_BYTES)) != len(data) or any(c in data for c in NONCHARACTERS)
