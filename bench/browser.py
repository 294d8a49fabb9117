"""Browser capture against plain Scrapy capture on the same pages: the demo's script-built
articles (demosite/scripted.py), reached from a served list of all of them, crawled by
`python -m spiders.crawl` with the `demo-live` site's [browser] section on and off.

Per mode: wall time of the crawl process (start-up included), pages per second over the
crawl itself (the summary's start and finish), CPU seconds per article page of the whole
process tree (Chromium's processes included) and its peak PSS, sampled every 0.2 s from
/proc; and the body words the archive would get (cleaning the WARC as `clean` does).

    .venv/bin/python -m bench.browser [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from demosite import DemoSite, scripted
from spiders.processmemory import descendants, pss_bytes

SITES = Path(__file__).parents[1] / "spiders" / "sites"
TICK = os.sysconf("SC_CLK_TCK")


def site_file(folder: Path, browser: bool) -> Path:
    text = (SITES / "demo-live.toml").read_text()
    text = text.replace('start_urls = ["/live/"]', f'start_urls = ["{scripted.ALL}"]')
    text = text.replace("follow_patterns = ['^/live/$']", "follow_patterns = []")
    text = text.replace('pages = "all"', 'pages = "articles"')
    text = text.replace("[browser]\nenabled = true", f"[browser]\nenabled = {'true' if browser else 'false'}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "demo-live.toml").write_text(text)
    return folder


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])        # utime, stime


def crawl(base: str, sites: Path, out: Path) -> dict:
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "spiders.crawl", "demo-live", "--sites-dir", str(sites),
                             "--out", str(out), "--run-id", "bench", "--base-url", base],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ticks: dict[int, int] = {}
    peak = 0
    while proc.poll() is None:
        tree = descendants(proc.pid)
        peak = max(peak, sum(pss_bytes(p) for p in tree))
        for pid in tree:
            ticks[pid] = max(ticks.get(pid, 0), _cpu_ticks(pid))
        time.sleep(0.2)
    wall = time.monotonic() - started
    summary = json.loads((out / "crawl-summary.json").read_text())
    crawl_seconds = (datetime.fromisoformat(summary["finished"]) - datetime.fromisoformat(summary["started"])).total_seconds()
    return {"wall": wall, "crawl": crawl_seconds, "cpu": sum(ticks.values()) / TICK, "peak_mb": peak / 2**20,
            "words": body_words(out), "warc_bytes": summary["warc_bytes"], "responses": summary["responses"]}


def body_words(out: Path) -> int:
    """Body words the clean step gets from the crawl's WARCs (of the demo's own sentences)."""
    from pipelines.clean.step import clean_warcs
    from pipelines.store import open_store
    from spiders.siteconfig import load_site

    site = load_site("demo-live", out.parent / "sites")
    store = open_store(out)
    keys = [p.name for p in out.glob("*.warc.gz")]
    rows = clean_warcs(store, keys, site, "bench", workers=1).articles
    text = "\n".join(r["text"] for r in rows)
    from demosite.content import sentences
    return sum(len(s.split()) for a in scripted.articles() for p in a.paragraphs for s in sentences(p) if s in text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.browser")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    pages = len(scripted.articles())
    results: dict[str, list[dict]] = {"scrapy": [], "browser": []}
    with DemoSite() as site, tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        for round_ in range(args.rounds):
            for mode in results:
                work = Path(tmp) / f"{mode}-{round_}"
                site_file(work / "sites", mode == "browser")
                results[mode].append(crawl(site.base_url, work / "sites", work / "out"))
    print(f"{pages} script-built article pages, {args.rounds} rounds, medians:")
    print("| mode | wall s | crawl s | pages/s | CPU s/page | peak tree PSS MB | body words | responses | WARC bytes |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for mode, runs in results.items():
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"| {mode} | {med['wall']:.1f} | {med['crawl']:.1f} | {pages / med['crawl']:.2f} | "
              f"{med['cpu'] / pages:.2f} | {med['peak_mb']:.0f} | {med['words']:.0f} | {med['responses']:.0f} | "
              f"{med['warc_bytes']:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
