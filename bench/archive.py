"""Benchmark the versioned archive at scale: a synthetic archive of N article
versions (default 1,000,000 over 100,000 articles) in a local store.

Reports publish throughput (rows/s), the time of `history URL` and `show --at`
(before and after `maintain`, which Z-orders by article id), export throughput
and the export's peak memory (measured in a child process).

    .venv/bin/python bench/archive.py [--articles 100000] [--versions 10] [--dir DIR]
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.archive.writer import Archive                 # noqa: E402
from pipelines.clean.fingerprint import fingerprint        # noqa: E402
from pipelines.archive.maintain import maintain              # noqa: E402
from pipelines.archive.reader import open_archive            # noqa: E402
from pipelines.store import open_store               # noqa: E402
from pipelines.archive.tables import ARTICLES                # noqa: E402
from pipelines.archive.ids import article_id                # noqa: E402

WORDS = ("war minister said talks city region front aid energy grid council report court vote "
         "budget army drone strike shelter market export grain port rail border summit").split()
T0 = datetime(2024, 6, 1, tzinfo=timezone.utc)


def synthetic_rows(run: int, articles: int, rng: random.Random) -> list[dict]:
    """One crawl's worth: every article fetched once, its body edited in this run."""
    rows = []
    fetched = T0 + timedelta(days=run)
    for n in range(articles):
        url = f"https://news.example/{n % 7}/{n}/"
        text = " ".join(rng.choices(WORDS, k=60)) + f" (edit {run})"
        title = f"Story {n}" + (f" update {run}" if run % 3 == 0 else "")
        content = {"title": title, "text": text}
        rows.append({name: None for name in ARTICLES.names} | {
            "site": "bench", "article_id": article_id(url), "url": url, "canonical_url": url,
            "title": title, "text": text, "authors": ["A. Writer"], "published": T0 + timedelta(minutes=n),
            "content_hash": fingerprint(content), "text_hash": fingerprint({"text": text}),
            "word_count": 62, "fetched_at": fetched, "run_id": f"run-{run}", "extractor": "bench/1",
            "warc_key": f"warcs/bench/{run}.warc.gz", "warc_offset": n * 1000, "warc_length": 1000})
    return rows


def timed(func, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="newsarchive-bench-"))
    store = open_store(root / "store")
    rng = random.Random(1)

    total, spent = 0, 0.0
    for run in range(args.versions):
        rows = synthetic_rows(run, args.articles, rng)
        start = time.perf_counter()
        Archive(store).publish("bench", f"run-{run}", [], rows)
        spent += time.perf_counter() - start
        total += len(rows)
        print(f"  published run {run}: {len(rows):,} versions in {time.perf_counter() - start:.1f} s", flush=True)
    print(f"publish: {total:,} versions in {spent:.1f} s = {total / spent:,.0f} rows/s")

    middle = args.articles // 2
    url = f"https://news.example/{middle % 7}/{middle}/"
    at = (T0 + timedelta(days=args.versions // 2, hours=1)).isoformat()
    for label in ("before maintain", "after maintain"):
        reader = open_archive(store)
        history = timed(lambda: reader.history(url))
        show = timed(lambda: reader.show(url, at=at))
        assert len(reader.history(url)) == args.versions and reader.show(url, at=at)["version"] == args.versions // 2 + 1
        print(f"{label}: history {history:.3f} s, show --at {show:.3f} s")
        if label == "before maintain":
            start = time.perf_counter()
            maintain(store)
            print(f"maintain: {time.perf_counter() - start:.1f} s")

    out = root / "export.parquet"
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec
    code = ("import sys, time; sys.path.insert(0, %r)\n"
            "from pipelines.archive.reader import open_archive; from pipelines.archive.export import export\n"
            "t = time.perf_counter(); n = export(open_archive(%r), __import__('pathlib').Path(%r), 'parquet')\n"
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
            "print(n, time.perf_counter() - t, hwm)"
            % (str(Path(__file__).resolve().parents[1]), str(root / "store"), str(out)))
    rows, seconds, peak_kb = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                            check=True).stdout.split()
    print(f"export: {int(rows):,} rows in {float(seconds):.1f} s = {int(rows) / float(seconds):,.0f} rows/s, "
          f"peak memory {int(peak_kb) / 1024:,.0f} MiB")
    if not args.dir:
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
