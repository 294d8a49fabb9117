"""The demo site served at revisions 1 and 2 in turn for six runs (its revised articles go
A, B, A, B, A, B), the runs published one by one in capture order, and all at once in a
shuffled order on a local folder and on S3: what the archive says the page read at every
moment between captures, its newest version, its history and its alternation flag.
Replay a failure with NEWSARCHIVE_TEST_SEED=<the printed seed>."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipelines.run import steps
from pipelines.archive.reader import ArchiveNotFound, open_archive
from pipelines.archive.tables import ARTICLES_TABLE, CAPTURES_TABLE
from pipelines.archive.writer import Archive
from pipelines.settings import PipelineSettings
from pipelines.store import layout, open_store
from demosite import DemoSite, build_articles
from spiders.siteconfig import load_site
from tests.pipelines.exactlyonce import SEED, SITE, publish_at_once

RUNS = 6
LOCAL_ARTICLES, S3_ARTICLES = 12, 5                 # read back at every moment between their captures
CLI = str(Path(sys.executable).with_name("newsarchive"))
REVISIT_HINTS = ["article_id", "content_hash"]       # set at publish only when the original is known


def revision_of(run: int) -> int:
    return 1 + run % 2


@pytest.fixture(scope="module")
def flipping(tmp_path_factory):
    """Six crawls of the demo (revision 1, 2, 1, 2, 1, 2), uploaded and cleaned in order on one
    store (its digest index makes the revisits and 304s); their staged rows, kept unpublished."""
    root = tmp_path_factory.mktemp("flipping")
    settings = PipelineSettings.from_env(store_uri=str(root / "crawls"), staging_dir=root / "staging")
    store, demo = open_store(settings.store_uri), load_site(SITE, settings.sites_dir)
    runs = []
    with DemoSite() as site:
        for n in range(RUNS):
            site.revision = revision_of(n)
            run_id = f"flip-{n}"
            steps.crawl(demo, run_id, settings, site.base_url)
            steps.upload(demo, run_id, settings)
            steps.clean(demo, run_id, settings)
            staged = {}
            for name in ("captures", "articles"):
                staged[name] = root / f"{run_id}-{name}.parquet"
                staged[name].write_bytes(store.get_bytes(layout.staging_key(SITE, run_id, f"{name}.parquet")))
            runs.append((run_id, staged["captures"], staged["articles"]))
    return root, runs


@pytest.fixture(scope="module")
def published(flipping, s3_server, s3_client):
    """Store URIs: `ordered` (one by one in capture order), `local` and `s3` (all at once,
    in a shuffled order of processes)."""
    root, runs = flipping
    ordered = str(root / "ordered")
    for run_id, captures, articles in runs:
        Archive(open_store(ordered)).publish(SITE, run_id, captures, articles)
    s3_client.create_bucket(Bucket="flipping")
    stores = {"local": str(root / "concurrent"), "s3": "s3://flipping/archive"}
    print(f"seed {SEED}")
    rng = random.Random(SEED)
    rounds = []
    for uri in stores.values():
        jobs = [(uri, run_id, captures, articles) for run_id, captures, articles in runs]
        rng.shuffle(jobs)
        rounds.append(jobs)
    got = publish_at_once(rounds)
    assert [r for _n, _run, r in got if isinstance(r, str)] == []
    return {"ordered": ordered, **stores}


def expected(flipping) -> dict:
    """From the demo site itself: path -> (headline at revision 1, at revision 2), the paths
    of the articles that differ between the two, and each run's capture time of a path."""
    root, runs = flipping
    first, second = ({a.path: a for a in build_articles(r)} for r in (1, 2))
    differ = {p for p in first.keys() & second.keys() if first[p] != second[p]}
    captured: dict[str, list] = {}
    for n, (_run, captures, _arts) in enumerate(runs):
        for row in pq.read_table(captures, columns=["url", "fetched_at", "status"]).to_pylist():
            path = "/" + row["url"].split("/", 3)[3] if row["url"].count("/") >= 3 else None
            if path in first and row["status"] in (200, 304):
                captured.setdefault(path, []).append((pd.Timestamp(row["fetched_at"]), n))
    return {"headlines": {p: (first[p].headline, second[p].headline) for p in first.keys() & second.keys()},
            "differ": differ, "captured": {p: sorted(v) for p, v in captured.items()}}


def url_of(reader, path: str) -> str:
    versions = reader.versions(columns=["url"])
    return next(u for u in versions["url"] if u.endswith(path))


@pytest.mark.slow
@pytest.mark.parametrize("which", ["local", "s3"])
def test_show_at_every_moment_between_captures_gives_the_content_captured_last(flipping, published, which):
    facts = expected(flipping)
    reader = open_archive(published[which])
    assert len(facts["differ"]) >= 20
    paths = sorted(facts["differ"])
    for path in random.Random(SEED).sample(paths, LOCAL_ARTICLES if which == "local" else S3_ARTICLES):
        url, times = url_of(reader, path), facts["captured"][path]
        assert [n for _t, n in times] == list(range(RUNS)), f"{path}: one capture per run"
        moments = [(t + (later - t) / 2, n) for (t, n), (later, _m) in zip(times, times[1:])]
        for at, n in [(t, n) for t, n in times] + moments + [(times[-1][0] + pd.Timedelta(days=1), RUNS - 1)]:
            shown = reader.show(url, at=at.to_pydatetime())
            assert shown["title"] == facts["headlines"][path][revision_of(n) - 1], (path, at)
        with pytest.raises(ArchiveNotFound, match="not archived yet"):
            reader.show(url, at=(times[0][0] - pd.Timedelta(seconds=1)).to_pydatetime())


@pytest.mark.slow
@pytest.mark.parametrize("which", ["local", "s3"])
def test_newest_version_history_and_alternation(flipping, published, which):
    facts = expected(flipping)
    reader = open_archive(published[which])
    newest = reader.articles()
    paths = {row["article_id"]: next((p for p in facts["headlines"] if row["url"].endswith(p)), None)
             for row in newest.to_dict("records")}
    alternating = {paths[a] for a in newest.loc[newest["alternating"], "article_id"]}
    assert alternating == facts["differ"]                       # exactly the articles that flip
    for row in newest.to_dict("records"):
        path = paths[row["article_id"]]
        if path in facts["differ"]:
            assert row["title"] == facts["headlines"][path][1]  # the last run served revision 2
            assert list(row["variants"]) == [1, 2]
    for path in sorted(facts["differ"]):
        history = reader.history(url_of(reader, path))
        assert list(history["version"]) == [1, 2, 1, 2, 1, 2], path
        assert list(history["returns"]) == [False, False, True, True, True, True]
        assert list(history["first_seen"]) == [t for t, _n in facts["captured"][path]]
    steady = sorted(set(facts["headlines"]) - facts["differ"])[0]
    history = reader.history(url_of(reader, steady))
    assert len(history) == 1 and history["sightings"].iloc[0] == RUNS     # revisits and 304s count
    assert not history["alternating"].any()


@pytest.mark.slow
def test_the_command_line_shows_the_states(flipping, published, tmp_path):
    facts = expected(flipping)
    path = sorted(facts["differ"])[0]
    store = published["local"]
    url = url_of(open_archive(store), path)

    def cli(*args):
        result = subprocess.run([CLI, *args, "--store", store], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    history = cli("history", url)
    assert "alternating between versions 1, 2" in history
    assert history.count("back to v1") == 2 and history.count("back to v2") == 2
    (t3, _n), (t4, _m) = facts["captured"][path][2:4]
    between = (t3 + (t4 - t3) / 2).isoformat()
    assert cli("show", url, "--at", between).splitlines()[0] == facts["headlines"][path][0]   # run 3: revision 1
    assert cli("show", url).splitlines()[0] == facts["headlines"][path][1]
    diff = cli("diff", url, "--from", between)
    assert diff.startswith("version 1 at") and "→ version 2" in diff.splitlines()[0]
    out = tmp_path / "current.jsonl"
    cli("export", "--format", "jsonl", "--current", "--out", str(out))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    flipping_rows = [r for r in rows if r["url"].endswith(path)]
    assert len(flipping_rows) == 1 and flipping_rows[0]["title"] == facts["headlines"][path][1]
    assert flipping_rows[0]["alternating"] and flipping_rows[0]["variants"] == [1, 2]
    assert sum(r["alternating"] for r in rows) == len(facts["differ"])


def table(uri: str, key: str, drop: list[str] | None = None) -> list[dict]:
    """A table's rows, sorted; `drop`: columns blanked on revisit rows."""
    order = ["article_id", "extractor", "version"] if key == ARTICLES_TABLE else ["record_id"]
    rows = sorted(Archive(open_store(uri)).table(key).to_pyarrow_table().to_pylist(),
                  key=lambda row: [str(row[c]) for c in order])
    for row in rows:
        if drop and row["record_type"] == "revisit":
            row.update(dict.fromkeys(drop))
    return rows


@pytest.mark.slow
def test_publishing_at_once_in_any_order_gives_the_table_published_one_by_one(published):
    ordered = table(published["ordered"], ARTICLES_TABLE)
    for which in ("local", "s3"):
        assert table(published[which], ARTICLES_TABLE) == ordered, which
        assert (table(published[which], CAPTURES_TABLE, REVISIT_HINTS)
                == table(published["ordered"], CAPTURES_TABLE, REVISIT_HINTS)), which
        got, want = open_archive(published[which]).current(), open_archive(published["ordered"]).current()
        assert got.sort_values("article_id").to_dict("records") == want.sort_values("article_id").to_dict("records")
