"""The public evaluation sets that bench/extraction.py reads beside the two it always had.

Their licences do not let this repository carry their pages (docs/benchmarks.md), so they are
read from checkouts of their public repositories, all under one folder (`--external`, by
default bench/external/, which git ignores):

    git clone https://github.com/geodrome/page-signal bench/external/page-signal
    git clone https://github.com/j-szulc/html-cleaning-dataset-merged bench/external/html-cleaning-dataset-merged

- `l3s-gn1`: the L3S-GN1 news set (Kohlschütter et al., WSDM 2010; research use only), 621
  pages from 408 sites. The reference body is the text its assessors marked "full text"
  (class x-nc-sel2 in the annotated copy), the reference title the text marked "headline".
- `dragnet`: the Dragnet set's test split (news and blog articles of 2012; AGPLv3), 414 pages,
  read from the merged repository, which carries the same pages and reference texts as
  seomoz/dragnet_data without its tarballs. The reference is the text before the comments mark.
- `cleaneval`: CleanPortalEval (71 news-portal and news-blog pages of 5 sites, all kept) and the
  pages of CleanEval (dev and final; web pages of every kind) whose URL names news: a host label
  or path segment that is "news", or a path segment "story"/"stories" (how chosen: a rule on the
  URL alone, written before any page was scored; it keeps some non-news pages and misses some
  news pages).

bench/data/manifests/{set}.tsv lists each page used (id, URL, SHA-256 of its HTML and of its
reference), so a checkout of other contents is reported rather than silently scored.
"""
from __future__ import annotations

import hashlib
import html as html_lib
import re
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = ROOT / "bench" / "external"
MANIFESTS = ROOT / "bench" / "data" / "manifests"
L3S = "page-signal/L3S-GN1-20100130203947-00001"
MERGED = "html-cleaning-dataset-merged"
NEWS_URL = re.compile(r"(^|[./_-])news([./_-]|$)|/stor(y|ies)[/_.,-]", re.I)
COMMENTS_MARK = "!@#$%^&*()  COMMENTS"
GOLD_TAG = re.compile(r"^\s*<(p|h|l)>", re.M)        # CleanEval's paragraph, heading and list marks
TEXT_ID = re.compile(rb'<text id="([^"]*)"')


class Page(tuple):
    """(id, url, reference body, page bytes), the layout load_dataset gives; `title` is the
    reference title where the set has one."""
    title: str | None = None

    def __new__(cls, page_id: str, url: str, truth: str, html: bytes, title: str | None = None):
        page = super().__new__(cls, (page_id, url, truth, html))
        page.title = title
        return page


def missing(name: str, external: Path) -> str | None:
    """Why the set cannot be read from `external`, or None."""
    need = external / (L3S if name == "l3s-gn1" else MERGED)
    if not need.is_dir():
        return f"{need} is missing (see bench/datasets.py for the git clone to run)"
    return None


def load(name: str, external: Path = EXTERNAL, manifests: Path = MANIFESTS) -> list[Page]:
    if name == "dragnet":
        pages = _dragnet(external, (manifests / "dragnet-test-split.txt").read_text().split())
    else:
        pages = {"l3s-gn1": _l3s, "cleaneval": _cleaneval}[name](external)
    return check(name, pages, manifests)


def _l3s(external: Path) -> list[Page]:
    folder = external / L3S
    urls = dict(line.split("\t", 1) for line in (folder / "url-mapping.txt").read_text().split("\n") if line)
    pages = []
    for page_id, url in sorted(urls.items()):
        uuid = page_id.removeprefix("<urn:uuid:").removesuffix(">")
        annotated = lxml.html.parse(str(folder / "annotated" / f"{uuid}.html")).getroot()
        body = _marked(annotated, "x-nc-sel2")
        title = _marked(annotated, "x-nc-sel1").replace("\n", " ").strip() or None
        pages.append(Page(uuid, url.strip(), body, (folder / "original" / f"{uuid}.html").read_bytes(), title))
    return pages


def _marked(tree, cls: str) -> str:
    spans = tree.xpath(f"//span[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]")
    return "\n".join(s.text_content().strip() for s in spans if s.text_content().strip())


def _dragnet(external: Path, split: list[str]) -> list[Page]:
    folder = external / MERGED / "dragnet_data"
    pages = []
    for page_id in split:
        html = (folder / "input" / f"{page_id}.html").read_bytes()
        truth = (folder / "GoldStandard" / f"{page_id}.txt").read_text(encoding="utf-8", errors="replace")
        pages.append(Page(page_id, _page_url(html) or f"http://dragnet-{page_id}.invalid/",
                          truth.split(COMMENTS_MARK)[0], html))
    return pages


def _page_url(html: bytes) -> str | None:
    """The page's own URL where it states one (canonical link or og:url): Dragnet's pages come
    without their URLs, and the per-host figures and site templates need the host."""
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None
    for xpath in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        found = [u for u in tree.xpath(xpath) if u.startswith("http")]
        if found:
            return found[0].strip()
    return None


def _cleaneval(external: Path) -> list[Page]:
    pages = []
    for part in ("CleanPortalEval-master", "cleaneval-dev", "cleaneval-final"):
        folder = external / MERGED / part
        for path in sorted((folder / "input").glob("*.html")):
            html = path.read_bytes()
            found = TEXT_ID.search(html[:2048])
            url = found.group(1).decode("utf-8", "replace") if found else ""
            if part != "CleanPortalEval-master" and not NEWS_URL.search(url.split("://", 1)[-1]):
                continue
            gold = folder / "GoldStandard" / f"{path.stem}.txt"
            if not gold.is_file():
                continue
            truth = gold.read_text(encoding="utf-8", errors="replace")
            truth = GOLD_TAG.sub("", re.sub(r"^\s*URL:.*$", "", truth, count=1, flags=re.M))
            pages.append(Page(f"{part}/{path.stem}", url, html_lib.unescape(truth), html))
    return pages


def _digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()[:16]


def manifest_rows(pages: list[Page]) -> list[str]:
    return [f"{p[0]}\t{p[1]}\t{_digest(p[3])}\t{_digest(p[2])}" for p in pages]


def check(name: str, pages: list[Page], manifests: Path = MANIFESTS) -> list[Page]:
    """The pages, once their hashes match the set's manifest (written when absent)."""
    manifest = manifests / f"{name}.tsv"
    rows = manifest_rows(pages)
    if not manifest.is_file():
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text("id\turl\thtml sha256\treference sha256\n" + "\n".join(rows) + "\n")
        return pages
    expected = manifest.read_text().split("\n")[1:]
    expected = [row for row in expected if row]
    if rows != expected:
        differ = len(set(expected) ^ set(rows))
        raise SystemExit(f"error: {name}: the checkout differs from {manifest} ({differ} rows differ)")
    return pages
