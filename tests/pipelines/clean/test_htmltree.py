"""The tree built from UTF-8 bytes is the one trafilatura's load_html builds from the text."""
import gzip
from pathlib import Path

import pytest
from lxml import etree
from trafilatura.utils import load_html, repair_faulty_html

from pipelines.clean.decode import decode_page
from pipelines.clean.htmltree import load_text, page_bytes

PAGES = sorted((Path(__file__).resolve().parents[3] / "bench" / "data" / "newspaper4k" / "html").glob("*.html.gz"))
BODY = "<body><p>Caf\u00e9 \u4e2d\u6587 \U0001F600 text</p><p>two</p></body>"
CASES = [
    "<html><head><title>t</title></head>" + BODY + "</html>",
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
    "<html>" + BODY + "</html>",
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "http://www.w3.org/TR/xhtml1/DTD/x.dtd"><html>' + BODY + "</html>",
    "<!doctype html>\n<html>" + BODY + "</html>",
    "<!doctype html><html>" + BODY + "</html>",                     # one line: the repair adds a newline
    "<html>" + BODY.replace("text", "te\x0bxt\x00 \ufffe\uffff") + "</html>",  # control characters and non-characters
    '<!DOCTYPE html>\n<html lang="en"/>\n<head></head>' + BODY,       # a self-closing <html/>
    "<html><head><meta charset=\"iso-8859-1\"></head>" + BODY + "</html>",   # the declaration is not believed
    "plain text, not a page",                                         # dubious: rejected by both
    "<p>one fragment</p>",
    "\u00e9t\u00e9 latin-1 only <b>bold</b> <html><body><p>x</p></body></html>",
]


def _same(text: str) -> None:
    expected, got = load_html(text), load_text(text)
    assert (got is None) == (expected is None)
    if expected is not None:
        assert etree.tostring(got) == etree.tostring(expected)


@pytest.mark.parametrize("text", CASES)
def test_crafted_pages_give_load_htmls_tree(text):
    assert page_bytes(text, text[:50].lower()) == repair_faulty_html(text, text[:50].lower()).encode("utf-8")
    _same(text)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name.split(".")[0])
def test_news_pages_give_load_htmls_tree(path):
    _same(decode_page(gzip.decompress(path.read_bytes())))


def test_the_pages_are_there():
    assert len(PAGES) == 22
