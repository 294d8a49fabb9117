"""Crawl speed and memory against a real web server, in one sitting.

    .venv/bin/python bench/crawl.py [--pages 3000] [--dataset DIR] [--keep DIR] [--json FILE]
                                    [--only wget,scrapy,crawl,upload,clean,publish]

Builds a site of N pages from the extraction benchmark's HTML (each page links to two
others, an index links to all), serves it with Debian's nginx (gzip on; installed with
apt-get when missing), then times: `wget --recursive --warc-file`, bare Scrapy over the
URL list (no parsing), the project's crawl process (`python -m spiders.crawl`), and the
`upload`, `clean` and `publish` steps of that run. Each command runs under GNU time for
its peak RSS and CPU seconds (a step's peak is that of its largest process).
`--only` runs the named steps alone (upload, clean and publish need the crawl).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from extraction import DEFAULT_DATASET, load_dataset  # noqa: E402

SITE = "benchsite"
NGINX = "/usr/sbin/nginx"
BIN = Path(sys.executable).parent
STEPS = ("wget", "scrapy", "crawl", "upload", "clean", "publish")
SITE_TOML = """name = "{name}"
base_url = "{base}"
start_urls = ["/"]
article_patterns = ['^/p/\\d+/$']
follow_patterns = ['^/$']

[politeness]
obey_robots = true
download_delay = 0.0
concurrency_per_domain = 16
autothrottle = false

[limits]
max_pages = {max_pages}
max_depth = 10
max_pages_per_pattern = {max_pages}

[scope]
allow_private_networks = true

[requisites]
skip_hosts = {skip_hosts}
"""
NGINX_CONF = """{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  types {{ text/html html; }}
  default_type application/octet-stream;
  gzip on;
  server {{
    listen 127.0.0.1:{port};
    root {root};
    index index.html;
  }}
}}
"""
BARE_SCRAPY = """
import json, sys, scrapy
from scrapy.crawler import CrawlerProcess

class Bare(scrapy.Spider):
    name = "bare"
    async def start(self):
        for url in open(sys.argv[1]).read().split():
            yield scrapy.Request(url, callback=self.parse)
    def parse(self, response):
        return None

process = CrawlerProcess({"LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False, "CONCURRENT_REQUESTS": 16,
                          "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "DOWNLOAD_DELAY": 0, "TELNETCONSOLE_ENABLED": False})
crawler = process.create_crawler(Bare)
process.crawl(crawler)
process.start()
print(json.dumps({"responses": crawler.stats.get_value("downloader/response_count", 0)}))
"""


def other_hosts(pages: list[bytes]) -> list[str]:
    """What names every host the benchmark pages link to (top-level domains, and addresses
    whole): requisites there are skipped, so the crawl, like wget, fetches from the local
    server only and nothing is sent elsewhere."""
    found = re.findall(rb"//([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)[:/\"'\s?#]", b"\n".join(pages))
    names = set()
    for host in {h.decode().lower() for h in found}:
        last = host.rsplit(".", 1)[-1]
        names.add(host if last.isdigit() else last)
    return sorted(names - {"127.0.0.1"})


def build_site(root: Path, pages: list[bytes], count: int) -> list[str]:
    """/p/{i}/ for i < count, page i being benchmark page i mod len(pages) plus links to two others."""
    paths = []
    for i in range(count):
        links = "".join(f'<a href="/p/{(i + k) % count}/">next {k}</a> ' for k in (1, 7))
        body = pages[i % len(pages)]
        cut = body.lower().rfind(b"</body>")
        cut = cut if cut >= 0 else len(body)
        folder = root / "p" / str(i)
        folder.mkdir(parents=True)
        (folder / "index.html").write_bytes(body[:cut] + links.encode() + body[cut:])
        paths.append(f"/p/{i}/")
    index = "".join(f'<li><a href="{p}">{p}</a></li>' for p in paths)
    (root / "index.html").write_text(f"<html><body><ul>{index}</ul></body></html>")
    return paths


def ensure_nginx() -> None:
    if os.access(NGINX, os.X_OK):
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "nginx-light"],
                       check=False, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if not os.access(NGINX, os.X_OK):
        sys.exit(f"error: nginx is not installed ({NGINX}); install Debian's nginx package")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(root: Path, tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    user = "user root;\n" if os.geteuid() == 0 else ""     # workers must read the temporary folder
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, tmp=tmp, port=port, root=root))
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-e", str(tmp / "error.log")], start_new_session=True)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit(f"error: nginx did not start; see {tmp / 'error.log'}")


def timed(cmd: list[str], cwd: Path, env: dict | None = None) -> dict:
    """Wall time, CPU seconds and peak RSS (MB) of a command, via GNU time."""
    report = Path(tempfile.mkstemp(prefix="crawlbench-time-")[1])
    started = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-o", str(report), "-f", "%U %S %M", *cmd], cwd=cwd,
                            env={**os.environ, **(env or {})}, capture_output=True, text=True)
    wall = time.monotonic() - started
    if result.returncode not in (0, 8):      # wget exits 8 for the benchmark pages' own broken links
        sys.exit(f"error: {cmd[0]} failed ({result.returncode}): {(result.stderr or result.stdout)[-500:]}")
    user, system, rss_kb = report.read_text().split()[-3:]
    report.unlink()
    return {"wall": wall, "cpu": float(user) + float(system), "rss_mb": int(rss_kb) / 1024,
            "stdout": result.stdout}


def row(name: str, responses: int | None, t: dict) -> dict:
    rate = responses / t["wall"] if responses else None
    cpu_k = t["cpu"] / responses * 1000 if responses else None
    print(f"{name}: {responses or ''} responses, {t['wall']:.1f} s, peak RSS {t['rss_mb']:.1f} MB",
          file=sys.stderr, flush=True)         # as it comes: a long run that fails later still tells
    return {"what": name, "responses": responses, "seconds": round(t["wall"], 2),
            "rate": round(rate, 1) if rate else None, "cpu_s_per_1000": round(cpu_k, 2) if cpu_k else None,
            "peak_rss_mb": round(t["rss_mb"], 1)}


def run_all(count: int, dataset: Path, work: Path, only: tuple[str, ...] = STEPS) -> list[dict]:
    pages = [html for *_, html in load_dataset(dataset)]
    root, tmp = work / "site", work / "nginx"
    root.mkdir(), tmp.mkdir()
    paths = build_site(root, pages, count)
    nginx, base = serve(root, tmp)
    try:
        return measure(base, paths, work, count, other_hosts(pages), only)
    finally:
        os.killpg(nginx.pid, signal.SIGTERM)
        nginx.wait(10)


def measure(base: str, paths: list[str], work: Path, count: int, skip_hosts: list[str],
            only: tuple[str, ...] = STEPS) -> list[dict]:
    rows = []
    if "wget" in only:
        rows.append(measure_wget(base, work))
    if "scrapy" in only:
        rows.append(measure_bare_scrapy(base, paths, work))
    if "crawl" in only:
        rows += measure_crawl(base, work, count, skip_hosts, only)
    return rows


def measure_wget(base: str, work: Path) -> dict:
    wget_dir = work / "wget"
    wget_dir.mkdir()
    t = timed(["wget", "--recursive", "--level=inf", "--no-verbose", "--warc-file=bench",
               "--delete-after", "--no-directories", base], wget_dir)
    counted = subprocess.run(["sh", "-c", "zcat bench.warc.gz | grep -ac '^WARC-Type: response'"], cwd=wget_dir,
                             capture_output=True, text=True).stdout.strip()
    return row("wget --recursive --warc-file", int(counted or 0), t)


def measure_bare_scrapy(base: str, paths: list[str], work: Path) -> dict:
    urls = work / "urls.txt"
    urls.write_text("\n".join(base.rstrip("/") + p for p in paths))
    script = work / "bare.py"
    script.write_text(BARE_SCRAPY)
    t = timed([sys.executable, str(script), str(urls)], work)
    return row("bare Scrapy, URL list, no parsing", json.loads(t["stdout"].splitlines()[-1])["responses"], t)


def measure_crawl(base: str, work: Path, count: int, skip_hosts: list[str], only: tuple[str, ...]) -> list[dict]:
    sites, staging, store = work / "sites", work / "staging", work / "store"
    sites.mkdir()
    (sites / f"{SITE}.toml").write_text(SITE_TOML.format(name=SITE, base=base, max_pages=count * 4,
                                                             skip_hosts=json.dumps(skip_hosts)))
    env = {"NEWSARCHIVE_SITES_DIR": str(sites), "NEWSARCHIVE_STORE": str(store),
           "NEWSARCHIVE_STAGING_DIR": str(staging), "PYTHONPATH": str(ROOT)}
    run_id = "run-bench"
    out = staging / SITE / run_id
    t = timed([sys.executable, "-m", "spiders.crawl", SITE, "--out", str(out), "--run-id", run_id,
               "--sites-dir", str(sites)], ROOT, env)
    summary = json.loads((out / "crawl-summary.json").read_text())
    rows = [row("newsarchive crawl (python -m spiders.crawl)", summary["responses"], t)]
    cli = str(BIN / "newsarchive")
    for step in [s for s in ("upload", "clean", "publish") if s in only]:
        t = timed([cli, step, SITE, "--run-id", run_id], ROOT, env)
        rows.append(row(f"newsarchive {step}", summary["responses"] if step == "clean" else None, t))
    return rows


def print_table(rows: list[dict], count: int) -> None:
    print(f"\n{count} pages; load average {os.getloadavg()[0]:.2f} at the end\n")
    print("| what | responses | seconds | responses/s | CPU s per 1,000 | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['what']} | {r['responses'] or ''} | {r['seconds']} | {r['rate'] or ''} "
              f"| {r['cpu_s_per_1000'] or ''} | {r['peak_rss_mb']} |")
    wget = next((r for r in rows if r["what"].startswith("wget")), None)
    crawl = next((r for r in rows if "spiders.crawl" in r["what"]), None)
    if wget and crawl and wget["rate"] and crawl["rate"]:
        print(f"\ncrawl / wget responses per second: {crawl['rate'] / wget['rate']:.2f}")


def steps_arg(text: str) -> tuple[str, ...]:
    steps = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = sorted(set(steps) - set(STEPS))
    if unknown or not steps:
        raise argparse.ArgumentTypeError(f"unknown step(s) {', '.join(unknown) or '(none)'}; "
                                         f"choose from {','.join(STEPS)}")
    if {"upload", "clean", "publish"} & set(steps) and "crawl" not in steps:
        raise argparse.ArgumentTypeError("upload, clean and publish need the crawl step")
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/crawl.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--keep", type=Path, help="work in this (new) folder and keep it")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--only", type=steps_arg, default=STEPS,
                        help=f"comma list of steps to run ({','.join(STEPS)}); default all")
    args = parser.parse_args(argv)
    if "wget" in args.only and not shutil.which("wget"):
        sys.exit("error: wget is not installed")
    ensure_nginx()
    work = args.keep or Path(tempfile.mkdtemp(prefix="crawlbench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = run_all(args.pages, args.dataset, work, args.only)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows, args.pages)
    if args.json:
        args.json.write_text(json.dumps({"pages": args.pages, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
