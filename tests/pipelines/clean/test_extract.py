import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipelines.clean.extract import NotAnArticle, extract_article, parse_date, split_authors

SEED = Path(__file__).resolve().parents[4] / "shared" / "seeds" / "000_9574b50f864fcf4e.txt"
BOILERPLATE = ["indicates required", "Become a member", "Sign up for our newsletter", "WTF is wrong with Russia",
               "This audio is created with AI assistance", "Opinion: The new EU leadership", "Subscribe",
               "Let’s see how far we can go", "Editors' Picks", "MORE NEWS"]


@pytest.fixture(scope="module")
def seed_page(demo_site):
    article = next(a for a in demo_site.articles() if a.headline.startswith("Relations between Russia"))
    url = demo_site.base_url + article.path
    with urllib.request.urlopen(url) as resp:
        return article, url, resp.read()


def test_seed_article_keeps_the_article_and_drops_boilerplate(seed_page):
    truth, url, html = seed_page
    got = extract_article(html, url)
    assert got.title == "Relations between Russia, China are 'at their best in history,' Xi, Putin says"
    assert got.authors == ["Nate Ostiller", "The Kyiv Independent news desk"]
    assert got.published == datetime(2024, 7, 4, 6, 22, tzinfo=timezone.utc)
    assert got.image_caption.startswith("Russian President Vladimir Putin (R) meets with China's President")
    assert got.language == "en" and got.section == "News" and got.canonical_url == url
    assert got.text.split("\n") == list(truth.paragraphs)
    for phrase in BOILERPLATE:
        assert phrase not in got.text
    assert got.sources["title"] == "json-ld"


def test_seed_paragraphs_match_the_users_page(seed_page):
    """Every body paragraph of the page the user had in mind is in the cleaned text."""
    if not SEED.exists():
        pytest.skip(f"seed page not found at {SEED}")
    got = extract_article(seed_page[2], seed_page[1]).text
    seed = SEED.read_text().split("\n")
    body = [line for line in seed if line.startswith(("Russian President Vladimir Putin and", "Xi indicated",
                                                       "In what was", "In turn,", "Although China", "Various countries"))]
    assert len(body) == 6 and all(line in got for line in body)


def test_every_demo_article_is_clean(demo_site):
    for truth in demo_site.articles()[::40]:
        url = demo_site.base_url + truth.path
        with urllib.request.urlopen(url) as resp:
            got = extract_article(resp.read(), url)
        assert got.title == truth.headline
        assert got.text.split("\n") == list(truth.paragraphs)
        assert not any(p in got.text for p in BOILERPLATE)


def test_metadata_falls_back_to_meta_tags():
    body = "".join(f"<p>Paragraph {i} of a story with enough words to count as text in any extractor.</p>"
                   for i in range(8))
    html = f"""<html lang="de"><head><title>Site | Fallback headline</title>
    <meta property="og:title" content="Fallback headline">
    <meta name="author" content="By Jane Doe, John Roe">
    <meta property="article:published_time" content="2024-06-02T10:00:00Z">
    </head><body><article><h1>Fallback headline</h1>{body}</article></body></html>"""
    got = extract_article(html, "https://example.org/a")
    assert got.title == "Fallback headline"
    assert got.authors == ["Jane Doe", "John Roe"]
    assert got.published == datetime(2024, 6, 2, 10, tzinfo=timezone.utc)
    assert got.language == "de" and got.sources["title"] == "dom" and got.sources["authors"] == "meta"


@pytest.mark.parametrize("html, reason", [
    (b"", "empty"),
    (b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no article text"),
    (b"\xff\xfe\x00garbage\x80\x81" * 10, None),
])
def test_pages_without_an_article_give_a_reason(html, reason):
    with pytest.raises(NotAnArticle) as err:
        extract_article(html, "https://example.org/x")
    assert str(err.value) and (reason is None or reason in str(err.value))


def test_helpers():
    assert split_authors(["by Nate Ostiller and The Kyiv Independent news desk", "Nate Ostiller"]) == [
        "Nate Ostiller", "The Kyiv Independent news desk"]
    assert parse_date("2024-07-04T09:22:00+03:00") == datetime(2024, 7, 4, 6, 22, tzinfo=timezone.utc)
    assert parse_date("2024-07-04") == datetime(2024, 7, 4, tzinfo=timezone.utc)
    assert parse_date("not a date") is None and parse_date(None) is None


def test_seed_article_has_the_new_metadata_and_markdown(seed_page):
    truth, url, html = seed_page
    got = extract_article(html, url)
    assert got.publisher == "The Kyiv Independent" and "Russia" in got.tags
    assert got.markdown.split("\n\n") == list(truth.paragraphs)
    assert {got.sources[f] for f in ("publisher", "tags", "authors", "published")} == {"json-ld"}


def test_markdown_keeps_headings_lists_and_quotes():
    prose = "The harbour authority said ships would wait longer this winter as the port is rebuilt."
    html = f"""<html><head><title>Harbour works</title></head><body><article><h1>Harbour works</h1>
    <p>{prose}</p><h2>What changes</h2><ul><li>Fewer berths until May</li><li>Night shifts</li></ul>
    <blockquote><p>We will be ready by summer, the director said.</p></blockquote><p>{prose}</p>
    </article></body></html>"""
    got = extract_article(html, "https://example.org/harbour")
    assert "## What changes" in got.markdown and "- Fewer berths until May" in got.markdown
    assert "> We will be ready by summer" in got.markdown
    assert got.text.split("\n") == [prose, "What changes", "- Fewer berths until May", "- Night shifts",
                                    "We will be ready by summer, the director said.", prose]
    assert "Harbour works" not in got.text          # the headline is the title, not body


def test_text_is_decoded_whatever_the_declaration():
    prose = "Größere Häfen melden längere Wartezeiten für Frachter in diesem Winter, sagte die Behörde. " * 3
    html = f"<html><head><meta charset='iso-8859-1'><title>Häfen</title></head><body><p>{prose}</p></body></html>"
    assert extract_article(html.encode("utf-8"), "https://example.org/h").text == prose.strip()
    assert extract_article(html.encode("latin-1"), "https://example.org/h").text == prose.strip()


@pytest.mark.parametrize("fast", [True, False])
def test_the_body_is_the_one_bare_extraction_gives(seed_page, fast):
    """Cleaning calls trafilatura's cascade without bare_extraction's copy of the page: the body must
    be the same XML, in fast mode and with the comparison pass (a trafilatura upgrade can change this)."""
    import trafilatura
    from lxml import etree

    from pipelines.clean.cascade import Cascade
    from pipelines.clean.extract import _extract, parse_html
    _, url, html = seed_page
    expected = trafilatura.bare_extraction(parse_html(html), url=url, fast=fast, include_comments=False,
                                           include_tables=True, include_formatting=True).body
    got = _extract(Cascade(parse_html(html), url), fast=fast)
    assert etree.tostring(got) == etree.tostring(expected) and len(got) > 3
    empty = "<html><head><title>t</title></head><body><div><span> </span></div></body></html>"
    assert trafilatura.bare_extraction(parse_html(empty), url=url, fast=fast) is None
    assert _extract(Cascade(parse_html(empty), url), fast=fast) is None


def test_scripts_styles_and_drawings_leave_before_extraction_and_json_ld_stays():
    from pipelines.clean.extract import _drop_scripts, parse_html
    tree = parse_html("""<html><head><style>p {}</style><script type="application/ld+json">{"@type": "Thing"}</script>
        </head><body><p>One<script>var x = 1;</script> two<svg><g><text>drawn</text></g></svg> three</p></body></html>""")
    _drop_scripts(tree)
    assert [el.get("type") for el in tree.iter("script")] == ["application/ld+json"]
    assert tree.find(".//style") is None and tree.find(".//svg") is None
    assert tree.find(".//p").text_content() == "One two three"


def test_a_page_that_states_no_title_takes_the_heading_its_body_starts_with():
    """A truncated capture (no <head>, no <h1>) keeps its article, titled by its headline, or
    by its opening words when no heading starts its body."""
    prose = "<p>" + "The harbour reopened on Monday after a week of storms closed it to every ship. " * 4 + "</p>"
    html = f"<html><body><div id='story'><h3>Harbour reopens after storms</h3>{prose}{prose}</div></body></html>"
    got = extract_article(html, "http://news.example/harbour")
    assert got.title == "Harbour reopens after storms" and got.sources["title"] == "body"
    assert got.text.startswith("The harbour reopened") and "Harbour reopens" not in got.text
    # no heading either: the opening words, marked as such
    got = extract_article(f"<html><body><div>{prose}{prose}</div></body></html>", "http://news.example/x")
    assert got.title == "The harbour reopened on Monday after a week of storms closed it …"
    assert got.sources["title"] == "body" and got.text.startswith("The harbour reopened on Monday")
