"""The demo site's fault modes, page by page (the health tests crawl them)."""
import pytest

from pipelines.clean.extract import extract_article
from demosite import pages
from demosite.server import route

BASE = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def article_path():
    return pages.catalog(1).articles[0].path


def test_markup_fault_leaves_extraction_only_page_chrome(article_path):
    healthy = extract_article(route(article_path, BASE, 1).body, BASE + article_path)
    broken = route(article_path, BASE, 1, "markup")
    assert broken.status == 200 and b'id="app"' in broken.body
    assert len(extract_article(broken.body, BASE + article_path).text.split()) < len(healthy.text.split()) / 3


def test_robots_fault_disallows_every_article_but_no_section(article_path):
    from protego import Protego

    rules = Protego.parse(route("/robots.txt", BASE, 1, "robots").body.decode())
    assert not any(rules.can_fetch(BASE + a.path, "newsarchive") for a in pages.catalog(1).articles)
    assert all(rules.can_fetch(f"{BASE}/{s}/", "newsarchive") for s in ("news", "war", "business"))
    assert route("/robots.txt", BASE, 1).body.decode().count("Disallow") == 1     # healthy: /private/ only


def test_forbidden_fault_answers_403_for_articles_only(article_path):
    assert route(article_path, BASE, 1, "forbidden").status == 403
    assert route("/news/", BASE, 1, "forbidden").status == 200
    with pytest.raises(ValueError, match="unknown fault"):
        from demosite import DemoSite
        DemoSite(fault="flood")
