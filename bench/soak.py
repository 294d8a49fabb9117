"""Months of scheduled runs, compressed: does the archive stay fast after thousands of runs?

    nice -n 10 .venv/bin/python bench/soak.py --sites 1 --runs 3000 [--maintain-every 4]
    nice -n 10 .venv/bin/python bench/soak.py --sites 100 --runs 30

A real crawl per run would take minutes each: instead one real run of the bundled demo site
(crawl, upload, clean, in this tree's code) is made once, and its first ARTICLES cleaned
articles with their captures become the template of every run. Each soak run stages the
template as the clean step leaves it (staged Parquet files and the upload journal, in the
store), 15 minutes of capture time after the previous run, with one article revised (its
text and content hash change: a new version) and new WARC record ids; then the real publish
step (`steps.publish`: planning, data files, commit, manifest) and the real health check
(`steps.check`: the run's health, the baseline read, the runs-table merge) run in this
process. Maintenance (`pipelines.archive.maintain`) runs every `--maintain-every` rounds
(a round is one run of every site), as the maintenance DAG would.

At sample runs it prints, per step, the CPU and wall seconds of the run; the latency of the
reads (`history` and `show` of the revised article, `status`, `export --site`, `report`'s
read, the check's baseline read; each the median of 5 on freshly opened tables, as a CLI
command opens them); and the data files and log entries of each table. With `--cli` the
CLI commands are also timed end to end (process start included) at the sample runs.
Not exercised: the crawl, upload and clean steps (run once), S3, concurrent writers.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyarrow as pa                                           # noqa: E402
import pyarrow.parquet as pq                                   # noqa: E402

from pipelines.run import steps                                # noqa: E402
from pipelines.archive import tables                           # noqa: E402
from pipelines.archive.export import export                    # noqa: E402
from pipelines.archive.maintain import log_entries, maintain, partition_files   # noqa: E402
from pipelines.archive.reader import open_archive              # noqa: E402
from pipelines.clean.fingerprint import fingerprint            # noqa: E402
from pipelines.health.runstable import read_runs               # noqa: E402
from pipelines.health.status import site_status                # noqa: E402
from pipelines.settings import PipelineSettings                # noqa: E402
from pipelines.store import layout, open_store                 # noqa: E402
from spiders.runids import RunId                               # noqa: E402
from spiders.siteconfig import load_site, load_sites           # noqa: E402

ARTICLES = 20                  # articles per run, as in the small site
CADENCE = timedelta(minutes=15)
BASE_RUN = "base"
STEPS = ("stage", "publish", "check", "maintain")
EARLY = 10                     # the run the acceptance compares the last one with


# -- the template run -----------------------------------------------------------------
def base_run(folder: Path) -> tuple[list[dict], list[dict], dict]:
    """(captures, articles, upload journal) of one real run of the demo site, made once."""
    cached = folder / "base.json"
    if not cached.exists():
        from demosite.server import DemoSite

        settings = PipelineSettings.from_env(store_uri=str(folder / "base-store"), staging_dir=folder / "staging")
        demo, run_id = load_site("demo", settings.sites_dir), RunId.of(BASE_RUN)
        with DemoSite() as site:
            steps.crawl(demo, run_id, settings, site.base_url)
        steps.upload(demo, run_id, settings)
        steps.clean(demo, run_id, settings)
        store = open_store(settings.store_uri)
        read = lambda name: pq.read_table(io.BytesIO(store.get_bytes(      # noqa: E731
            layout.staging_key("demo", BASE_RUN, f"{name}.parquet")))).to_pylist()
        journal = json.loads(store.get_bytes(layout.staging_key("demo", BASE_RUN, layout.UPLOAD_JOURNAL)))
        cached.write_text(json.dumps({"captures": read("captures"), "articles": read("articles"),
                                      "journal": journal}, default=str))
    doc = json.loads(cached.read_text())
    articles = [a for a in doc["articles"]][:ARTICLES]
    ids = {a["article_id"] for a in articles}
    captures = [c for c in doc["captures"] if c["article_id"] in ids or not c["article_id"]][:ARTICLES * 3]
    return captures, articles, doc["journal"]


def _time(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def run_rows(site: str, number: int, captures: list[dict], articles: list[dict]) -> tuple[pa.Table, pa.Table]:
    """Run `number` of `site`: the template fetched CADENCE × number later; article number % N
    revised in this run (and every article carries its latest revision)."""
    later, run_id = CADENCE * number, run_name(number)
    arts = []
    for i, a in enumerate(articles):
        revision = number - ((number - i) % len(articles)) if number >= i else 0
        row = {**a, "site": site, "run_id": run_id, "fetched_at": _time(a["fetched_at"]) + later,
               "published": _time(a["published"]), "modified": _time(a["modified"])}
        if revision > 0:
            row["text"] = f"{a['text']} [revision {revision}]"
            row["content_hash"] = fingerprint({name: row[name] for name in tables.CONTENT_FIELDS})
            row["text_hash"] = fingerprint({"text": row["text"]})
        arts.append(row)
    hashes = {a["article_id"]: a["content_hash"] for a in arts}
    caps = [{**c, "site": site, "run_id": run_id, "record_id": f"{c['record_id']}-{site}-{number}",
             "fetched_at": _time(c["fetched_at"]) + later,
             "content_hash": hashes.get(c["article_id"], c["content_hash"])} for c in captures]
    return (pa.Table.from_pylist(caps, schema=tables.CAPTURES), pa.Table.from_pylist(arts, schema=tables.ARTICLES))


def run_name(number: int) -> RunId:
    return RunId.of(f"soak-{number:05d}")


def stage(store, site: str, number: int, captures: list[dict], articles: list[dict], journal: dict) -> None:
    """Leave run `number` in the store as the upload and clean steps do."""
    caps, arts = run_rows(site, number, captures, articles)
    run_id = run_name(number)
    for name, rows in (("captures", caps), ("articles", arts)):
        buffer = io.BytesIO()
        pq.write_table(rows, buffer)
        store.put_bytes(layout.staging_key(site, run_id, f"{name}.parquet"), buffer.getvalue())
    crawl = {**journal["crawl"], "run_id": run_id, "started": f"{run_id}@{time.time()}"}
    store.put_bytes(layout.staging_key(site, run_id, layout.UPLOAD_JOURNAL),
                    json.dumps({**journal, "crawl": crawl}).encode())


# -- measuring --------------------------------------------------------------------------
@contextmanager
def measured(into: dict, step: str):
    cpu, wall = _cpu(), time.perf_counter()
    try:
        yield
    finally:
        into[f"{step}_cpu"] = into.get(f"{step}_cpu", 0) + _cpu() - cpu
        into[f"{step}_wall"] = into.get(f"{step}_wall", 0) + time.perf_counter() - wall


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def median_seconds(call, repeat: int = 5) -> tuple[float, float]:
    """Median wall and CPU seconds of `call()` (CPU: this process's, deltalake's threads included)."""
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, start = _cpu(), time.perf_counter()
        call()
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


READS = ("history", "show", "status", "export", "report", "baseline")


def reads(store_uri: str, site: str, url: str, sites_dir: Path, scratch: Path, repeat: int = 5) -> dict:
    """Latency of each read, as the CLI command does it (tables opened anew): wall and CPU."""
    now = datetime.now(timezone.utc)
    sites = load_sites(sites_dir)[0]
    calls = {
        "history": lambda: open_archive(store_uri).history(url),
        "show": lambda: open_archive(store_uri).show(url),
        "status": lambda: site_status(open_store(store_uri), sites, now),
        "export": lambda: export(open_archive(store_uri), scratch / "export.parquet", "parquet", site),
        "report": lambda: read_runs(open_store(store_uri)),
        "baseline": lambda: read_runs(open_store(store_uri), site),
    }
    found = {}
    for name in READS:
        found[name], found[f"{name}_cpu"] = median_seconds(calls[name], repeat)
    return found


def cli_reads(store_uri: str, url: str, sites_dir: Path) -> dict:
    env = {**os.environ, "NEWSARCHIVE_SITES_DIR": str(sites_dir)}
    found = {}
    for name, args in (("cli_history", ["history", url]), ("cli_show", ["show", url]), ("cli_status", ["status"])):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pipelines.cli.main", *args, "--store", store_uri], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        found[name] = time.perf_counter() - start
    return found


def counts(store) -> dict:
    found = {}
    for key in (tables.ARTICLES_TABLE, tables.CAPTURES_TABLE, layout.RUNS_TABLE):
        table = tables.open_table(store, key)
        per_partition = partition_files(table) if table is not None else {}
        found[f"{key}_files_max"] = max(per_partition.values(), default=0)
        found[f"{key}_log"] = log_entries(store, key)
    return found


def sample_points(runs: int) -> set[int]:
    points = {1, 2, 5, 10, 20, 50, runs}
    points |= {n for n in range(100, runs + 1, 100 if runs <= 1000 else 250)}
    return {n for n in points if n <= runs}


# -- the soak -----------------------------------------------------------------------------
def make_sites(folder: Path, count: int) -> tuple[Path, list[str]]:
    """Site files for the soak's sites: copies of the demo site under other names."""
    demo = (ROOT / "spiders" / "sites" / "demo.toml").read_text()
    sites_dir = folder / "sites"
    shutil.rmtree(sites_dir, ignore_errors=True)
    sites_dir.mkdir(parents=True)
    names = ["demo"] if count == 1 else [f"soak{n:03d}" for n in range(count)]
    for name in names:
        (sites_dir / f"{name}.toml").write_text(demo.replace('name = "demo"', f'name = "{name}"', 1))
    return sites_dir, names


def soak(folder: Path, sites: int, runs: int, maintain_every: int, retention_days: int, cli: bool) -> None:
    captures, articles, journal = base_run(folder)
    sites_dir, names = make_sites(folder, sites)
    store_dir = folder / f"store-{sites}x{runs}"
    shutil.rmtree(store_dir, ignore_errors=True)
    settings = PipelineSettings.from_env(store_uri=str(store_dir), staging_dir=folder / "staging",
                                         sites_dir=sites_dir)
    store = open_store(settings.store_uri)
    url = articles[1]["canonical_url"]          # revised every ARTICLES runs
    points = sample_points(runs)
    print(f"# soak: {sites} site(s) x {runs} runs, {len(articles)} articles and {len(captures)} captures per run, "
          f"maintenance every {maintain_every} round(s), retention {retention_days} days; store {store_dir}",
          flush=True)
    print("# per-step figures are per run (summed over the round's sites / sites); reads in seconds", flush=True)
    header = None
    defined = {name: load_site(name, sites_dir) for name in names}
    for number in range(1, runs + 1):
        spent: dict = {}
        for site in names:
            with measured(spent, "stage"):
                stage(store, site, number, captures, articles, journal)
            with measured(spent, "publish"):
                steps.publish(defined[site], run_name(number), settings)
            with measured(spent, "check"):
                steps.check(defined[site], run_name(number), settings, kind="scheduled")
        row = None
        if number in points:        # before this round's maintenance: the most files a reader meets
            row = {"run": number, **{k: v / len(names) for k, v in spent.items()},
                   **reads(settings.store_uri, names[0], url, sites_dir, folder), **counts(store)}
            if cli:
                row.update(cli_reads(settings.store_uri, url, sites_dir))
        if number == EARLY:         # kept, to compare with the last run side by side (--compare)
            shutil.copytree(store_dir, early_copy(store_dir), dirs_exist_ok=True)
        if number % maintain_every == 0:
            with measured(spent, "maintain"):
                maintain(store, retention_days)
        if row is None:
            continue
        row.update({k: spent.get(k) for k in ("maintain_cpu", "maintain_wall")},
                   rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        if header is None:
            header = list(row)
            print("\t".join(header), flush=True)
        print("\t".join(_cell(row.get(k)) for k in header), flush=True)


def early_copy(store_dir: Path) -> Path:
    return store_dir.with_name(store_dir.name + f"-at{EARLY}")


def compare(folder: Path, sites: int, runs: int, repeat: int) -> None:
    """Side by side, in turns (the machine's load falls on both alike): the reads (median of 3
    each turn), and the publish and check steps of `repeat` further runs, on the store as it was after run EARLY and after
    the last run. Prints medians and the ratio last / early."""
    captures, articles, journal = base_run(folder)
    sites_dir, names = make_sites(folder, sites)
    last_dir = folder / f"store-{sites}x{runs}"
    stores = {"early": early_copy(last_dir), "last": last_dir}
    # the last run made (a soak stopped early compares what it reached)
    made = sum(1 for obj in open_store(last_dir).list(f"runs/{names[0]}/") if obj.key.endswith(".json")
               and "/soak-" in obj.key)
    numbers = {"early": EARLY, "last": made}
    runs = made
    url = articles[1]["canonical_url"]
    figures: dict[str, dict[str, list]] = {name: {} for name in stores}
    for turn in range(repeat):
        for name, path in stores.items():
            settings = PipelineSettings.from_env(store_uri=str(path), staging_dir=folder / "staging",
                                                 sites_dir=sites_dir)
            store, number = open_store(settings.store_uri), numbers[name] + 1 + turn
            spent: dict = {}
            stage(store, names[0], number, captures, articles, journal)
            site = load_site(names[0], sites_dir)
            with measured(spent, "publish"):
                steps.publish(site, run_name(number), settings)
            with measured(spent, "check"):
                steps.check(site, run_name(number), settings, kind="scheduled")
            for key, value in {**spent, **reads(settings.store_uri, names[0], url, sites_dir, folder, 3)}.items():
                figures[name].setdefault(key, []).append(value)
    print(f"# compare: {sites} site(s); the store after run {EARLY} and after run {runs}, "
          f"{repeat} turns each; medians, seconds")
    print("figure\tafter run %d\tafter run %d\tratio" % (EARLY, runs))
    for key in figures["early"]:
        early, last = (statistics.median(figures[name][key]) for name in ("early", "last"))
        print(f"{key}\t{early:.3f}\t{last:.3f}\t{last / early if early else float('nan'):.2f}", flush=True)


def _cell(value) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--maintain-every", type=int, default=4,
                        help="rounds between maintenance passes (4: hourly at a 15-minute cadence)")
    parser.add_argument("--retention-days", type=int, default=30,
                        help="maintenance's retention: with 30 (the default) nothing expires during a soak, "
                             "so its log and old files reach a month's steady state at ~2,900 runs")
    parser.add_argument("--cli", action="store_true", help="also time the CLI commands end to end")
    parser.add_argument("--compare", type=int, metavar="TURNS",
                        help="after a soak in --dir: compare its store after run 10 and after the last run")
    parser.add_argument("--dir", type=Path, help="working folder (kept; the base run is reused)")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="newsarchive-soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.compare:
        compare(folder, args.sites, args.runs, args.compare)
    else:
        soak(folder, args.sites, args.runs, args.maintain_every, args.retention_days, args.cli)
    sys.stdout.flush()
    os._exit(0)            # deltalake can abort at interpreter exit once it has read a table


if __name__ == "__main__":
    sys.exit(main())
