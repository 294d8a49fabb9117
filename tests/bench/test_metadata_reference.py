"""The title reference's corrections in bench/metadata.py, on hand-made JSON-LD: each accepts
only the defect it names, and the strict figure never changes."""
from datetime import datetime

from bench.metadata import Truth, corrected_by, cut_at_limit, title_references

URL = "https://www.example-news.com/2019/11/story"


def test_alternative_headline_is_accepted():
    also = title_references({"headline": "A", "alternativeHeadline": "Other wording"}, None, URL)
    assert also == {"alternativeHeadline": "Other wording"}


def test_a_trailing_site_name_is_dropped_only_when_it_is_the_sites():
    assert title_references({"headline": "Governor doubles down | TheHill"}, "TheHill", URL) == {
        "site name": "Governor doubles down"}
    # a label of the host names the site as well
    assert title_references({"headline": "Deals on PS4 - Example News"}, None, URL) == {"site name": "Deals on PS4"}
    assert title_references({"headline": "Deals on PS4 - Example"}, None, URL) == {}
    assert title_references({"headline": "Storm hits coast - live updates"}, "TheHill", URL) == {}
    assert title_references({"headline": "Q&A: what next"}, "TheHill", URL) == {}


def test_a_headline_cut_at_the_length_limit():
    whole = "Hunter diagnosed with bubonic plague after eating a rabbit making him third Beijing local to contract medieval disease"
    cut = whole[:101]
    assert len(cut) == 101 and cut_at_limit(cut, whole)
    assert cut_at_limit(cut[:-9], whole) is False              # 92 characters: below the limit
    assert not cut_at_limit(cut[:-1], whole)                   # cut inside a word: not a word-prefix
    assert not cut_at_limit(whole[:58], whole)                 # too short to have been cut at the limit
    assert not cut_at_limit(cut, cut + " disease")             # the title is within the limit itself
    assert not cut_at_limit(cut, "Another title " + whole)


def test_corrections_name_their_rule_and_the_wrong_title_stays_wrong():
    truth = Truth("Key moments | TheHill", None, None, {"alternativeHeadline": "Volker testimony",
                                                        "site name": "Key moments"})
    assert corrected_by("Key moments", truth) == "site name"
    assert corrected_by("Volker testimony", truth) == "alternativeHeadline"
    assert corrected_by("Something else", truth) is None
    assert Truth("T", None, datetime(2019, 1, 1)).also == {}
