"""`newsarchive wacz`: package one site's captures over a date range as a WACZ
(WARCs, CDXJ index, pages.jsonl of the articles, datapackage), made and then
validated by the `wacz` tool, for ReplayWeb.page and other WACZ readers.

Revisit records are kept replayable: the WARCs holding the captures they refer
to are packed too, even when those were written before the range."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from newsarchive.errors import WaczError
from spiders.siteconfig import SiteDefinition

from pipelines.warc import cdxj
from pipelines.archive import tables
from pipelines.archive.writer import Archive
from pipelines.store import Store, layout
from pipelines.warc.verify import stored_warc_keys

WACZ = str(Path(sys.executable).with_name("wacz"))
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Articles"}


@dataclass
class WaczResult:
    path: Path
    warcs: int
    pages: int


def keys_in_range(store: Store, site: str, since: date, until: date) -> list[str]:
    return [k for k in stored_warc_keys(store, site) if since <= layout.warc_date(k) <= until]


def package(store: Store, site: SiteDefinition, since: date, until: date, out: Path) -> WaczResult:
    keys = keys_in_range(store, site.name, since, until)
    if not keys:
        raise WaczError(f"no WARC files of {site.name} between {since} and {until} in {store.uri}")
    with tempfile.TemporaryDirectory(prefix="wacz-") as tmp:
        folder = Path(tmp)
        pages, refers_to = _scan(store, keys, site, folder)
        extra = sorted(_referenced_warcs(store, site.name, refers_to) - set(keys))
        for key in extra:
            store.get_file(key, folder / Path(key).name)
        pages_file = folder / "pages.jsonl"
        _write_pages(pages_file, pages, _titles(store, site.name))
        warcs = [str(folder / Path(k).name) for k in keys + extra]
        _run([WACZ, "create", "-o", str(out), "-p", str(pages_file), "--title",
              f"{site.title or site.name}, {since} to {until}", *warcs])
        _run([WACZ, "validate", "-f", str(out)])
    return WaczResult(out, len(warcs), len(pages))


def _scan(store: Store, keys: list[str], site: SiteDefinition, folder: Path):
    """Copy each WARC to `folder`; collect article pages and what revisits refer to."""
    pages: dict[tuple[str, str], None] = {}
    refers_to: set[tuple[str, str]] = set()
    for key in keys:
        store.get_file(key, folder / Path(key).name)
        with open(folder / Path(key).name, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type not in ("response", "revisit") or record.http_headers is None:
                    continue
                url, when = record.rec_headers.get_header("WARC-Target-URI"), record.rec_headers.get_header("WARC-Date")
                if record.http_headers.get_statuscode() == "200" and site.is_article(url):
                    pages[(url, when)] = None
                if record.rec_type == "revisit":
                    refers_to.add((record.rec_headers.get_header("WARC-Refers-To-Target-URI"),
                                   record.rec_headers.get_header("WARC-Refers-To-Date")))
    return list(pages), refers_to


def _referenced_warcs(store: Store, site: str, refers_to: set[tuple[str, str]]) -> set[str]:
    """The WARC files holding the records revisits refer to, looked up in the site's CDXJ index."""
    wanted = {(url, _timestamp14(when)) for url, when in refers_to}
    found = set()
    for line in cdxj.iter_lines(store, layout.site_index_key(site)):
        _, stamp, fields = line.split(" ", 2)
        entry = json.loads(fields)
        if entry.get("mime") != "warc/revisit" and (entry["url"], stamp) in wanted:
            found.add(entry["filename"])
    return found


def _timestamp14(warc_date: str) -> str:
    return "".join(ch for ch in warc_date if ch.isdigit())[:14]


def _titles(store: Store, site: str) -> dict[str, str]:
    table = Archive(store).table(tables.ARTICLES_TABLE)
    if table is None:
        return {}
    rows = table.to_pyarrow_table(columns=["site", "url", "title", "version"]).to_pylist()
    rows.sort(key=lambda r: r["version"] or 0)       # the latest version's title wins
    return {r["url"]: r["title"] for r in rows if r["site"] == site and r["title"]}


def _write_pages(path: Path, pages: list[tuple[str, str]], titles: dict[str, str]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(PAGES_HEADER) + "\n")
        for n, (url, when) in enumerate(pages):
            page = {"id": f"page-{n}", "url": url, "ts": when}
            if url in titles:
                page["title"] = titles[url]
            fh.write(json.dumps(page, ensure_ascii=False) + "\n")


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip() or result.stdout.strip() or f"exit code {result.returncode}").splitlines()[-1]
        raise WaczError(f"{Path(cmd[0]).name} {cmd[1]} failed: {last}")

