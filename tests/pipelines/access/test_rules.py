"""Which URLs a takedown withholds, and the pywb access rules made from it."""
import pytest

from pipelines.access.acl import rule_lines, write_acl
from pipelines.access.rules import Rule, Withheld, check_target


def test_an_exact_takedown_matches_the_page_in_any_spelling():
    rules = Withheld([Rule("td-1", "https://news.test/2024/story/?utm_source=x")])
    for url in ("https://news.test/2024/story/", "http://NEWS.test/2024/story", "https://news.test/2024/story/#top"):
        assert rules.withholds(url), url
    for url in ("https://news.test/2024/story-two/", "https://news.test/2024/", "https://other.test/2024/story/"):
        assert not rules.withholds(url), url


def test_a_prefix_takedown_matches_everything_under_it():
    rules = Withheld([Rule("td-2", "https://news.test/opinion/*")])
    assert rules.withholds("http://news.test/opinion/a/") and rules.withholds("https://news.test/opinion/")
    assert not rules.withholds("https://news.test/opinions/a/") and not rules.withholds("https://news.test/")
    assert rules.mask(["https://x.test/", "https://news.test/opinion/b"], [None, None]) == [False, True]


def test_the_canonical_url_counts_too():
    rules = Withheld([Rule("td-3", "https://news.test/a/")])
    assert rules.withholds("https://news.test/amp/a/?x=1", "https://news.test/a/")


@pytest.mark.parametrize("bad", ["news.test/a", "ftp://news.test/a", "https://", ""])
def test_a_target_must_be_an_http_url(bad):
    with pytest.raises(ValueError):
        check_target(bad)


def test_acl_lines_block_exact_pages_and_prefixes_in_pywb_order(tmp_path):
    rules = [Rule("td-1", "https://news.test/a/"), Rule("td-2", "https://news.test/opinion/*")]
    lines = rule_lines(rules, {"td-1": {"https://news.test/amp/a/"}})
    keys = [line.split(" ", 1)[0] for line in lines]
    assert keys == sorted(keys, reverse=True)                    # pywb searches them in reverse order
    assert set(keys) == {"test,news)/a###", "test,news)/amp/a###", "test,news)/opinion/"}
    assert all('"access": "block"' in line for line in lines)
    path = tmp_path / "acl.aclj"
    assert write_acl(path, lines) and not write_acl(path, lines)    # unchanged: not rewritten
    assert path.read_text().splitlines() == lines
