"""The cascade gives trafilatura_sequence's body in fast mode and with the comparison pass, also
when the second run follows the first on the same page and reuses what the first computed."""
import gzip
import json
from pathlib import Path

import pytest
from lxml import etree
from trafilatura.core import trafilatura_sequence
from trafilatura.settings import Extractor

from pipelines.clean import boilerplate
from pipelines.clean.cascade import Cascade
from pipelines.clean.extract import _drop_scripts, parse_html

DATA = Path(__file__).resolve().parents[3] / "bench" / "data" / "newspaper4k"
URLS = {page_id: item["url"] for page_id, item in json.loads((DATA / "ground-truth.json").read_text()).items()}
MENU_PAGE = "japanese_article"       # fast mode picks its menu; the comparison pass runs


def _page(page_id: str):
    tree = parse_html(gzip.decompress((DATA / "html" / f"{page_id}.html.gz").read_bytes()))
    _drop_scripts(tree)
    return tree


def _sequence(page_id: str, fast: bool) -> tuple[bytes, str]:
    url = URLS[page_id]
    options = Extractor(url=url, fast=fast, comments=False, tables=True, formatting=True, output_format="xml")
    body, text, _, _ = trafilatura_sequence(_page(page_id), options, url)
    return etree.tostring(body), text


@pytest.mark.parametrize("page_id", sorted(URLS))
def test_fast_then_full_give_trafilatura_sequences_bodies(page_id):
    cascade = Cascade(_page(page_id), URLS[page_id])
    fast_body, fast_text = cascade.run(fast=True)
    assert (etree.tostring(fast_body), fast_text) == _sequence(page_id, fast=True)
    full_body, full_text = cascade.run(fast=False)
    assert (etree.tostring(full_body), full_text) == _sequence(page_id, fast=False)


def test_the_menu_page_takes_the_second_run_and_the_escalation():
    cascade = Cascade(_page(MENU_PAGE), URLS[MENU_PAGE])
    body, _ = cascade.run(fast=True)
    assert boilerplate.is_menu(body)
    assert "_recall" in vars(cascade) and "_baseline" in vars(cascade)    # computed once, for both runs


TEASER_PAGE = """<html><head><title>t</title></head><body>
<div class="story"><p>A short lead of the story, too short to stand alone as an article here.</p></div>
<div class="side"><p class="teaser">Teaser: a paragraph of another story that the site calls a teaser, long
enough to be counted as text by the extractor.</p></div>
<div class="more"><p>Another stray paragraph of text outside the main container, also long enough to be kept
by recovery of wild text.</p></div></body></html>"""


def test_a_page_with_teaser_blocks_gets_its_own_main_extraction_with_the_comparison_pass():
    """Recovering stray text, fast mode keeps the teaser and the other mode does not: the second run
    cannot take the first run's main extraction."""
    url = "https://example.org/a"
    cascade = Cascade(parse_html(TEASER_PAGE), url)
    fast_body, _ = cascade.run(fast=True)
    assert "Teaser:" in etree.tostring(fast_body, encoding=str)
    full_body, full_text = cascade.run(fast=False)
    options = Extractor(url=url, fast=False, comments=False, tables=True, formatting=True, output_format="xml")
    body, text, _, _ = trafilatura_sequence(parse_html(TEASER_PAGE), options, url)
    assert (etree.tostring(full_body), full_text) == (etree.tostring(body), text)
