"""`newsarchive replay`: pywb over the store's WARCs and CDXJ indexes, on 127.0.0.1, with
the research page (search, history, diff) at /research/ on the same port.

One pywb collection per site, named after it: `/<site>/<timestamp>/<url>` serves a
page as captured closest to that time (Memento-style), `/<site>/<timestamp>id_/<url>`
the original bytes. pywb runs as a `wayback` process of its own (it patches the
interpreter with gevent; pipelines/research/serve.py starts it with the research page beside
it). Withheld URLs (takedowns) are pywb `block` rules: 451 and a page saying so. It reads WARC records where they are: from the folder of a
local store, or straight from S3 with ranged GETs (boto3's standard configuration,
AWS_ENDPOINT_URL included); only the small per-site CDXJ indexes are copied locally.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import yaml

from newsarchive.errors import ReplayError
from pipelines.store import Store, layout

ACL_FILE = "acl/takedowns.aclj"


def sites_with_index(store: Store) -> list[str]:
    return sorted({site for o in store.list(layout.indexes_prefix()) if (site := layout.indexed_site(o.key))})


def archive_root(store: Store) -> str:
    """Prefix pywb puts before a CDXJ filename (a store key) to load the WARC."""
    if store.uri.startswith("file://"):
        return str(store.root) + "/"
    return store.uri.rstrip("/") + "/"          # s3://bucket/prefix/: pywb's own S3 loader


def write_config(store: Store, workdir: Path, sites: list[str]) -> Path:
    """pywb's config.yaml with a collection per site; indexes copied beside it; the access
    rules of the takedowns in force and the page that says a capture is withheld."""
    from pipelines.access.withheldpage import write_templates
    from pipelines.access.withholding import refresh_acl

    (workdir / "indexes").mkdir(parents=True, exist_ok=True)
    acl = workdir / ACL_FILE
    acl.parent.mkdir(parents=True, exist_ok=True)
    refresh_acl(store, acl)
    write_templates(workdir)
    collections = {}
    for site in sites:
        index = workdir / "indexes" / f"{site}.cdxj"
        store.get_file(layout.site_index_key(site), index)
        collections[site] = {"index_paths": str(index), "archive_paths": archive_root(store),
                             "acl_paths": [str(acl)]}
    # Unframed replay: the page itself at /<site>/<timestamp>/<url>, not a frame around it.
    config = {"collections": collections, "framed_replay": False, "enable_memento": True}
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")


class ReplayServer:
    def __init__(self, store: Store, workdir: Path, port: int = 0, host: str = "127.0.0.1"):
        self.store, self.workdir, self.host = store, Path(workdir), host
        self.port = port or _free_port(host)
        self.sites: list[str] = []
        self._proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def page_url(self, site: str, url: str, at: datetime | None = None, original: bool = False) -> str:
        stamp = timestamp(at or datetime.now(timezone.utc))
        return f"{self.url}{site}/{stamp}{'id_' if original else ''}/{url}"

    def start(self, timeout: float = 60) -> "ReplayServer":
        self.sites = sites_with_index(self.store)
        if not self.sites:
            raise ReplayError(f"nothing to replay in {self.store.uri}: no CDXJ index (upload a crawl first)")
        write_config(self.store, self.workdir, self.sites)
        log = open(self.workdir / "pywb.log", "wb")
        self._proc = subprocess.Popen([sys.executable, "-m", "pipelines.research.serve", "--bind", self.host,
                                       "--port", str(self.port), "--store", self.store.uri, "--acl", ACL_FILE],
                                      cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)
        self._wait(timeout)
        return self

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                tail = (self.workdir / "pywb.log").read_text(errors="replace").strip().splitlines()[-1:]
                raise ReplayError(f"pywb exited with code {self._proc.returncode}: {' '.join(tail)}")
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise ReplayError(f"pywb did not listen on {self.host}:{self.port} within {timeout:.0f} s")

    def wait(self) -> int:
        return self._proc.wait()

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]
