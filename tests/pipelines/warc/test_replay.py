"""Replay through pywb: the original bytes of a demo article, the page in headless
Chromium, a revisit resolved to its earlier capture, and WARCs read straight from S3."""
import html
import os
import shutil
import subprocess
import urllib.request
from datetime import datetime, timezone

import pytest

from pipelines.warc.replay import ReplayError, ReplayServer, archive_root
from pipelines.store import open_store

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and os.access(p, os.X_OK)), None)


def get(url: str) -> tuple[int, bytes, dict]:
    with urllib.request.urlopen(url, timeout=30) as resp:     # no Accept-Encoding: the decoded page
        return resp.status, resp.read(), dict(resp.headers)


@pytest.fixture(scope="module")
def replay(warc_archive, tmp_path_factory):
    with ReplayServer(warc_archive["store"], tmp_path_factory.mktemp("pywb")) as server:
        yield server


@pytest.fixture(scope="module")
def article(demo_site):
    return demo_site.articles()[0]


def test_replayed_body_is_the_original_page(replay, demo_site, article):
    url = demo_site.base_url + article.path
    status, body, _ = get(replay.page_url("demo", url, original=True))
    assert status == 200
    assert body == get(url)[1]


def test_replay_as_of_a_time_picks_that_capture(replay, warc_archive, demo_site, article):
    """The first run's time gives the full response, now the second run's revisit:
    pywb serves the same page for both and says which capture it used. (The home page:
    articles are re-checked conditionally, and their 304s are not replayed.)"""
    url = demo_site.base_url + "/"
    bodies, dates = [], []
    for at in (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime.now(timezone.utc)):
        _, body, headers = get(replay.page_url("demo", url, at, original=True))
        bodies.append(body)
        dates.append(headers.get("Memento-Datetime"))
    assert bodies[0] == bodies[1] == get(url)[1]
    assert dates[0] and dates[1] and dates[0] != dates[1]


def test_headline_in_headless_chromium(replay, demo_site, article, tmp_path):
    if CHROMIUM is None:
        pytest.skip("no Chromium found (/usr/bin/chromium or chromium on PATH): install Debian's `chromium`")
    url = replay.page_url("demo", demo_site.base_url + article.path)
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = html.unescape(result.stdout)
    assert "wbinfo" in dom                          # served (and rewritten) by pywb, not the live site
    assert article.headline in dom


def test_replay_reads_warcs_from_s3(warc_archive, s3_store, demo_site, article, tmp_path):
    local = warc_archive["store"]
    for obj in local.list("warcs/"):
        s3_store.put_bytes(obj.key, local.get_bytes(obj.key))
    for obj in local.list("indexes/"):
        s3_store.put_bytes(obj.key, local.get_bytes(obj.key))
    assert archive_root(s3_store).startswith("s3://")
    url = demo_site.base_url + article.path
    with ReplayServer(s3_store, tmp_path) as server:
        status, body, _ = get(server.page_url("demo", url, original=True))
    assert status == 200 and body == get(url)[1]


def test_an_empty_store_is_one_line_error(tmp_path):
    with pytest.raises(ReplayError, match="nothing to replay"):
        ReplayServer(open_store(tmp_path / "empty"), tmp_path).start()
