"""Peak memory of `newsarchive publish` on one staged run: N synthetic articles of about
1,000 words of text and as much Markdown (as the clean step stages them), plus a capture for
each and as many skipped captures, published into a fresh local store.

    .venv/bin/python bench/publish.py --articles 30000 [--runs 2] [--reverse] [--text-from STORE]
        [--pages-per-article K] [--dir DIR]

The staged files are made in this process (and kept in DIR for the next time), put in the
store's staging area with an upload journal, as the upload and clean steps leave them; then
`python -m pipelines.cli.main publish` runs under GNU time (`/usr/bin/time -v`): its peak RSS
is printed with the counts from the run's manifest. `--runs 2` publishes a second run of the
same articles, every other one edited, into the same store (new versions beside stored ones);
with `--reverse` the later run is published first, so that the earlier one renumbers and moves
stored versions (every stored file is rewritten). `--text-from` takes the titles, texts and
Markdown of real articles from the archive of another store (a bench/crawl.py run's), cycled
over the N articles, instead of random words.
"""
from __future__ import annotations

import argparse
import json
import random
import re
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
from pipelines.archive.ids import article_id                # noqa: E402
from pipelines.run.manifest import Manifest                  # noqa: E402
from pipelines.store import layout, open_store               # noqa: E402

WORDS = ("war minister said talks city region front aid energy grid council report court vote "
         "budget army drone strike shelter market export grain port rail border summit the of and "
         "a in to was for on that with by as at from has have been were will would could").split()
T0 = datetime(2024, 6, 1, tzinfo=timezone.utc)
SITE = "bench"


def real_texts(store: Path) -> list[dict]:
    from deltalake import DeltaTable
    table = DeltaTable(str(store / tables.ARTICLES_TABLE))
    return table.to_pyarrow_table(columns=["title", "text", "markdown"]).to_pylist()


def stage(run: int, articles: int, rng: random.Random, texts: list[dict] | None = None,
          pages_per_article: int = 1) -> tuple[Path, Path]:
    """The run's staged captures and articles files; in run > 0 every other article is edited.
    With `pages_per_article` K, pages n // K are one article under K URLs (same canonical URL,
    same content), as on a site that serves an article at several addresses."""
    fetched = T0 + timedelta(days=run)
    with StagedParquet(tables.CAPTURES) as captures, StagedParquet(tables.ARTICLES) as staged:
        for page in range(articles):
            n = page // pages_per_article
            canonical = f"https://news.example/{n % 7}/{n}/"
            url = canonical if pages_per_article == 1 else f"{canonical}?copy={page % pages_per_article}"
            edit = run if n % 2 else 0
            if texts:
                real = texts[n % len(texts)]
                title, markdown = f"{real['title']} ({n})", real["markdown"]
                text = real["text"] + (f" [revision {edit}]" if edit else "")
            else:
                words = random.Random(n * 1000 + edit).choices(WORDS, k=1000)
                text = " ".join(words)
                markdown = "\n\n".join(" ".join(words[i:i + 100]) for i in range(0, 1000, 100))
                title = f"Story {n}"
            content = {"title": title, "text": text}
            record = f"<urn:uuid:{run}-{page}>"
            at = fetched + timedelta(seconds=page)
            warc = {"warc_key": f"warcs/{SITE}/{run}.warc.gz", "warc_offset": page * 20000, "warc_length": 20000}
            staged.add({name: None for name in tables.ARTICLES.names} | {
                "site": SITE, "article_id": article_id(canonical), "url": url, "canonical_url": canonical,
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
                    "article_id": article_id(canonical) if skip is None else None,
                    "content_hash": fingerprint(content) if skip is None else None,
                    "skip_reason": skip, **warc})
    return captures.path, staged.path


def publish(store_dir: Path, run: int, captures: Path, articles: Path) -> str:
    """Stage the run in the store as clean leaves it, publish it under GNU time; its figures."""
    store, run_id = open_store(store_dir), f"run-{run}"
    for name, path in (("captures", captures), ("articles", articles)):
        store.put_file(path, layout.staging_key(SITE, run_id, f"{name}.parquet"))
    journal = {"crawl": {"started": f"{T0.isoformat()}#{run}"}, "warc_keys": []}
    store.put_bytes(layout.staging_key(SITE, run_id, layout.UPLOAD_JOURNAL), json.dumps(journal).encode())
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "pipelines.cli.main", "publish", SITE,
               "--run-id", run_id, "--store", str(store_dir)]
    start = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)     # this tree's code
    seconds = time.perf_counter() - start
    if out.returncode:
        raise SystemExit(out.stdout + out.stderr)
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))
    manifest = Manifest(store, SITE, run_id).read()
    return (f"{run_id}: published {manifest['versions_added']:,} versions and {manifest['captures_added']:,} "
            f"captures (articles table version {manifest['articles_table_version']}) in {seconds:.1f} s, "
            f"peak RSS {peak_kb / 1024:,.0f} MiB")


def staged_run(root: Path, run: int, articles: int, texts: list[dict] | None, label: str,
               pages_per_article: int = 1) -> tuple[Path, Path]:
    """The run's staged files, made once per size, text source and pages per article."""
    folder = root / f"staged-{articles}-{label}-{pages_per_article}"
    paths = folder / f"run-{run}-captures.parquet", folder / f"run-{run}-articles.parquet"
    if not all(p.exists() for p in paths):
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        made = stage(run, articles, random.Random(run), texts, pages_per_article)
        for made_path, path in zip(made, paths):
            shutil.move(made_path, path)
        print(f"run-{run}: staged {articles:,} articles in {time.perf_counter() - start:.1f} s "
              f"({paths[1].stat().st_size / 2**20:,.0f} MiB of Parquet)", flush=True)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--reverse", action="store_true", help="publish the later run first")
    parser.add_argument("--text-from", type=Path, help="a store whose archived articles give the texts")
    parser.add_argument("--pages-per-article", type=int, default=1,
                        help="pages that are one article under several URLs (as in bench/crawl.py's site)")
    parser.add_argument("--dir", type=Path, help="keep the staged files there (the store is made anew)")
    args = parser.parse_args()
    texts = real_texts(args.text_from) if args.text_from else None
    root = args.dir or Path(tempfile.mkdtemp(prefix="newsarchive-bench-publish-"))
    store_dir = root / "store"
    shutil.rmtree(store_dir, ignore_errors=True)
    label = "real" if texts else "words"
    staged = [staged_run(root, run, args.articles, texts, label, args.pages_per_article) for run in range(args.runs)]
    for run in (range(args.runs - 1, -1, -1) if args.reverse else range(args.runs)):
        print(publish(store_dir, run, *staged[run]), flush=True)
    if not args.dir:
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
