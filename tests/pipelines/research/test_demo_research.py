"""The issue's demo scenario end to end, through the command line and the replay server:
`newsarchive demo`, then a revision run; search by body phrase, author and title words,
every version and the archive as it was; a takedown of the seed article withheld from replay
(451), search, export, show and history, with its audit row, and all of it back after the
lift, the WARC files byte for byte the same."""
from __future__ import annotations

import hashlib
import html
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from demosite import build_articles
from tests.browser import CHROMIUM, Chromium
from tests.support import free_port

pytestmark = pytest.mark.slow
CLI = str(Path(sys.executable).with_name("newsarchive"))
SEED_TITLE = "Relations between Russia, China are 'at their best in history,' Xi, Putin says"


def newsarchive(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def search(work: Path, *args: str) -> list[dict]:
    result = newsarchive("search", *args, "--format", "jsonl", cwd=work)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def revised_demo(tmp_path_factory):
    """(folder with ./archive after `demo` and `demo --revision 2`, a moment between the two runs)."""
    work = tmp_path_factory.mktemp("research")
    port = str(free_port())
    assert newsarchive("demo", "--port", port, cwd=work).returncode == 0
    between = datetime.now(timezone.utc)
    time.sleep(1)
    result = newsarchive("demo", "--port", port, "--revision", "2", cwd=work)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "search index" in result.stdout
    return work, between


@pytest.fixture(scope="module")
def seed(revised_demo):
    work, _ = revised_demo
    rows = search(work, f'title:"{SEED_TITLE}"')
    assert len(rows) == 1
    return rows[0]


@pytest.fixture(scope="module")
def revised():
    """A demo article whose revision changed its headline: (old headline, new headline)."""
    old = {a.path: a.headline for a in build_articles(1)}
    article = next(a for a in build_articles(2) if a.revised and a.headline != old[a.path])
    return old[article.path], article.headline


def test_search_finds_the_seed_by_body_phrase_author_and_title_words(revised_demo, seed):
    work, _ = revised_demo
    assert [r["title"] for r in search(work, '"Shanghai Cooperation Organization"')] == [SEED_TITLE]
    assert SEED_TITLE in [r["title"] for r in search(work, 'author:"Nate Ostiller"', "--limit", "100")]
    assert search(work, "relations russia china best history")[0]["title"] == SEED_TITLE
    assert seed["version"] == 1 and seed["site"] == "demo" and seed["replay_path"].startswith("/demo/")
    assert "[[" in search(work, '"Shanghai Cooperation Organization"')[0]["snippet"]


def test_every_version_and_the_archive_before_the_revision(revised_demo, revised):
    work, between = revised_demo
    old, new = revised
    words = " ".join(w for w in old.split() if w in new.split())        # in both headlines
    latest = [r for r in search(work, f"title:({words})") if r["title"] in (old, new)]
    assert [(r["title"], r["version"]) for r in latest] == [(new, 2)]
    both = [r for r in search(work, f"title:({words})", "--all-versions") if r["title"] in (old, new)]
    assert sorted((r["version"], r["title"]) for r in both) == [(1, old), (2, new)]
    before = [r for r in search(work, f"title:({words})", "--as-of", between.isoformat()) if r["title"] in (old, new)]
    assert [(r["title"], r["version"]) for r in before] == [(old, 1)]


def _warc_digests(work: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((work / "archive" / "warcs").rglob("*.warc.gz"))}


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode(errors="replace")


def _until(check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.3)
    return result


def test_a_takedown_withholds_the_article_everywhere_and_a_lift_restores_it(revised_demo, seed, tmp_path,
                                                                             monkeypatch):
    from pipelines.store import open_store
    from pipelines.warc.replay import ReplayServer

    work, _ = revised_demo
    url = seed["url"]
    digests = _warc_digests(work)
    monkeypatch.setenv("NEWSARCHIVE_REPLAY_REFRESH_SECONDS", "0.5")
    with ReplayServer(open_store(work / "archive"), tmp_path / "pywb") as replay:
        page = replay.url.rstrip("/") + seed["replay_path"]
        assert _get(page)[0] == 200

        added = newsarchive("takedown", "add", url, "--reason", "court order 12/3", "--by", "legal team", cwd=work)
        assert added.returncode == 0, added.stderr
        takedown_id = added.stdout.split(":")[0]
        status, body = _until(lambda: (r := _get(page))[0] == 451 and r)
        assert status == 451 and "This capture is withheld" in body
        assert _get(f"{replay.url}research/history?url={url}")[0] == 451
        assert html.escape(SEED_TITLE) not in _get(f"{replay.url}research/?q=Shanghai+Cooperation")[1]

        assert search(work, '"Shanghai Cooperation Organization"') == []
        for command in ("show", "history"):
            refused = newsarchive(command, url, cwd=work)
            assert refused.returncode == 2 and "withheld" in refused.stderr
        assert newsarchive("export", "--format", "jsonl", "--out", "all.jsonl", cwd=work).returncode == 0
        exported = [json.loads(line)["url"] for line in (work / "all.jsonl").read_text().splitlines()]
        assert url not in exported and len(exported) == 269
        audit = json.loads(newsarchive("takedown", "list", "--format", "jsonl", cwd=work).stdout)
        assert (audit["takedown_id"], audit["reason"], audit["added_by"]) == (takedown_id, "court order 12/3",
                                                                              "legal team")
        assert newsarchive("verify", cwd=work).returncode == 0        # withheld records are still checked

        lifted = newsarchive("takedown", "lift", takedown_id, "--by", "editor", cwd=work)
        assert lifted.returncode == 0, lifted.stderr
        assert _until(lambda: _get(page)[0] == 200)
        assert html.escape(SEED_TITLE) in _get(f"{replay.url}research/?q=Shanghai+Cooperation")[1]
    assert [r["title"] for r in search(work, '"Shanghai Cooperation Organization"')] == [SEED_TITLE]
    assert newsarchive("show", url, cwd=work).returncode == 0 and newsarchive("history", url, cwd=work).returncode == 0
    assert newsarchive("export", "--format", "jsonl", "--out", "all.jsonl", cwd=work).returncode == 0
    assert url in (work / "all.jsonl").read_text()
    trail = [json.loads(line) for line in
             newsarchive("takedown", "list", "--all", "--format", "jsonl", cwd=work).stdout.splitlines()]
    assert [(r["takedown_id"], r["lifted_by"]) for r in trail] == [(takedown_id, "editor")]
    assert _warc_digests(work) == digests


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed")
def test_the_research_page_in_chromium(revised_demo, revised, tmp_path):
    """Search, then a click to the replayed capture (the demo site is stopped by now: every
    request must be answered by the replay server), then back and a click to the diff."""
    from urllib.parse import urlsplit

    from pipelines.store import open_store
    from pipelines.warc.replay import ReplayServer

    work, _ = revised_demo
    old, new = revised
    words = " ".join(w for w in old.split() if w in new.split())
    with ReplayServer(open_store(work / "archive"), tmp_path / "pywb") as replay, \
            Chromium(tmp_path / "profile") as browser:
        here = urlsplit(replay.url).netloc
        tab = browser.tab()
        tab.goto(replay.url + "research/")
        tab.evaluate(f"document.querySelector('input[name=q]').value = {json.dumps('title:(' + words + ')')}")
        results = tab.click("form button")
        assert tab.evaluate("location.pathname") == "/research/"
        assert new in tab.evaluate("document.body.innerText")
        assert all(urlsplit(f.url).netloc == here for f in results.fetches.values())     # no external asset

        capture = tab.click("div.hit a.capture")
        assert tab.evaluate("location.pathname").startswith("/demo/")
        assert new in tab.evaluate("document.title + document.body.innerText")
        outside = [f.url for f in capture.fetches.values() if urlsplit(f.url).netloc != here]
        assert outside == [], f"live requests: {outside[:5]}"
        assert [f for f in capture.fetches.values() if f.status == 200]

        tab.evaluate("history.back()")
        time.sleep(1)
        tab.click("div.hit a.diff")
        assert tab.evaluate("location.pathname") == "/research/diff"
        assert tab.evaluate("document.querySelectorAll('del').length") > 0
        assert tab.evaluate("document.querySelectorAll('ins').length") > 0
        assert new in tab.evaluate("document.body.innerText")
        tab.close()
