"""Replay completeness in a real browser: headless Chromium opens archived demo articles
through `newsarchive replay` (pywb) with the demo site, its CDN and its photo agency
stopped, and every request the pages make is recorded over the DevTools protocol.

Every requisite must be answered from the archive, and no request may reach an origin
directly (with the origins stopped, one that tried would fail and be counted)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser import CHROMIUM, Chromium

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed")]
NEWSARCHIVE = str(Path(sys.executable).with_name("newsarchive"))
ARCHIVED = re.compile(r"^/demo/\d{14}[a-z_]*/(https?://.+)$")
PAGES = 6                        # articles opened, from different sections and days


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    """(demo origins as the pages name them, articles, replay base URL) with the origins stopped."""
    from pipelines.warc.replay import ReplayServer
    from pipelines.store import open_store
    from demosite import DemoSite

    work = tmp_path_factory.mktemp("completeness")
    store = work / "store"
    with DemoSite() as site:
        origins, articles = site.origins, site.articles()
        subprocess.run([NEWSARCHIVE, "run", "demo", "--base-url", site.base_url, "--store", str(store),
                        "--staging", str(work / "staging")], check=True, capture_output=True, timeout=600)
        base = site.base_url
    with ReplayServer(open_store(store), work / "pywb") as replay:
        yield base, origins, articles[:: len(articles) // PAGES][:PAGES], replay


def test_every_requisite_comes_from_the_archive_and_nothing_from_the_origins(replayed, tmp_path):
    base, origins, articles, replay = replayed
    pywb = urlsplit(replay.url).netloc
    answered, missing, direct, refused_by_robots = [], [], [], []
    with Chromium(tmp_path / "profile") as browser:
        for article in articles:
            page = browser.load(replay.page_url("demo", base + article.path))
            for fetch in page.fetches.values():
                parts = urlsplit(fetch.url)
                if parts.netloc != pywb:
                    direct.append(fetch.url)
                    continue
                archived = ARCHIVED.match(parts.path + (f"?{parts.query}" if parts.query else ""))
                if not archived or archived.group(1).rstrip("/") == (base + article.path).rstrip("/"):
                    continue                            # pywb's own scripts, or the page itself
                original = archived.group(1)
                if original.startswith(origins.agency + "/photos/"):
                    refused_by_robots.append((original, fetch.status))
                elif fetch.status == 200:
                    answered.append(original)
                else:
                    missing.append((original, fetch.status, fetch.error))
    assert direct == [], f"requests that went around the archive: {direct[:5]}"
    assert missing == [], f"requisites the archive did not answer: {missing[:5]}"
    hosts = {urlsplit(u).netloc for u in answered}
    assert urlsplit(origins.cdn).netloc in hosts and urlsplit(base).netloc in hosts
    kinds = {u.rsplit(".", 1)[-1] for u in answered}
    assert {"css", "js", "png", "woff2"} <= kinds, kinds       # stylesheet, script, images, its font
    assert any("-640.png" in u or "-320.png" in u for u in answered)   # picture/srcset/lazy-loaded
    # the agency's photos were never crawled (its robots.txt): pywb says so, the origin is not asked
    assert refused_by_robots and all(status == 404 for _, status in refused_by_robots)
    print(f"replay completeness: {len(answered)}/{len(answered) + len(missing)} requisites from the archive "
          f"over {len(articles)} pages; {len(direct)} direct requests; "
          f"{len(refused_by_robots)} robots-refused photos answered 404 by pywb")
