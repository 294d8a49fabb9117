"""What the site lists is bounded by max_pages and the window, not by the trap budgets:
1,500 articles of one path shape in a sitemap are all archived; 1,500 generated links of
that shape found in a page are cut, and the health check says so."""
import json
from collections import Counter

import pytest
from deltalake import DeltaTable
from scrapy import Request

from spiders.budget import DROPPED_STAT, LISTED_META, CrawlBudget, path_shape
from spiders.scheduler import MAX_PAGES_REASON, MAX_PAGES_STAT, RunScheduler
from tests.support import FakeStats
from tests.generatedsites import ListedSite, run_pipeline



def test_listed_urls_pass_the_trap_budgets_and_are_not_counted_in_them():
    crawler = type("C", (), {"stats": FakeStats()})()
    budget = CrawlBudget(crawler, max_depth=1, per_shape=2)
    listed = [Request(f"http://x/a-rather-long-article-slug-{n:04d}/", meta={LISTED_META: True, "depth": 3})
              for n in range(5)]
    assert all(budget.allowed(r) for r in listed)
    found = [Request(f"http://x/a-rather-long-trap-page-slug-{n:04d}/", meta={"depth": 1}) for n in range(4)]
    assert [budget.allowed(r) for r in found] == [True, True, False, False]
    assert path_shape(listed[0].url) == path_shape(found[0].url) == "/#/"
    assert crawler.stats == {"budget/shape_exhausted": 2}
    for request in [*listed, *found[:2], found[3]]:        # the last one dropped is scheduled another way
        budget.scheduled(request)
    budget.spider_closed()
    assert crawler.stats[DROPPED_STAT + "shape_exhausted"] == 1 and crawler.stats[DROPPED_STAT + "too_deep"] == 0


def test_a_crawl_closed_by_max_pages_counts_what_it_left():
    scheduler = RunScheduler.__new__(RunScheduler)     # only what close() reads
    scheduler.stats, scheduler.dqs, scheduler.mqs = FakeStats(), None, [1, 2, 3]
    scheduler.df = type("D", (), {"close": lambda self, reason: None})()
    scheduler.close(MAX_PAGES_REASON)
    assert scheduler.stats == {MAX_PAGES_STAT: 3}
    scheduler.stats = FakeStats()
    scheduler.close("finished")
    assert scheduler.stats == {}


@pytest.mark.slow
def test_every_listed_article_is_archived_and_a_trap_is_cut_and_reported(tmp_path):
    with ListedSite(articles=1500, trap=1500) as site:
        code, out, err, _ = run_pipeline(tmp_path, "listed", site.site_file(max_pages=5000, per_pattern=200), site.base_url, "r1",
                                         timeout=600)
        hits = Counter(site.hits)
    assert code == 0, err[-3000:]
    assert all(hits[path] == 1 for path in site.articles)
    assert sum(hits[path] for path in site.trap) == 200            # max_pages_per_pattern
    rows = DeltaTable(str(tmp_path / "store" / "articles")).to_pyarrow_table(columns=["url"]).to_pylist()
    assert sorted(row["url"] for row in rows) == sorted(site.base_url + path for path in site.articles)
    manifest = json.loads((tmp_path / "store" / "runs" / "listed" / "r1.json").read_text())
    assert manifest["crawl"]["budget_dropped"]["path_shape_exhausted"] == 1300
    assert manifest["health"]["result"] == "warning"
    assert manifest["health"]["warnings"] == ["the max_pages_per_pattern limit dropped 1300 URLs"]


@pytest.mark.slow
def test_a_crawl_cut_by_max_pages_reports_what_it_left(tmp_path):
    import subprocess
    import sys

    (tmp_path / "sites").mkdir()
    with ListedSite(articles=300, trap=0) as site:
        (tmp_path / "sites" / "listed.toml").write_text(site.site_file(max_pages=100))
        result = subprocess.run([sys.executable, "-m", "spiders.crawl", "listed", "--out", str(tmp_path / "out"),
                                 "--run-id", "cut", "--base-url", site.base_url + "/", "--sites-dir",
                                 str(tmp_path / "sites")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "out" / "crawl-summary.json").read_text())
    assert summary["finish_reason"] == "closespider_pagecount"
    left = summary["budget_dropped"]["max_pages"]
    assert left > 0 and summary["responses"] + left >= 302        # home, sitemap and 300 articles
