"""Benchmark full-text search at scale: a synthetic archive of N article versions (default
1,000,000: 100,000 articles in 10 runs, each run a new body), its index built from the
articles table, query latency, an incremental update after a 300-article run, index size.

Bodies and titles are drawn from a 30,000-word vocabulary with a Zipf distribution (as in
real text a few words are in almost every article and most words are rare), so postings
lists have realistic lengths; one-word queries are drawn half by word frequency (common
words: the long lists) and half uniformly from the vocabulary, three-word queries likewise.

    nice .venv/bin/python bench/search.py [--articles 100000] [--versions 10] [--dir DIR]

With --dir the archive is kept there and reused by the next run (only the index is rebuilt).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.archive.tables import ARTICLES, open_table     # noqa: E402
from pipelines.archive.writer import Archive                  # noqa: E402
from pipelines.clean.fingerprint import fingerprint           # noqa: E402
from pipelines.archive.ids import article_id                  # noqa: E402
from pipelines.search.indexer import Indexer                  # noqa: E402
from pipelines.search.query import Searcher, SearchQuery      # noqa: E402
from pipelines.store import open_store                        # noqa: E402

VOCABULARY = 30_000
BODY_WORDS = 150
TITLE_WORDS = 8
T0 = datetime(2024, 6, 1, tzinfo=timezone.utc)
SYLLABLES = "ka lo mi re tha on es vi du ra sel ni ko ber an tu ve lis gor ha pe mun ri sta".split()


def vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
    ranked = sorted(words)
    rng.shuffle(ranked)
    return ranked                                  # rank = position: word 0 is the most common


def zipf_weights() -> np.ndarray:
    weights = 1.0 / np.arange(1, VOCABULARY + 1) ** 1.07
    return weights / weights.sum()


def sample_text(words: np.ndarray, weights: np.ndarray, rows: int, length: int, gen) -> list[str]:
    picks = gen.choice(len(words), size=(rows, length), p=weights)
    return [" ".join(words[row]) for row in picks]


def run_rows(run: int, first: int, count: int, words, weights, gen) -> list[dict]:
    """One crawl: articles first..first+count, each with a new body (a new version)."""
    bodies = sample_text(words, weights, count, BODY_WORDS, gen)
    titles = sample_text(words, weights, count, TITLE_WORDS, gen)
    fetched = T0 + timedelta(days=run)
    rows = []
    for i, n in enumerate(range(first, first + count)):
        url = f"https://news.example/{n % 7}/{n}/"
        title, text = titles[i].capitalize(), bodies[i] + "."
        rows.append({name: None for name in ARTICLES.names} | {
            "site": "bench", "article_id": article_id(url), "url": url, "canonical_url": url, "title": title,
            "text": text, "authors": [f"Author {n % 500}"], "published": T0 + timedelta(minutes=n),
            "language": "en", "section": ("news", "world", "business", "culture")[n % 4],
            "content_hash": fingerprint({"title": title, "text": text}), "text_hash": fingerprint({"text": text}),
            "word_count": BODY_WORDS, "fetched_at": fetched, "run_id": f"run-{run}", "extractor": "bench/1",
            "warc_key": f"warcs/bench/{run}.warc.gz", "warc_offset": n * 1000, "warc_length": 1000})
    return rows


def build_archive(store, articles: int, versions: int, words, weights, gen) -> None:
    spent = 0.0
    for run in range(versions):
        rows = run_rows(run, 0, articles, words, weights, gen)
        start = time.perf_counter()
        Archive(store).publish("bench", f"run-{run}", [], rows)
        spent += time.perf_counter() - start
        print(f"  published run {run}: {len(rows):,} versions", flush=True)
    print(f"archive: {articles * versions:,} versions published in {spent:.0f} s")


def text_bytes(store) -> int:
    import pyarrow.compute as pc

    data = open_table(store, "articles").to_pyarrow_dataset().to_table(columns=["title", "text"])
    return sum(pc.sum(pc.binary_length(data[c])).as_py() for c in ("title", "text"))


def queries(words: list[str], weights: np.ndarray, n: int, length: int, rng: random.Random) -> list[str]:
    common = [" ".join(rng.choices(words, weights=weights, k=length)) for _ in range(n // 2)]
    anywhere = [" ".join(rng.choices(words, k=length)) for _ in range(n - n // 2)]
    return common + anywhere


def latency(searcher: Searcher, texts: list[str], **options) -> tuple[float, float, float]:
    """p50, p95 and max in ms, and the queries' mean result count."""
    times, found = [], []
    for text in texts:
        start = time.perf_counter()
        found.append(len(searcher.search(SearchQuery(text, limit=20, **options))))
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.95) - 1], statistics.mean(found)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="newsarchive-search-bench-"))
    store = open_store(root / "store")
    rng, gen = random.Random(7), np.random.default_rng(7)
    words = vocabulary(rng)
    weights = zipf_weights()
    vocab = np.array(words)
    if open_table(store, "articles") is None:
        build_archive(store, args.articles, args.versions, vocab, weights, gen)
    versions = open_table(store, "articles").to_pyarrow_dataset().count_rows()

    indexer = Indexer(store)
    start = time.perf_counter()
    built = indexer.rebuild()
    seconds = time.perf_counter() - start
    size, text = indexer.files.size(), text_bytes(store)
    print(f"index build: {built.indexed:,} versions in {seconds:.0f} s = {built.indexed / seconds:,.0f} versions/s "
          f"({text / seconds / 1e6:.1f} MB of text/s)")
    print(f"index size: {size / 1e6:,.0f} MB for {text / 1e6:,.0f} MB of title and body text "
          f"({size / text:.2f}x, text stored for snippets)")

    searcher = Searcher(store)
    for length in (1, 3):
        texts = queries(words, list(weights), args.queries, length, rng)
        latency(searcher, texts[:20])                            # warm the page cache
        for label, options in (("latest version", {}), ("--all-versions", {"all_versions": True})):
            p50, p95, mean = latency(searcher, texts, **options)
            print(f"{length}-word queries, {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
                  f"(mean {mean:.1f} results of 20 asked)")
    phrases = [f'"{" ".join(row.split()[5:7])}"' for row in sample_text(vocab, weights, args.queries, 12, gen)]
    p50, p95, mean = latency(searcher, phrases)
    print(f"two-word phrase queries: p50 {p50:.1f} ms, p95 {p95:.1f} ms (mean {mean:.1f} results)")

    for attempt in range(3):
        run = args.versions + attempt
        first = rng.randrange(0, args.articles - 300)
        Archive(store).publish("bench", f"run-{run}", [], run_rows(run, first, 300, vocab, weights, gen))
        start = time.perf_counter()
        result = Indexer(store).update()
        print(f"incremental update after a 300-article run: {result.indexed} versions in "
              f"{time.perf_counter() - start:.2f} s")
    print(f"archive: {versions:,} versions before the incremental runs; folder {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
