"""Body-text accuracy and speed of the project's cleaning step against plain
trafilatura, on the article-extraction-benchmark (181 news pages), on the
second evaluation set in bench/data/ (news pages with reference text), and on
three public sets read from checkouts of their repositories (bench/datasets.py):
L3S-GN1, Dragnet's test split and the news pages of CleanEval/CleanPortalEval.

Both run in the same process on the same bytes, one host's pages after the
other: the project through `pipelines.clean.savedpages.extract_files` (what
`newsarchive extract` prints, metadata included, the pages of one host
sharing a learnt site template), trafilatura as
`trafilatura.extract(html, include_comments=False)`. Prints precision, recall,
F1 (bench/shingles.py) and pages per second (of wall-clock and of CPU time)
for each, the F1 averaged over hosts, and with `--cv` a 5-fold cross-validated
F1 for the tuned thresholds: for each fold (whole hosts, never split), the
thresholds that score best on the other four folds are chosen and scored on it.

`--all` scores the five sets in one run and adds the leave-one-set-out F1 of each: the
thresholds and switchable rules of GRID that score best on the other four sets (their F1
averaged, each set weighing the same) are chosen and scored on the set left out. It also
prints the title accuracy on the sets with reference titles (bench/loso.py).

    .venv/bin/python bench/extraction.py [--dataset DIR | --set NAME | --all] [--external DIR]
                                         [--repeat 1] [--worst 0] [--per-host] [--cv]
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
import zlib
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura                                  # noqa: E402

from bench import datasets, loso                    # noqa: E402
from bench.shingles import page_counts, score       # noqa: E402
from pipelines.clean import boilerplate     # noqa: E402
from pipelines.clean import sitetemplate     # noqa: E402
from pipelines.clean.savedpages import extract_files     # noqa: E402

DEFAULT_DATASET = ROOT.parent / "shared" / "datasets" / "article-extraction-benchmark"
SETS = {"benchmark": DEFAULT_DATASET, "newspaper4k": ROOT / "bench" / "data" / "newspaper4k",
        "l3s-gn1": None, "dragnet": None, "cleaneval": None}       # None: read by bench/datasets.py
FOLDS = 5
WARM_UP = 8               # pages of the untimed pass
# the project's tuned thresholds and the values cross-validation chooses among
GRID = {(boilerplate, "LINK_SHARE"): (0.6, 0.8, 1.01), (boilerplate, "SHORT"): (20, 40, 60),
        (sitetemplate, "MIN_PAGES"): (2, 3), (boilerplate, "MENU_SHARE"): (0.5, 1.01),
        (boilerplate, "URL_LINE"): (0, 20)}


def load_dataset(folder: Path) -> list[tuple[str, str, str, bytes]]:
    """(id, url, true body, page bytes) for every page of a set laid out as the benchmark is:
    ground-truth.json ({id: {"url", "articleBody"}}) and html/{id}.html.gz."""
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


def load_set(name: str, external: Path = datasets.EXTERNAL) -> list:
    """A known set's pages; pages without a reference text are left out (nothing to score)."""
    if SETS[name] is not None:
        return load_dataset(SETS[name])
    reason = datasets.missing(name, external)
    if reason:
        sys.exit(f"error: set {name} not found: {reason}")
    return [page for page in datasets.load(name, external) if page[2].strip()]


def host(url: str) -> str:
    return (urlsplit(url).hostname or "-").removeprefix("www.")


def by_host(pages) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, (_, url, _, _) in enumerate(pages):
        groups[host(url)].append(i)
    return groups


def project(pages) -> list[str]:
    return [row.get("text") or "" for row in extract_files([(html, url, pid) for pid, url, _, html in pages])]


def plain_trafilatura(pages) -> list[str]:
    return [trafilatura.extract(html, include_comments=False) or "" for _, _, _, html in pages]


SYSTEMS = {"newsarchive": project, "trafilatura " + trafilatura.__version__: plain_trafilatura}


def run(pages, repeat: int) -> dict[str, dict]:
    """Each system's predictions and total seconds; hosts alternate between systems. One untimed
    pass over a few pages first: one-time set-up costs (htmldate's date parser loads its
    languages once per process, about 0.5 s) would otherwise weigh on a small set's pages per
    second."""
    for system in SYSTEMS.values():
        system(pages[:WARM_UP])
    results = {name: {"texts": [""] * len(pages), "seconds": 0.0, "cpu": 0.0} for name in SYSTEMS}
    for indexes in by_host(pages).values():
        group = [pages[i] for i in indexes]
        for name, system in SYSTEMS.items():
            start, cpu = time.perf_counter(), time.process_time()
            for _ in range(repeat):
                texts = system(group)
            results[name]["seconds"] += (time.perf_counter() - start) / repeat
            results[name]["cpu"] += (time.process_time() - cpu) / repeat
            for i, text in zip(indexes, texts):
                results[name]["texts"][i] = text
    return results


def host_f1(pages, texts) -> float:
    """F1 averaged over hosts, each host weighing the same whatever its number of pages."""
    groups = by_host(pages).values()
    return sum(score((pages[i][2], texts[i]) for i in g).f1 for g in groups) / len(groups)


def cross_validated(pages) -> tuple[float, list[dict]]:
    """5-fold F1 by host: thresholds chosen on four folds, scored on the fifth; and the choices."""
    settings = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    texts = [_with(setting, lambda: project(pages)) for setting in settings]
    fold_of = {h: zlib.crc32(h.encode()) % FOLDS for h in by_host(pages)}
    folds = [[i for i, p in enumerate(pages) if fold_of[host(p[1])] == k] for k in range(FOLDS)]
    truths = [truth for _, _, truth, _ in pages]
    held_out: list[tuple[str, str]] = []
    chosen = []
    for k, test in enumerate(folds):
        train = [i for j, fold in enumerate(folds) if j != k for i in fold]
        best = max(range(len(settings)), key=lambda s: score((truths[i], texts[s][i]) for i in train).f1)
        chosen.append({attr: value for (_, attr), value in settings[best].items()})
        held_out += [(truths[i], texts[best][i]) for i in test]
    return score(held_out).f1, chosen


def _with(setting: dict, call):
    saved = {key: getattr(*key) for key in setting}
    for (module, attr), value in setting.items():
        setattr(module, attr, value)
    try:
        return call()
    finally:
        for (module, attr), value in saved.items():
            setattr(module, attr, value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, help="a folder laid out like the benchmark (with --all: the benchmark's)")
    parser.add_argument("--set", choices=SETS, default="benchmark", help="a known evaluation set")
    parser.add_argument("--all", action="store_true", help="the five sets, with leave-one-set-out F1")
    parser.add_argument("--external", type=Path, default=datasets.EXTERNAL,
                        help="the folder holding the public sets' checkouts (bench/datasets.py)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages of each set (a quick look)")
    parser.add_argument("--repeat", type=int, default=1, help="time each page this many times")
    parser.add_argument("--worst", type=int, default=0, help="also list the N pages the project scores worst on")
    parser.add_argument("--per-host", action="store_true", help="also print each host's F1")
    parser.add_argument("--cv", action="store_true", help="also print the 5-fold cross-validated F1")
    args = parser.parse_args(argv)
    if args.all:
        return all_sets(args)
    if args.dataset:
        dataset, pages = args.dataset, load_dataset(args.dataset)
    else:
        dataset, pages = args.set, load_set(args.set, args.external)
    pages = pages[:args.limit] if args.limit else pages
    results = run(pages, max(1, args.repeat))
    truths = [truth for _, _, truth, _ in pages]
    print(f"{len(pages)} pages ({len(by_host(pages))} hosts) from {dataset}")
    print(f"{'system':<20} {'precision':>9} {'recall':>7} {'F1':>6} {'host F1':>7} {'pages/s':>8} {'per CPU s':>9}")
    for name, result in results.items():
        s = score(zip(truths, result["texts"]))
        print(f"{name:<20} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {host_f1(pages, result['texts']):7.3f} "
              f"{len(pages) / result['seconds']:8.1f} {len(pages) / result['cpu']:9.1f}")
    names = list(results)
    ratio = results[names[1]]["seconds"] / results[names[0]]["seconds"]
    cpu_ratio = results[names[1]]["cpu"] / results[names[0]]["cpu"]
    # on a shared machine the wall-clock ratio also measures the other processes; CPU time much less
    print(f"speed ratio {names[0]} / {names[1]}: {ratio:.2f} (wall clock), {cpu_ratio:.2f} (CPU time)")
    if args.cv:
        f1, chosen = cross_validated(pages)
        print(f"{FOLDS}-fold cross-validated F1 (folds by host): {f1:.3f}; thresholds chosen per fold: {chosen}")
    if args.per_host:
        _print_hosts(pages, results[names[0]]["texts"], results[names[1]]["texts"])
    if args.worst:
        _print_worst(pages, results[names[0]]["texts"], results[names[1]]["texts"], args.worst)
    return 0


def all_sets(args) -> int:
    """The five sets: each system's P/R/F1 and speed, the leave-one-set-out F1, title accuracy."""
    sets = {name: load_set(name, args.external) for name in SETS if name != "benchmark"}
    sets = {"benchmark": load_dataset(args.dataset or DEFAULT_DATASET)} | sets
    if args.limit:
        sets = {name: pages[:args.limit] for name, pages in sets.items()}
    truths = {name: [truth for _, _, truth, _ in pages] for name, pages in sets.items()}
    names = list(SYSTEMS)
    grid, texts, rows = [], {}, {}
    print(f"{'set':<12} {'pages':>5} {'hosts':>5}  {'system':<20} {'P':>6} {'R':>6} {'F1':>6} "
          f"{'host F1':>7} {'per CPU s':>9}")
    for name, pages in sets.items():
        results = run(pages, 1)
        for system in names:
            s = score(zip(truths[name], results[system]["texts"]))
            print(f"{name:<12} {len(pages):5d} {len(by_host(pages)):5d}  {system:<20} {s.precision:6.3f} "
                  f"{s.recall:6.3f} {s.f1:6.3f} {host_f1(pages, results[system]['texts']):7.3f} "
                  f"{len(pages) / results[system]['cpu']:9.1f}")
        if args.per_host:
            _print_hosts(pages, results[names[0]]["texts"], results[names[1]]["texts"])
        grid, texts[name], rows[name] = loso.texts_by_setting(pages)
    chosen = loso.leave_one_set_out(truths, grid, texts)
    print(f"\nleave-one-set-out ({len(grid)} settings; each set scored with the one best on the other four)")
    for name, (f1, setting) in chosen.items():
        print(f"{name:<12} F1 {f1:.3f}  chosen: {loso.label(setting)}")
    _print_titles(sets, rows)
    return 0


def _print_titles(sets, rows) -> None:
    """Title accuracy where the set has reference titles: equal after whitespace, and equal in
    words (case and punctuation aside)."""
    for name, pages in sets.items():
        pairs = [(page.title, row.get("title") or "") for page, row in zip(pages, rows[name])
                 if getattr(page, "title", None)]
        if pairs:
            strict = sum(" ".join(a.split()) == " ".join(b.split()) for a, b in pairs) / len(pairs)
            loose = sum(boilerplate.words(a) == boilerplate.words(b) for a, b in pairs) / len(pairs)
            print(f"title, {name}: {strict:.3f} strict, {loose:.3f} same words ({len(pairs)} pages)")


def _print_hosts(pages, ours, theirs) -> None:
    print(f"\n{'host':<40} {'pages':>5} {'F1':>6} {'trafilatura':>11}")
    for name, indexes in sorted(by_host(pages).items()):
        a = score((pages[i][2], ours[i]) for i in indexes).f1
        b = score((pages[i][2], theirs[i]) for i in indexes).f1
        print(f"{name[:40]:<40} {len(indexes):5d} {a:6.3f} {b:11.3f}")


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
