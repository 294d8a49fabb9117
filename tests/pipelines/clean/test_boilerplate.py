from lxml import etree

from pipelines.clean import boilerplate
from pipelines.clean.boilerplate import link_texts, prune, words
from pipelines.clean.markdown import render

PROSE = "The council voted on the budget after a long debate about schools, roads and the new library."


def body(xml: str):
    return etree.fromstring(f"<body>{xml}</body>")


def test_prune_removes_teasers_headline_and_calls_to_action_but_keeps_prose():
    page = etree.HTML("<a href='/1'>Other story everybody reads today</a><a href='/2'>Mayor</a>")
    b = body(f"<head rend='h1'>Headline</head><head rend='h2'>Standfirst</head><p>{PROSE}</p>"
             "<p>Other story everybody reads today</p>"
             "<list><item>Other story everybody reads today</item><item>A real list item about schools</item></list>"
             "<p>Sign up for our newsletter!</p><p>https://example.org/story</p>"
             f"<head rend='h2'>A subheading</head><p>The Mayor said: {PROSE}</p><p>Copyright 2024 Example Media</p>")
    prune(b, link_texts(page))
    text, md = render(b)
    assert text.split("\n") == [PROSE, "- A real list item about schools", "A subheading", f"The Mayor said: {PROSE}"]
    assert "- A real list item about schools" in md and "## A subheading" in md


def test_long_paragraphs_that_mention_subscribers_are_prose():
    paragraph = "Copyright lawyers said the case " + PROSE * 3
    b = body(f"<p>{PROSE}</p><p>{paragraph}</p>")
    prune(b, {})
    assert render(b)[0].split("\n") == [PROSE, paragraph]


def test_short_lines_that_spell_out_a_url_send_the_reader_elsewhere():
    cited = f"{PROSE} The full report is at https://example.org/report and runs to 300 pages of tables."
    b = body(f"<p>{PROSE}</p><p>Follow our coverage of the budget at https://example.org/budget</p>"
             f"<p>Podcast: https://po.st/budget</p><p>{cited}</p>")
    prune(b, {})
    assert render(b)[0].split("\n") == [PROSE, cited]


def test_words_normalises_for_comparison():
    assert words("  Hello,   World! ") == "hello world"


def test_a_body_of_short_lines_reads_as_a_menu():
    menu = etree.fromstring("<body><p>Home\nNews\nSport\nCity council\nContact us</p><p>About the city hall</p></body>")
    assert boilerplate.is_menu(menu)
    prose = etree.fromstring("<body><p>The council met on Tuesday and agreed to repair the bridge by spring.</p>"
                             "<p>Contact us</p><p>Home</p></body>")
    assert not boilerplate.is_menu(prose)
