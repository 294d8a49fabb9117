"""The clean step on one worker against the default pool, on the same run, in one sitting.

    .venv/bin/python bench/cleanpool.py DIR [--rounds 2] [--workers 1,auto] [--publish-runs K] [--json FILE]

DIR is a folder kept by `bench/crawl.py --keep DIR` (its site file, store and uploaded run).
Each clean runs on a fresh copy of that store as it was before publish: without the run's
manifest, with its upload journal listing the run's WARCs (so the run is cleaned again, from
the same template). Each round runs
`newsarchive clean` of that run once per worker setting, alternating, so a
change of load hits both alike; it prints wall seconds, CPU seconds (workers included) and
peak RSS (of the largest process), and the speed-up of each setting over the first.
`--publish-runs K` then publishes the last clean's staged rows K times, each into the same
store with its tables, manifest and staging area put back as they were before publish, and
prints each run's peak RSS: one run's figure varies by tens of MB.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from crawl import BIN, SITE, timed  # noqa: E402
from pipelines.run.manifest import Manifest  # noqa: E402
from pipelines.store import layout, open_store  # noqa: E402
from pipelines.store.layout import UPLOAD_JOURNAL as JOURNAL  # noqa: E402

RUN_ID = "run-bench"


def fresh_store(work: Path) -> Path:
    """A copy of the kept store in which the run is uploaded but not published."""
    copy = work / "cleanpool-store"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(work / "store", copy)
    Manifest(open_store(str(copy)), SITE, RUN_ID).delete()
    warcs = sorted(p.relative_to(copy).as_posix() for p in (copy / "warcs" / SITE).rglob("*")
                   if layout.is_warc(p.relative_to(copy).as_posix()))
    journal = copy / layout.staging_key(SITE, RUN_ID, JOURNAL)
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_text(json.dumps({"crawl": {}, "warc_keys": warcs}))
    return copy


def step_env(work: Path, store: Path, workers: str = "auto") -> dict:
    return {"NEWSARCHIVE_SITES_DIR": str(work / "sites"), "NEWSARCHIVE_STORE": str(store),
            "NEWSARCHIVE_STAGING_DIR": str(work / "staging"), "PYTHONPATH": str(ROOT),
            "NEWSARCHIVE_CLEAN_WORKERS": workers}


def clean_once(work: Path, workers: str) -> dict:
    env = step_env(work, fresh_store(work), workers)
    return timed([str(BIN / "newsarchive"), "clean", SITE, "--run-id", RUN_ID], ROOT, env)


def publish_runs(work: Path, runs: int) -> list[float]:
    """Peak RSS (MB) of each of `runs` publishes of the cleaned copy, from the same state."""
    store = work / "cleanpool-store"
    staged = store / layout.staging_key(SITE, RUN_ID, "")
    kept = work / "cleanpool-staged"
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(staged, kept)
    peaks = []
    for _ in range(runs):
        for table in ("articles", "captures"):
            shutil.rmtree(store / table, ignore_errors=True)
        Manifest(open_store(str(store)), SITE, RUN_ID).delete()
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(kept, staged)
        t = timed([str(BIN / "newsarchive"), "publish", SITE, "--run-id", RUN_ID], ROOT, step_env(work, store))
        peaks.append(round(t["rss_mb"], 1))
        print(f"publish: peak RSS {t['rss_mb']:.1f} MB", file=sys.stderr, flush=True)
    return peaks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/cleanpool.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path, help="a folder kept by bench/crawl.py --keep")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", default="1,auto", help="comma-separated NEWSARCHIVE_CLEAN_WORKERS values")
    parser.add_argument("--publish-runs", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not (args.work / "store").is_dir():
        sys.exit(f"error: {args.work} has no store: make it with bench/crawl.py --keep {args.work}")
    settings = args.workers.split(",")
    runs: dict[str, list[dict]] = {s: [] for s in settings}
    for round_ in range(args.rounds):
        for setting in settings:
            t = clean_once(args.work, setting)
            runs[setting].append({k: t[k] for k in ("wall", "cpu", "rss_mb")})
            print(f"round {round_ + 1}, workers={setting}: {t['wall']:.1f} s wall, {t['cpu']:.1f} s CPU, "
                  f"peak RSS {t['rss_mb']:.0f} MB", file=sys.stderr, flush=True)
    base = statistics.median(r["wall"] for r in runs[settings[0]])
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end\n")
    print("| workers | median wall s | median CPU s | peak RSS MB | speed-up |")
    print("|---|---|---|---|---|")
    for setting, found in runs.items():
        wall = statistics.median(r["wall"] for r in found)
        print(f"| {setting} | {wall:.1f} | {statistics.median(r['cpu'] for r in found):.1f} "
              f"| {max(r['rss_mb'] for r in found):.0f} | {base / wall:.2f}× |")
    if args.publish_runs:
        peaks = publish_runs(args.work, args.publish_runs)
        print(f"\npublish of the cleaned run, {len(peaks)} runs: peak RSS MB {peaks} "
              f"(median {statistics.median(peaks)})")
        runs["publish_peak_rss_mb"] = peaks
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
