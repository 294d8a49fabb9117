"""The CLI end to end: `newsarchive demo` three times on one store, and bad input."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

from demosite import build_articles
from tests.support import free_port

CLI = str(Path(sys.executable).with_name("newsarchive"))
WARCIO = str(Path(sys.executable).with_name("warcio"))


def newsarchive(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def versions(store: Path) -> list[dict]:
    table = DeltaTable(str(store / "articles"))
    return table.to_pyarrow_table(columns=["article_id", "version", "change", "title", "url"]).to_pylist()


# Loaded first by every Python process of the run (PYTHONPATH): logs each site file it reads.
SITE_READS_SPY = """
import os, pathlib
_read_text = pathlib.Path.read_text
def read_text(self, *args, **kwargs):
    if self.suffix == ".toml" and self.parent.name == "sites":
        with open(os.environ["SITE_READS_LOG"], "a") as log:
            log.write(f"{os.getpid()} {self.name}\\n")
    return _read_text(self, *args, **kwargs)
pathlib.Path.read_text = read_text
"""


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    """`newsarchive demo` run twice on revision 1, then once on revision 2, on one store; the
    first run logs which process read which site file (`site-reads.log`)."""
    work = tmp_path_factory.mktemp("demo")
    spy = work / "spy"
    spy.mkdir()
    (spy / "sitecustomize.py").write_text(SITE_READS_SPY)
    spied = {**os.environ, "PYTHONPATH": os.pathsep.join([str(spy), os.environ.get("PYTHONPATH", "")]),
             "SITE_READS_LOG": str(work / "site-reads.log")}
    port = str(free_port())
    runs = []
    for revision in ("1", "1", "2"):
        result = newsarchive("demo", "--port", port, "--revision", revision, cwd=work,
                             env=spied if not runs else None)
        assert result.returncode == 0, result.stderr[-3000:]
        runs.append((result, versions(work / "archive")))
    return work, runs


def test_a_run_reads_its_site_file_once_per_process(demo_runs):
    work, _ = demo_runs
    reads = (work / "site-reads.log").read_text().split("\n")[:-1]
    per_process = {}
    for line in reads:
        pid, name = line.split()
        per_process.setdefault(pid, []).append(name)
    assert len(per_process) >= 2, reads          # the command and its crawl process
    assert all(names == ["demo.toml"] for names in per_process.values()), per_process


def test_first_demo_run_archives_every_article(demo_runs):
    work, runs = demo_runs
    result, rows = runs[0]
    assert len(rows) == len(build_articles(1)) >= 200
    assert re.search(r"^  versions added +240 ", result.stdout, re.M), result.stdout
    warcs = sorted((work / "archive" / "warcs" / "demo").rglob("*.warc.gz"))
    assert warcs
    check = subprocess.run([WARCIO, "check", *map(str, warcs)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-2000:]
    assert not list((work / "staging").rglob("*.warc.gz")), "local WARCs must go once uploaded"


def test_seed_article_row(demo_runs):
    work, _ = demo_runs
    table = DeltaTable(str(work / "archive" / "articles")).to_pyarrow_table().to_pylist()
    seed = [r for r in table if r["title"] == "Relations between Russia, China are 'at their best in history,' Xi, Putin says"]
    assert len(seed) == 1
    row = seed[0]
    assert "Nate Ostiller" in row["authors"]
    assert row["published"].date().isoformat() == "2024-07-04"
    assert "Shanghai Cooperation Organization" in row["text"]
    for phrase in ("indicates required", "Become a member", "Sign up for our newsletter"):
        assert phrase not in row["text"]


def test_second_run_adds_no_versions(demo_runs):
    _, runs = demo_runs
    assert len(runs[1][1]) == len(runs[0][1])
    assert "versions added     0" in runs[1][0].stdout


def test_revision_two_adds_one_version_per_revised_article(demo_runs):
    _, runs = demo_runs
    before, after = runs[1][1], runs[2][1]
    revised = {a.path for a in build_articles(2) if a.revised}
    added = [r for r in after if r["version"] == 2]
    assert len(after) == len(before) + len(revised)
    assert {r["url"].split(":", 2)[2].split("/", 1)[1] for r in added} == {p.lstrip("/") for p in revised}
    assert max(r["version"] for r in after) == 2
    headline_changes = {a.path for a in build_articles(2) if a.revised and
                        a.headline != next(b.headline for b in build_articles(1) if b.path == a.path)}
    assert sum(r["change"] == "headline" for r in added) == len(headline_changes)


def test_run_manifests(demo_runs):
    work, _ = demo_runs
    manifests = [json.loads(p.read_text()) for p in sorted((work / "archive" / "runs" / "demo").glob("*.json"))]
    assert [m["versions_added"] for m in manifests] == [240, 0, 30]
    assert manifests[0]["crawl"]["responses"] > 240 and manifests[0]["warc_keys"]
    # every run is checked, and its step times end in its manifest, not in the store's staging area
    assert [m["health"]["result"] for m in manifests] == ["ok", "ok", "ok"]
    assert all(set(m["step_seconds"]) == {"crawl", "upload", "clean", "publish"} for m in manifests)
    assert not [p for p in (work / "archive" / "staging").rglob("*") if p.is_file()]


def test_summary_shows_the_health_check(demo_runs):
    _, runs = demo_runs
    assert all(re.search(r"^  health check +ok$", result.stdout, re.M) for result, _ in runs)


# -- bad input: one line on stderr, non-zero exit, no traceback, nothing written ------------
def assert_one_line_error(result, *words):
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


def test_unknown_site(tmp_path):
    assert_one_line_error(newsarchive("run", "nosuchsite", cwd=tmp_path), "unknown site 'nosuchsite'")
    assert not (tmp_path / "archive").exists()


def test_malformed_site_file(tmp_path):
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "broken.toml").write_text('name = "broken"\nbase_url = "not a url"\narticle_patterns = ["x"]\n')
    env = {**__import__("os").environ, "NEWSARCHIVE_SITES_DIR": str(sites)}
    assert_one_line_error(newsarchive("run", "broken", cwd=tmp_path, env=env), "broken.toml", "base_url")
    result = newsarchive("sites", "--check", cwd=tmp_path, env=env)
    assert result.returncode != 0 and "broken.toml" in result.stderr
    assert not (tmp_path / "archive").exists()


def test_unreachable_store(tmp_path):
    env = {**__import__("os").environ, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x",
           "AWS_SECRET_ACCESS_KEY": "x", "AWS_REGION": "us-east-1",
           "NEWSARCHIVE_STORE_RETRY_SECONDS": "3", "NEWSARCHIVE_STORE_TIMEOUT": "2"}   # an outage past a short budget
    result = newsarchive("demo", "--store", "s3://nowhere/archive", "--port", str(free_port()), cwd=tmp_path, env=env)
    assert_one_line_error(result, "s3://nowhere")
    assert not (tmp_path / "staging").exists()


# -- research commands on the same archive (revision 1, again, revision 2) ----------------
def revised_and_not():
    old = {a.path: a for a in build_articles(1)}
    revised = [a for a in build_articles(2) if a.revised]
    headline = next(a for a in revised if a.headline != old[a.path].headline)
    unchanged = next(a for a in build_articles(2) if not a.revised)
    return old, headline, unchanged


def article_url(work: Path, path: str) -> str:
    rows = versions(work / "archive")
    return next(r["url"] for r in rows if r["url"].endswith(path))


def test_history_lists_versions(demo_runs):
    work, _ = demo_runs
    from pipelines.archive.reader import open_archive
    reader = open_archive(str(work / "archive"))
    old, headline, unchanged = revised_and_not()
    for article in build_articles(2)[::10]:
        expected = 2 if article.revised else 1
        assert len(reader.history(article_url(work, article.path))) == expected
    result = newsarchive("history", article_url(work, headline.path), cwd=work)
    assert result.returncode == 0, result.stderr
    assert "headline" in result.stdout and "new" in result.stdout


def test_diff_shows_the_changed_words(demo_runs):
    work, _ = demo_runs
    old, headline, _ = revised_and_not()
    result = newsarchive("diff", article_url(work, headline.path), cwd=work)
    assert result.returncode == 0, result.stderr
    removed = set(old[headline.path].headline.split()) - set(headline.headline.split())
    added = set(headline.headline.split()) - set(old[headline.path].headline.split())
    assert any(f"[-{w}" in result.stdout for w in removed)
    assert any(f"{{+{w}" in result.stdout for w in added)
    page = work / "diff.html"
    assert newsarchive("diff", article_url(work, headline.path), "--html", str(page), cwd=work).returncode == 0
    assert "<ins>" in page.read_text() and "<del>" in page.read_text()


def test_show_at_a_time_before_the_revision_gives_the_first_version(demo_runs):
    work, _ = demo_runs
    old, headline, _ = revised_and_not()
    from pipelines.archive.reader import open_archive
    history = open_archive(str(work / "archive")).history(article_url(work, headline.path))
    between = history["fetched_at"].iloc[1] - (history["fetched_at"].iloc[1] - history["fetched_at"].iloc[0]) / 2
    result = newsarchive("show", article_url(work, headline.path), "--at", between.isoformat(), cwd=work)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == old[headline.path].headline
    newest = newsarchive("show", article_url(work, headline.path), cwd=work)
    assert newest.stdout.splitlines()[0] == headline.headline


def test_export_formats(demo_runs):
    work, _ = demo_runs
    import pyarrow.parquet as pq
    total = len(versions(work / "archive"))
    for fmt in ("parquet", "jsonl", "csv"):
        target = work / f"export.{fmt}"
        result = newsarchive("export", "--format", fmt, "--out", str(target), cwd=work)
        assert result.returncode == 0, result.stderr
    assert pq.read_table(work / "export.parquet").num_rows == total
    lines = (work / "export.jsonl").read_text().splitlines()
    assert len(lines) == total and json.loads(lines[0])["replay_path"].endswith(json.loads(lines[0])["url"])
    july = newsarchive("export", "--format", "jsonl", "--out", str(work / "july.jsonl"),
                       "--since", "2024-07-01", "--until", "2024-07-08", cwd=work)
    assert july.returncode == 0
    got = [json.loads(l) for l in (work / "july.jsonl").read_text().splitlines()]
    assert got and all("2024-07-01" <= r["published"][:10] < "2024-07-08" for r in got)
    expected = sum(1 + a.revised for a in build_articles(2)
                   if "2024-07-01" <= a.published.astimezone(__import__("datetime").timezone.utc).date().isoformat() < "2024-07-08")
    assert len(got) == expected
