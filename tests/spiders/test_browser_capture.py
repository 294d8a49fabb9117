"""Browser capture end to end, on the demo's pages built by scripts (demosite/scripted.py):
the `demo-live` site crawled by the whole pipeline (`newsarchive run`) once without a
browser and twice with one, then replayed through `newsarchive replay` in headless Chromium
with every demo origin stopped."""
from __future__ import annotations

import collections
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser import CHROMIUM, Chromium

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed")]
BIN = Path(sys.executable).parent
SITES = Path(__file__).parents[2] / "spiders" / "sites"
ARCHIVED = re.compile(r"^/demo-live/\d{14}[a-z_]*/(https?://.+)$")


def _run(store: Path, staging: Path, base: str, sites: Path) -> None:
    subprocess.run([str(BIN / "newsarchive"), "run", "demo-live", "--base-url", base, "--store", str(store),
                    "--staging", str(staging)], check=True, capture_output=True, timeout=600,
                   env={**__import__("os").environ, "NEWSARCHIVE_SITES_DIR": str(sites)})


def _without_browser(folder: Path) -> Path:
    """The demo-live site file as it would be without its [browser] section."""
    folder.mkdir()
    text = (SITES / "demo-live.toml").read_text().replace("[browser]\nenabled = true", "[browser]\nenabled = false")
    assert not tomllib.loads(text)["browser"]["enabled"]
    (folder / "demo-live.toml").write_text(text)
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from demosite import DemoSite, scripted

    work = tmp_path_factory.mktemp("browsercapture")
    with DemoSite() as site:
        base = site.base_url
        _run(work / "scrapy-store", work / "staging-s", base, _without_browser(work / "sites"))
        _run(work / "store", work / "staging-1", base, SITES)
        first = _warc_records(work / "store")
        _run(work / "store", work / "staging-2", base, SITES)
    return {"work": work, "base": base, "articles": scripted.articles(), "first": first,
            "second": [r for r in _warc_records(work / "store") if r not in first]}


def _warc_records(store: Path) -> list[tuple]:
    """(file, record type, target URI, WARC headers) of every record in the store's WARCs."""
    from warcio.archiveiterator import ArchiveIterator

    found = []
    for path in sorted(store.glob("warcs/demo-live/**/*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                headers = dict(record.rec_headers.headers)
                found.append((path.name, record.rec_type, headers.get("WARC-Target-URI", ""),
                              json.dumps(headers, sort_keys=True)))
    return found


def _articles(store: Path) -> list[dict]:
    code = ("import json, os, sys\nfrom deltalake import DeltaTable\n"
            "rows = DeltaTable(sys.argv[1]).to_pyarrow_table().to_pylist()\n"
            "print(json.dumps(rows, default=str)); sys.stdout.flush(); os._exit(0)")
    out = subprocess.run([sys.executable, "-c", code, str(store / "articles")], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    return json.loads(out)


def _f1(reference: str, found: str) -> float:
    ref, got = (collections.Counter(re.findall(r"\w+", t.lower())) for t in (reference, found))
    common = sum((ref & got).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def _body_words(article, text: str) -> int:
    """Words of the article's body archived: those of its sentences found whole in `text` (the
    shell's headline, byline and noscript notice are not its body)."""
    from demosite.content import sentences

    return sum(len(s.split()) for p in article.paragraphs for s in sentences(p) if s in text)


def test_without_a_browser_the_script_pages_archive_no_body(runs):
    store = runs["work"] / "scrapy-store"
    rows = {urlsplit(r["url"]).path: r["text"] for r in _articles(store)} if (store / "articles").exists() else {}
    assert sum(_body_words(a, rows.get(a.path, "")) for a in runs["articles"]) == 0
    browser = {urlsplit(r["url"]).path: r["text"] for r in _articles(runs["work"] / "store")}
    assert all(_body_words(a, browser[a.path]) == sum(len(p.split()) for p in a.paragraphs)
               for a in runs["articles"]), "the same measure finds the whole body in browser mode"
    uris = {uri for _, kind, uri, _ in _warc_records(store) if kind == "response"}
    assert not any("/live/images/" in u for u in uris), "lazy images are loaded by the script alone"


def test_with_a_browser_every_article_has_its_full_body(runs):
    from demosite import scripted

    rows = _articles(runs["work"] / "store")
    by_path = {urlsplit(row["url"]).path: row for row in rows}
    assert set(by_path) == {a.path for a in runs["articles"]}, "every script-built article, and only them"
    for article in runs["articles"]:
        row = by_path[article.path]
        assert _f1(scripted.body_text(article), row["text"]) >= 0.95, article.path
        sources = json.loads(row["sources"])
        assert sources["body"].startswith("rendered DOM") and sources["title"] == "json-ld"
        assert row["title"] == article.headline and row["authors"] == list(article.authors)


def test_every_lazy_image_and_json_response_is_a_record(runs):
    from demosite import scripted

    base = runs["base"]
    responses = {uri for _, kind, uri, _ in runs["first"] if kind == "response"}
    images = {f"{base}/live/images/{a.slug}-{n}.png" for a in runs["articles"]
              for n in range(1, scripted.LAZY_IMAGES + 1)}
    bodies = {f"{base}/live/api/articles/{a.slug}.json" for a in runs["articles"]}
    listing = {f"{base}/live/api/list/{n}.json" for n in (2, 3)}        # loaded as the section page scrolled
    assert images <= responses, sorted(images - responses)[:3]
    assert bodies | listing <= responses, sorted((bodies | listing) - responses)[:3]


def test_dom_and_screenshot_records_are_tied_to_the_page(runs):
    records = runs["first"]
    ids = {json.loads(h)["WARC-Record-ID"]: uri for _, kind, uri, h in records if kind in ("response", "revisit")}
    for article in runs["articles"]:
        page = runs["base"] + article.path
        for prefix, content_type in (("urn:dom:", "text/html"), ("urn:view:", "image/png")):
            found = [json.loads(h) for _, kind, uri, h in records if kind == "resource" and uri == prefix + page]
            assert len(found) == 1, (prefix, page)
            assert found[0]["Content-Type"].startswith(content_type)
            assert ids[found[0]["WARC-Concurrent-To"]] == page


def test_warcio_check_and_verify_pass(runs):
    store = runs["work"] / "store"
    warcs = sorted(str(p) for p in store.glob("warcs/demo-live/**/*.warc.gz"))
    assert warcs
    subprocess.run([str(BIN / "warcio"), "check", *warcs], check=True, capture_output=True, timeout=120)
    subprocess.run([str(BIN / "newsarchive"), "verify", "--store", str(store), "--staging",
                    str(runs["work"] / "staging-v")], check=True, capture_output=True, timeout=300)


def test_a_second_run_writes_revisits_and_no_new_versions(runs):
    second = runs["second"]
    kinds = collections.Counter(kind for _, kind, _, _ in second)
    unchanged = [uri for _, kind, uri, _ in second if kind == "revisit"]
    assert not [uri for _, kind, uri, _ in second if kind == "response" and "/live/" in uri], \
        "every page, script, JSON body and image is unchanged"
    assert any(u.startswith("urn:dom:") for u in unchanged) and any("/live/images/" in u for u in unchanged)
    assert kinds["resource"] == 0, kinds
    rows = _articles(runs["work"] / "store")
    assert len(rows) == len(runs["articles"]), "no article got a second version"


def test_replay_shows_the_body_and_nothing_leaves_the_archive(runs, tmp_path):
    from pipelines.store import open_store
    from pipelines.warc.replay import ReplayServer

    base, articles = runs["base"], runs["articles"]
    direct, missing, answered = [], [], []
    with ReplayServer(open_store(runs["work"] / "store"), tmp_path / "pywb") as replay, \
            Chromium(tmp_path / "profile") as browser:
        pywb = urlsplit(replay.url).netloc
        for article in articles[:3]:
            page = browser.load(replay.page_url("demo-live", base + article.path), scroll=6,
                                expression="document.body.innerText")
            for fetch in page.fetches.values():
                parts = urlsplit(fetch.url)
                if parts.netloc != pywb:
                    direct.append(fetch.url)
                elif ARCHIVED.match(parts.path) and fetch.status != 200 and not fetch.url.endswith("favicon.ico"):
                    missing.append((fetch.url, fetch.status, fetch.error))
                elif ARCHIVED.match(parts.path):
                    answered.append(fetch.url)
            on_screen = page.value or ""
            assert all(p in on_screen for p in article.paragraphs), "the whole body is on screen"
    assert direct == [], f"requests that went around the archive: {direct[:5]}"
    assert missing == [], missing[:5]
    assert any("/live/api/articles/" in u for u in answered) and any("/live/images/" in u for u in answered)
