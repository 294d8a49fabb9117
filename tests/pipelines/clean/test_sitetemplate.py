"""Site templates: learnt from the demo site's pages, used by the clean step, `extract` and reclean."""
import json
from functools import lru_cache

from pipelines.clean import sitetemplate
from pipelines.clean.boilerplate import words
from pipelines.clean.step import clean_warcs
from pipelines.cli.main import main
from pipelines.clean.extract import extract_article, parse_html
from pipelines.clean.sitetemplate import Boilerplate, SiteTemplate, TemplateStore, page_keys, repeated_texts
from pipelines.store import open_store
from demosite import build_articles
from demosite.server import route
from spiders.siteconfig import load_site

BASE = "http://127.0.0.1:8765"
# the demo site's chrome, on every article page; the per-page rules and trafilatura drop it too,
# so it is checked here on the blocks the template finds in each page
CHROME = ["this month 1 000 people chose to support the kyiv independent can we count on you too",
          "become a member", "skip to content", "edit post", "this audio is created with ai assistance",
          "sign up for our newsletter", "wtf is wrong with russia", "let s see how far we can go",
          "show us support this birthday month", "news feed", "more news", "editors picks",
          "enter your email to subscribe", "indicates required", "about", "privacy",
          "2024 the kyiv independent all rights reserved"]
# prose that the per-page rules cannot tell from article text: long, no links, no call to action
NOTICE = ("The reporting in this story was supported by readers who chose to pay for independent "
          "journalism in a year when many newsrooms in the region had to close their doors, and every "
          "contribution we receive is spent on reporters, editors and the safety equipment they need.")


@lru_cache(maxsize=None)
def demo_pages() -> tuple:
    return tuple((a, BASE + a.path, route(a.path, BASE, 1).body) for a in build_articles(1))


def learnt(pages) -> Boilerplate:
    template = SiteTemplate("demo")
    for _, url, html in pages:
        template.learn(url, page_keys(parse_html(html)))
    return Boilerplate(template.boilerplate(), 1)


def with_notice(html: bytes) -> bytes:
    """The page with NOTICE as a paragraph of its article body, after the first one."""
    head, sep, rest = html.decode().partition("</p>\n")
    assert "article-content" in head
    return (head + sep + f"<p>{NOTICE}</p>\n" + rest).encode()


def test_demo_template_finds_every_chrome_block_and_no_article_paragraph():
    pages = demo_pages()
    shared = [p for p in {p for a, _, _ in pages for p in a.paragraphs}
              if sum(p in a.paragraphs for a, _, _ in pages) > 1]
    assert shared                      # the demo site's articles do share some paragraphs
    template = learnt(pages)
    for article, url, html in pages:
        repeated = repeated_texts(parse_html(html), template)
        assert all(block in repeated for block in CHROME), url
        assert not any(words(p) in repeated for p in article.paragraphs), url


def test_template_removes_a_notice_repeated_in_every_body_and_keeps_every_paragraph():
    pages = [(a, url, with_notice(html)) for a, url, html in demo_pages()[:12]]
    before = extract_article(pages[0][2], pages[0][1])
    assert NOTICE in before.text       # the per-page rules keep it
    template = learnt(pages)
    for article, url, html in pages:
        got = extract_article(html, url, template)
        assert got.text.split("\n") == list(article.paragraphs), url
        assert got.sources["body"] == "site-template/v1"


def test_extract_groups_files_by_site_and_learns_its_template(tmp_path, capsys):
    pages = [(a, url, with_notice(html)) for a, url, html in demo_pages()[:4]]
    files = []
    for i, (_, _, html) in enumerate(pages):
        files.append(tmp_path / f"{i}.html")
        files[-1].write_bytes(html)
    other = tmp_path / "other.html"        # another site's page: its own group, no template
    other.write_bytes(with_notice(demo_pages()[5][2]).replace(b"127.0.0.1:8765", b"news.example"))
    assert main(["extract", *map(str, files), str(other)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for (article, _, _), row in zip(pages, rows):
        assert row["text"].split("\n") == list(article.paragraphs)
    assert NOTICE in rows[-1]["text"] and "body" not in rows[-1]["sources"]

    assert main(["extract", "--site", "one", *map(str, files[:2]), str(other)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(NOTICE not in row["text"] for row in rows)


def test_a_block_on_one_page_or_a_few_is_never_boilerplate():
    template = SiteTemplate("s", share=0.0, min_pages=3)
    template.learn("a", ["nav", "only-a"])
    template.learn("a", ["nav", "only-a"])      # a re-capture of the same page counts once
    template.learn("b", ["nav", "ab"])
    assert template.boilerplate() == frozenset()
    template.learn("c", ["nav", "ab"])
    assert template.boilerplate() == {"nav"}
    template = SiteTemplate("s", share=0.5, min_pages=2)
    for page in "abcdef":
        template.learn(page, ["nav"] + (["ab"] if page in "ab" else []))
    assert template.boilerplate() == {"nav"}


def test_a_duplicate_page_keeps_its_text():
    """The same article under several URLs: its paragraphs repeat, but it is not chrome."""
    article, url, html = demo_pages()[0]
    copies = [(article, f"{url}?copy={i}", html) for i in range(4)]
    template = learnt(copies + list(demo_pages()[1:4]))
    assert all(words(p) in repeated_texts(parse_html(html), template) for p in article.paragraphs)
    assert extract_article(html, url, template).text.split("\n") == list(article.paragraphs)


def test_clean_step_learns_a_version_per_run_and_a_pinned_version_writes_none(demo_site, demo_crawl, tmp_path):
    _, files = demo_crawl
    store = open_store(tmp_path / "store")
    keys = [store.put_file(path, f"warcs/demo/{path.name}").key for path in files]
    site = load_site("demo").with_base_url(demo_site.base_url)
    first = clean_warcs(store, keys, site, "run-1")
    templates = TemplateStore(store)
    assert templates.versions("demo") == [1]
    v1 = templates.load("demo", 1)
    assert len(v1.pages) == len(demo_site.articles()) and v1.boilerplate()
    truth = {demo_site.base_url + a.path: a for a in demo_site.articles()}
    for row in first.articles:
        assert row["text"].split("\n") == list(truth[row["url"]].paragraphs)
        assert json.loads(row["sources"])["body"] == "site-template/v1"

    again = clean_warcs(store, keys, site, "run-2")            # same pages: counted once, same template
    assert templates.versions("demo") == [1, 2]
    assert templates.load("demo", 2).counts == v1.counts
    assert [r["content_hash"] for r in again.articles] == [r["content_hash"] for r in first.articles]
    pinned = clean_warcs(store, keys, site, "run-3", template_version=1)
    assert templates.versions("demo") == [1, 2]                # a pinned version writes none
    assert {json.loads(r["sources"])["body"] for r in pinned.articles} == {"site-template/v1"}


def test_template_round_trips_through_json():
    template = SiteTemplate("s", version=3, share=0.3, min_pages=4)
    for page in "abc":
        template.learn(page, ["x", page])
    back = SiteTemplate.from_json(template.to_json())
    assert (back.version, back.pages, back.share, back.min_pages) == (3, {"a", "b", "c"}, 0.3, 4)
    assert back.counts == {"x": 3}                              # blocks seen once are not kept
    assert sitetemplate.SHARE <= 0.5 and sitetemplate.MIN_PAGES >= 2
