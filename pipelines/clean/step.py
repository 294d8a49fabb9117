"""The clean step: read a run's WARCs back from the store and turn article
responses into article rows; every response also becomes a capture row, with
the reason when it yielded no article.

Before extracting, the run's article pages are read once to learn the site's
template (pipelines.clean.sitetemplate) on top of the site's earlier runs; the new
template version is saved in the store and used for every page of the run."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from spiders.dates import parse_time, to_utc
from spiders.siteconfig import SiteDefinition

from newsarchive.errors import StepError
from pipelines.clean.decode import decode_page
from pipelines.clean.fingerprint import fingerprint
from pipelines.clean.pool import WarcPool, auto, cleaned, cores, default_workers
from pipelines.clean.extract import EXTRACTOR_VERSION, Article, NotAnArticle, extract_article, parse_html
from pipelines.clean.sitetemplate import Boilerplate, SiteTemplate, TemplateStore, page_keys
from pipelines.archive.ids import article_id
from pipelines.archive.tables import CONTENT_FIELDS
from pipelines.warc.records import ResponseRecord, iter_responses, record_spans

HTML_TYPES = {"text/html", "application/xhtml+xml"}
logger = logging.getLogger(__name__)


@dataclass
class CleanResult:
    captures: list[dict] = field(default_factory=list)
    articles: list[dict] = field(default_factory=list)

    def skip_counts(self) -> dict[str, int]:
        return skip_counts(self.captures)


def skip_counts(captures: Iterable[dict], counts: dict[str, int] | None = None) -> dict[str, int]:
    """Skipped captures by kind of reason, added to `counts`."""
    counts = {} if counts is None else counts
    for row in captures:
        reason = _reason_kind(row["skip_reason"])
        if reason:
            counts[reason] = counts.get(reason, 0) + 1
    return counts


def clean_warcs(store, keys: Iterable[str], site: SiteDefinition, run_id: str,
                progress: Callable[[ResponseRecord], None] | None = None,
                template_version: int | None = None, workers: int | None = None) -> CleanResult:
    """Clean the WARCs at `keys`; with `template_version`, use that stored site template
    instead of learning a new version from these WARCs."""
    result = CleanResult()
    for capture, article in clean_stream(store, keys, site, run_id, progress, template_version, workers):
        result.captures.append(capture)
        if article:
            result.articles.append(article)
    return result


def clean_stream(store, keys: Iterable[str], site: SiteDefinition, run_id: str,
                 progress: Callable[[ResponseRecord], None] | None = None,
                 template_version: int | None = None, workers: int | None = None
                 ) -> Iterator[tuple[dict, dict | None]]:
    """(capture row, article row or None) per record, in WARC order, cleaned on `workers`
    processes (default: pool.default_workers); nothing of the run is held but a few chunks."""
    keys = list(keys)
    workers = workers or (None if auto() and cores() > 1 else default_workers())
    if workers == 1:
        rows = _cleaned_here(store, keys, site, run_id, template_version)
    else:
        rows = _cleaned_on_pool(store, keys, site, run_id, template_version, workers)
    for record, capture, article in rows:
        if progress:
            progress(record)
        yield capture, article


def _cleaned_here(store, keys: list[str], site: SiteDefinition, run_id: str, template_version: int | None):
    boilerplate = _boilerplate(store, keys, site, template_version, lambda: learn_template(
        store, keys, site, TemplateStore(store).load(site.name) or SiteTemplate(site.name)))
    records = (record for key in keys
               for record in iter_responses(store, key, site.limits.max_response_bytes, failures=True))
    return cleaned(records, clean_record, site, run_id, boilerplate)


def _cleaned_on_pool(store, keys: list[str], site: SiteDefinition, run_id: str, template_version: int | None,
                     workers: int | None):
    """On `workers` processes, or as many as the run's record count pays for (pool.default_workers)."""
    spans = {key: record_spans(store, key) for key in keys}
    records = sum(map(len, spans.values()))
    workers = workers or default_workers(records)
    if workers == 1:
        yield from _cleaned_here(store, keys, site, run_id, template_version)
        return
    logger.info("cleaning %d records on %d worker processes", records, workers)
    pool = WarcPool(store, spans, site, run_id, workers)
    del spans                                   # the pool keeps only its slices
    with pool:
        def learn() -> SiteTemplate:
            template = TemplateStore(store).load(site.name) or SiteTemplate(site.name)
            for page_id, keys_of_page in pool.learned(page_blocks):
                template.learn(page_id, keys_of_page)
            return template
        yield from pool.cleaned(clean_record, _boilerplate(store, keys, site, template_version, learn))


def _boilerplate(store, keys: list[str], site: SiteDefinition, template_version: int | None,
                 learn: Callable[[], SiteTemplate]) -> Boilerplate:
    templates = TemplateStore(store)
    if template_version is None:
        template = learn()
        templates.save(template)
    else:
        template = templates.load(site.name, template_version)
        if template is None:
            raise StepError(f"site {site.name} has no template version {template_version}")
    return Boilerplate(template.boilerplate(), template.version)


def learn_template(store, keys: Iterable[str], site: SiteDefinition, template: SiteTemplate) -> SiteTemplate:
    """Add the blocks of every article page in the WARCs to the site's template."""
    for key in keys:
        for record in iter_responses(store, key, site.limits.max_response_bytes):
            page = page_blocks(record, site)
            if page is not None:
                template.learn(*page)
    return template


def page_blocks(record: ResponseRecord, site: SiteDefinition) -> tuple[str, set[str]] | None:
    """(page id, block keys) of an article page, None for any other record."""
    try:
        _check_article_record(record, site)
        tree = parse_html(decode_page(record.body, record.content_type))
    except NotAnArticle:
        return None
    return article_id(record.url), page_keys(tree)


def clean_record(record: ResponseRecord, site: SiteDefinition, run_id: str,
                 template: Boilerplate | None = None) -> tuple[dict, dict | None]:
    capture = _capture_row(record, site, run_id)
    try:
        article = _article(record, site, template)
    except NotAnArticle as exc:
        capture["skip_reason"] = str(exc)
        return capture, None
    row = article_row(article, record, site, run_id)
    capture["article_id"], capture["content_hash"] = row["article_id"], row["content_hash"]
    return capture, row


def _article(record: ResponseRecord, site: SiteDefinition, template: Boilerplate | None) -> Article:
    _check_article_record(record, site)
    return extract_article(decode_page(record.body, record.content_type), record.url, template)


def _check_article_record(record: ResponseRecord, site: SiteDefinition) -> None:
    if record.failure:
        raise NotAnArticle(f"fetch failed ({record.failure})")
    if record.record_type != "response":
        raise NotAnArticle(f"{record.record_type} record")
    if record.status != 200:
        raise NotAnArticle(f"HTTP status {record.status}")
    if record.mime not in HTML_TYPES and not (not record.mime and _looks_like_html(record.body)):
        raise NotAnArticle(f"not HTML ({record.mime or 'no type'})")
    if record.truncated:
        raise NotAnArticle(f"truncated capture ({record.truncated})")
    if record.too_large:
        raise NotAnArticle(f"body too large (inflates past {site.limits.max_response_bytes:,} bytes)")
    if not site.is_article(record.url):
        raise NotAnArticle("not an article URL")


def _looks_like_html(body: bytes) -> bool:
    """A page served without Content-Type: HTML if it opens like HTML (as browsers sniff)."""
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def _capture_row(record: ResponseRecord, site: SiteDefinition, run_id: str) -> dict:
    return {
        "site": site.name, "run_id": run_id, "record_id": record.record_id,
        "record_type": record.record_type, "url": record.url,
        "fetched_at": to_utc(parse_time(record.fetched_at)), "status": record.status,
        "mime": record.mime, "content_length": len(record.body),
        "payload_digest": record.payload_digest, "ip_address": record.ip_address,
        "warc_key": record.warc_key, "warc_offset": record.offset, "warc_length": record.length,
        "article_id": None, "content_hash": None, "skip_reason": None,
    }


def article_row(article: Article, record: ResponseRecord, site: SiteDefinition, run_id: str) -> dict:
    """The article's row of the `articles` table: its page fields and where and when it was read."""
    page = vars(article)
    return {
        **page,
        "site": site.name, "article_id": article_id(article.canonical_url), "version": None,
        "change": None, "content_hash": fingerprint({name: page[name] for name in CONTENT_FIELDS}),
        "text_hash": fingerprint({"text": article.text}), "word_count": len(article.text.split()),
        "fetched_at": to_utc(parse_time(record.fetched_at)), "warc_key": record.warc_key,
        "warc_offset": record.offset, "warc_length": record.length,
        "warc_record_id": record.record_id, "run_id": run_id, "extractor": EXTRACTOR_VERSION,
        "sources": json.dumps(article.sources, sort_keys=True),
    }


def _reason_kind(reason: str | None) -> str | None:
    return reason.split(" (")[0] if reason else None
