"""Peak memory of publishing one staged run: N synthetic articles of about 1,000 words of text
and as much Markdown (as the clean step stages them), plus a capture for each and as many
skipped captures, published into a fresh local store as `steps.publish` publishes them.

    .venv/bin/python bench/publish.py --articles 30000 [--runs 2] [--dir DIR]

Staging runs in this process; each publish runs in a child process, whose peak RSS (VmHWM)
is printed. `--runs 2` publishes a second run of the same articles, half of them edited,
into the same store (updates and renumbering instead of inserts only).
"""
from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.archive import tables                       # noqa: E402
from pipelines.archive.staged import StagedParquet         # noqa: E402
from pipelines.clean.fingerprint import fingerprint        # noqa: E402
from pipelines.clean.urls import article_id                # noqa: E402

WORDS = ("war minister said talks city region front aid energy grid council report court vote "
         "budget army drone strike shelter market export grain port rail border summit the of and "
         "a in to was for on that with by as at from has have been were will would could").split()
T0 = datetime(2024, 6, 1, tzinfo=timezone.utc)
SITE = "bench"

PUBLISH = """
import os, sys, time; sys.path.insert(0, {root!r})
from pathlib import Path
from pipelines.archive.writer import Archive
from pipelines.store import open_store
t = time.perf_counter()
r = Archive(open_store({store!r})).publish({site!r}, {run!r}, Path({captures!r}), Path({articles!r}))
hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]
print(r.versions_added, r.captures_added, r.articles_table_version, round(time.perf_counter() - t, 1), hwm,
      flush=True)
os._exit(0)          # deltalake + pyarrow can abort at interpreter exit
"""


def stage(directory: Path, run: int, articles: int, rng: random.Random) -> tuple[Path, Path]:
    """The run's staged captures and articles files; in run > 0 every other article is edited."""
    fetched = T0 + timedelta(days=run)
    with StagedParquet(tables.CAPTURES) as captures, StagedParquet(tables.ARTICLES) as staged:
        for n in range(articles):
            url = f"https://news.example/{n % 7}/{n}/"
            edit = run if n % 2 else 0
            words = random.Random(n * 1000 + edit).choices(WORDS, k=1000)
            text = " ".join(words)
            markdown = "\n\n".join(" ".join(words[i:i + 100]) for i in range(0, 1000, 100))
            title = f"Story {n}"
            content = {"title": title, "text": text}
            record = f"<urn:uuid:{run}-{n}>"
            at = fetched + timedelta(seconds=n)
            warc = {"warc_key": f"warcs/{SITE}/{run}.warc.gz", "warc_offset": n * 20000, "warc_length": 20000}
            staged.add({name: None for name in tables.ARTICLES.names} | {
                "site": SITE, "article_id": article_id(url), "url": url, "canonical_url": url,
                "title": title, "text": text, "markdown": markdown, "authors": ["A. Writer"],
                "published": T0 + timedelta(minutes=n), "content_hash": fingerprint(content),
                "text_hash": fingerprint({"text": text}), "word_count": 1000, "fetched_at": at,
                "run_id": f"run-{run}", "extractor": "bench/1", "warc_record_id": record, **warc})
            for kind, skip in (("article", None), ("skip", "not an article")):
                captures.add({name: None for name in tables.CAPTURES.names} | {
                    "site": SITE, "run_id": f"run-{run}", "record_id": f"{record}-{kind}",
                    "record_type": "response", "url": url if skip is None else f"{url}?p={kind}",
                    "fetched_at": at, "status": 200, "mime": "text/html", "content_length": 30000,
                    "payload_digest": f"sha1:{rng.getrandbits(64):x}", "ip_address": "127.0.0.1",
                    "article_id": article_id(url) if skip is None else None,
                    "content_hash": fingerprint(content) if skip is None else None,
                    "skip_reason": skip, **warc})
    for staged_file in (captures, staged):
        staged_file.path.rename(directory / f"run-{run}-{'captures' if staged_file is captures else 'articles'}.parquet")
    return directory / f"run-{run}-captures.parquet", directory / f"run-{run}-articles.parquet"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="newsarchive-bench-publish-"))
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    for run in range(args.runs):
        start = time.perf_counter()
        captures, articles = stage(root, run, args.articles, rng)
        print(f"run {run}: staged {args.articles:,} articles in {time.perf_counter() - start:.1f} s "
              f"({articles.stat().st_size / 2**20:,.0f} MiB of Parquet)", flush=True)
        code = PUBLISH.format(root=str(ROOT), store=str(root / "store"), site=SITE, run=f"run-{run}",
                              captures=str(captures), articles=str(articles))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if out.returncode:
            print(out.stderr, file=sys.stderr)
            return 1
        versions, captured, table_version, seconds, peak_kb = out.stdout.split()
        print(f"run {run}: published {int(versions):,} versions and {int(captured):,} captures "
              f"(articles table version {table_version}) in {seconds} s, peak RSS {int(peak_kb) / 1024:,.0f} MiB",
              flush=True)
    if not args.dir:
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
