"""Body-text accuracy and speed of the project's cleaning step against plain
trafilatura, on the article-extraction-benchmark (181 news pages).

Both run in the same process on the same bytes, one page after the other:
the project through `pipelines.cli_extract.extract_file` (what `newsarchive
extract` prints, metadata included), trafilatura as
`trafilatura.extract(html, include_comments=False)`. Prints precision, recall,
F1 (bench/shingles.py) and pages per second for each.

    .venv/bin/python bench/extraction.py [--dataset DIR] [--repeat 1] [--worst 0]
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura                                  # noqa: E402

from bench.shingles import page_counts, score       # noqa: E402
from pipelines.cli_extract import extract_file      # noqa: E402

DEFAULT_DATASET = ROOT.parent / "shared" / "datasets" / "article-extraction-benchmark"


def load_dataset(folder: Path) -> list[tuple[str, str, str, bytes]]:
    """(id, url, true body, page bytes) for every page of the benchmark."""
    truth_file = folder / "ground-truth.json"
    if not truth_file.is_file():
        sys.exit(f"error: benchmark not found: {truth_file} is missing (use --dataset DIR)")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items()):
        html = folder / "html" / f"{page_id}.html.gz"
        if not html.is_file():
            sys.exit(f"error: benchmark incomplete: {html} is missing")
        pages.append((page_id, item["url"], item.get("articleBody") or "", gzip.decompress(html.read_bytes())))
    return pages


def project(html: bytes, url: str) -> str:
    return extract_file(html, url).get("text") or ""


def plain_trafilatura(html: bytes, url: str) -> str:
    return trafilatura.extract(html, include_comments=False) or ""


SYSTEMS = {"newsarchive": project, "trafilatura " + trafilatura.__version__: plain_trafilatura}


def run(pages, repeat: int) -> dict[str, dict]:
    """Each system's predictions and total seconds; pages alternate between systems."""
    results = {name: {"texts": [], "seconds": 0.0} for name in SYSTEMS}
    for _, url, _, html in pages:
        for name, system in SYSTEMS.items():
            start = time.perf_counter()
            for _ in range(repeat):
                text = system(html, url)
            results[name]["seconds"] += (time.perf_counter() - start) / repeat
            results[name]["texts"].append(text)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--repeat", type=int, default=1, help="time each page this many times")
    parser.add_argument("--worst", type=int, default=0, help="also list the N pages the project scores worst on")
    args = parser.parse_args(argv)
    pages = load_dataset(args.dataset)
    results = run(pages, max(1, args.repeat))
    truths = [truth for _, _, truth, _ in pages]
    print(f"{len(pages)} pages from {args.dataset}")
    print(f"{'system':<20} {'precision':>9} {'recall':>7} {'F1':>6} {'pages/s':>8}")
    for name, result in results.items():
        s = score(zip(truths, result["texts"]))
        print(f"{name:<20} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {len(pages) / result['seconds']:8.1f}")
    names = list(results)
    ratio = (len(pages) / results[names[0]]["seconds"]) / (len(pages) / results[names[1]]["seconds"])
    print(f"speed ratio {names[0]} / {names[1]}: {ratio:.2f}")
    if args.worst:
        _print_worst(pages, results[names[0]]["texts"], results[names[1]]["texts"], args.worst)
    return 0


def _print_worst(pages, ours, theirs, count: int) -> None:
    rows = []
    for (page_id, _, truth, _), a, b in zip(pages, ours, theirs):
        tp, fp, fn = page_counts(truth, a)
        tp2, fp2, fn2 = page_counts(truth, b)
        rows.append((tp, fp, fn, tp2, page_id))
    print(f"\nworst {count} pages (ours TP/FP/FN, trafilatura TP)")
    for tp, fp, fn, tp2, page_id in sorted(rows)[:count]:
        print(f"  {page_id[:16]}  {tp:.2f} {fp:.2f} {fn:.2f}   {tp2:.2f}")


if __name__ == "__main__":
    sys.exit(main())
