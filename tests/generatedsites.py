"""Generated sites for crawl tests, served on 127.0.0.1 from a thread of the test process.

`ListedSite`: `articles` articles whose URLs all share one path shape (long slugs: `/#/`),
listed in its sitemap only, and a home page with `trap` generated links of the same shape.
`DeadHostsSite`: one article whose page embeds `requisites` images spread over `hosts`
loopback addresses where nothing listens (every connection refused).
"""
from __future__ import annotations

import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.faultsite import article


class _Site:
    def __init__(self):
        self.hits: Counter[str] = Counter()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits[self.path] += 1
                status, body, kind = outer.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str) -> tuple[int, bytes, str]:
        raise NotImplementedError

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _html(body: str) -> tuple[int, bytes, str]:
    return 200, f"<!DOCTYPE html><html><body>{body}</body></html>".encode(), "text/html; charset=utf-8"


class ListedSite(_Site):
    SITE_FILE = """
name = "listed"
base_url = "http://127.0.0.1:1/"
start_urls = ["/"]
sitemaps = ["/sitemap.xml"]
article_patterns = ['^/[a-z0-9-]{{24,}}/$']

[politeness]
obey_robots = false
download_delay = 0.0
concurrency_per_domain = 16
autothrottle = false

[limits]
max_pages = {max_pages}
max_pages_per_pattern = {per_pattern}

[scope]
allow_private_networks = true
"""

    def __init__(self, articles: int = 1500, trap: int = 1500):
        super().__init__()
        self.articles = [f"/council-report-{i:05d}-on-the-city-budget/" for i in range(articles)]
        self.trap = [f"/generated-calendar-page-{i:05d}-of-many/" for i in range(trap)]

    def site_file(self, max_pages: int = 5000, per_pattern: int = 1000) -> str:
        return self.SITE_FILE.format(max_pages=max_pages, per_pattern=per_pattern)

    def answer(self, path):
        if path == "/":
            return _html("".join(f'<a href="{p}">more</a> ' for p in self.trap))
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{self.base_url}{p}</loc></url>" for p in self.articles)
            return 200, ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                         f"{urls}</urlset>").encode(), "application/xml"
        if path.startswith("/council-report-"):
            return 200, article(f"Council report {path.split('-')[2]}").encode(), "text/html; charset=utf-8"
        if path.startswith("/generated-calendar-page-"):
            return _html("nothing here")
        return 404, b"not here", "text/plain"


def refusing_hosts(count: int) -> list[str]:
    """`count` loopback host:port pairs where nothing listens (127.0.0.11 and up)."""
    with socket.socket() as s:                   # a port nothing listens on, checked below
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hosts = [f"127.0.0.{11 + i}:{port}" for i in range(count)]
    for host in hosts:
        with socket.socket() as probe:
            address, _ = host.split(":")
            assert probe.connect_ex((address, port)) != 0, f"{host} answers"
    return hosts


class DeadHostsSite(_Site):
    SITE_FILE = """
name = "deadhosts"
base_url = "http://127.0.0.1:1/"
start_urls = ["/"]
article_patterns = ['^/a/']

[politeness]
obey_robots = true
download_delay = 0.5
concurrency_per_domain = 2
autothrottle = false

[scope]
allow_private_networks = true
"""

    def __init__(self, requisites: int = 200, hosts: int = 10):
        super().__init__()
        self.hosts = refusing_hosts(hosts)
        self.requisites = [f"http://{self.hosts[i % hosts]}/img/{i}.png" for i in range(requisites)]

    def answer(self, path):
        if path == "/":
            return _html('<a href="/a/story/">story</a>')
        if path == "/a/story/":
            images = "".join(f'<img src="{url}">' for url in self.requisites)
            return 200, article("A story with many pictures").replace("</article>", images + "</article>").encode(), \
                "text/html; charset=utf-8"
        return 404, b"not here", "text/plain"


def run_pipeline(work, site_name: str, site_file: str, base_url: str, run_id: str, timeout: float = 300,
                 **env):
    """`newsarchive run SITE` over a site served here, with its site file in `work/sites`:
    (exit code, stdout, stderr, seconds). The store is `work/store`, staging `work/staging`
    (or NEWSARCHIVE_STAGING_DIR given in `env`)."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    (work / "sites").mkdir(exist_ok=True)
    (work / "sites" / f"{site_name}.toml").write_text(site_file)
    staging = env.pop("staging", work / "staging")
    cli = str(Path(sys.executable).with_name("newsarchive"))
    started = time.monotonic()
    result = subprocess.run([cli, "run", site_name, "--base-url", base_url + "/", "--run-id", run_id,
                             "--store", str(work / "store"), "--staging", str(staging)],
                            cwd=work, env={**os.environ, "NEWSARCHIVE_SITES_DIR": str(work / "sites"), **env},
                            capture_output=True, text=True, timeout=timeout)
    return result.returncode, result.stdout, result.stderr, time.monotonic() - started
