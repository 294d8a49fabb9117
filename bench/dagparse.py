"""How long the dag-processor takes to parse the DAG file with many site files.

    .venv/bin/python bench/dagparse.py [--sites 100] [--runs 5]

Each run is a fresh process in which only `airflow.sdk` is imported first (as in the
dag-processor); the figure is the CPU time of executing the DAG file, so a busy machine
changes it little. Target: under 0.5 s with 100 sites (docs/benchmarks.md)."""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DAG_FILE = REPO / "dags" / "newsarchive_sites.py"
PARSE = r"""
import importlib.util, json, sys, time
import airflow.sdk  # noqa: loaded by the dag-processor before any DAG file
before = set(sys.modules)
spec = importlib.util.spec_from_file_location("dagfile", sys.argv[1])
module = importlib.util.module_from_spec(spec)
started = time.process_time()
spec.loader.exec_module(module)
took = time.process_time() - started
print(json.dumps({"dags": sum(1 for k in vars(module) if k.startswith("newsarchive_")),
                  "cpu_seconds": took, "imported": sorted(set(sys.modules) - before)}))
"""


def write_sites(folder: Path, count: int) -> None:
    demo = (REPO / "spiders" / "sites" / "demo.toml").read_text()
    for i in range(count):
        (folder / f"site{i}.toml").write_text(demo.replace('name = "demo"', f'name = "site{i}"', 1))


def parse_once(sites_dir: Path) -> dict:
    import json

    env = {**os.environ, "NEWSARCHIVE_SITES_DIR": str(sites_dir), "AIRFLOW_HOME": str(sites_dir / "home")}
    out = subprocess.run([sys.executable, "-c", PARSE, str(DAG_FILE)], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise SystemExit(f"error: parsing {DAG_FILE} failed: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        write_sites(Path(tmp), args.sites)
        times = [parse_once(Path(tmp))["cpu_seconds"] for _ in range(args.runs)]
    print(f"DAG file with {args.sites} sites: median {statistics.median(times):.3f} s CPU "
          f"(min {min(times):.3f}, max {max(times):.3f}, {args.runs} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
