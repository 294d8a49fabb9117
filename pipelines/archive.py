"""The versioned archive, write side: Delta Lake tables `articles` and `captures`.

An article gets a new version only when its cleaned content changed. Rows are
upserted on (article id, content hash, extractor), so re-publishing a run, or
two runs publishing the same content at once, adds nothing twice. Each publish
makes at most one commit per table, tagged with the run id; when another writer
commits first, the whole plan is made again from the new table state.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable
from deltalake.exceptions import CommitFailedError, TableNotFoundError

from . import tables
from .store import Store

MAX_ATTEMPTS = 10
ARTICLE_KEY = "t.article_id = s.article_id AND t.content_hash = s.content_hash AND t.extractor = s.extractor"
CAPTURE_KEY = "t.record_id = s.record_id"


class ArchiveError(Exception):
    """The archive could not be written; the message is one line."""


@dataclass
class PublishResult:
    captures_added: int
    articles_seen: int
    versions_added: int
    new_articles: int
    changed_articles: int
    articles_table_version: int
    captures_table_version: int
    attempts: int = 1


class Archive:
    def __init__(self, store: Store):
        self.store = store

    def table(self, key: str, version: int | None = None) -> DeltaTable | None:
        try:
            return DeltaTable(self.store.table_uri(key), version=version,
                              storage_options=self.store.storage_options())
        except TableNotFoundError:
            return None

    def ensure_tables(self) -> None:
        for key, schema in ((tables.ARTICLES_KEY, tables.ARTICLES), (tables.CAPTURES_KEY, tables.CAPTURES)):
            if self.table(key) is None:
                DeltaTable.create(self.store.table_uri(key), schema=schema, mode="ignore",
                                  partition_by=["site"], storage_options=self.store.storage_options())

    def known_versions(self, site: str, extractor: str) -> dict[str, dict]:
        """article_id -> its newest stored version and every content hash it ever had (one extractor)."""
        table = self.table(tables.ARTICLES_KEY)
        if table is None:
            return {}
        data = table.to_pyarrow_table(
            filters=[("site", "=", site), ("extractor", "=", extractor)],
            columns=["article_id", "version", "content_hash", "text_hash", "title"])
        known: dict[str, dict] = {}
        for row in data.to_pylist():
            entry = known.setdefault(row["article_id"], {**row, "hashes": set()})
            entry["hashes"].add(row["content_hash"])
            if row["version"] > entry["version"]:
                entry.update(row)
        return known

    def publish(self, site: str, run_id: str, captures: list[dict], articles: list[dict]) -> PublishResult:
        self.ensure_tables()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                result = self._publish_once(site, run_id, captures, articles)
                result.attempts = attempt
                return result
            except CommitFailedError:
                time.sleep(random.uniform(0.05, 0.3) * attempt)   # another writer won: plan again
        raise ArchiveError(f"could not commit run {run_id} of {site} after {MAX_ATTEMPTS} attempts "
                           "(too many concurrent writers)")

    def _publish_once(self, site: str, run_id: str, captures: list[dict], articles: list[dict]) -> PublishResult:
        extractor = articles[0]["extractor"] if articles else None
        known = self.known_versions(site, extractor) if extractor else {}
        new_versions = plan_versions(articles, known)
        props = CommitProperties(custom_metadata={"newsarchive.run_id": run_id, "newsarchive.site": site})
        art_table = self._merge(tables.ARTICLES_KEY, tables.ARTICLES, new_versions, ARTICLE_KEY, props)
        resolved = resolve_revisits(captures, self.latest_by_url(site) if _has_revisits(captures) else {})
        cap_table = self._merge(tables.CAPTURES_KEY, tables.CAPTURES, resolved, CAPTURE_KEY, props)
        return PublishResult(
            captures_added=len(captures),
            articles_seen=len({a["article_id"] for a in articles}),
            versions_added=len(new_versions),
            new_articles=sum(1 for a in new_versions if a["version"] == 1),
            changed_articles=sum(1 for a in new_versions if a["version"] > 1),
            articles_table_version=art_table.version(),
            captures_table_version=cap_table.version(),
        )

    def latest_by_url(self, site: str) -> dict[str, dict]:
        """url -> (article_id, content_hash) of its newest version, whatever the extractor."""
        table = self.table(tables.ARTICLES_KEY)
        if table is None:
            return {}
        data = table.to_pyarrow_table(filters=[("site", "=", site)],
                                      columns=["url", "article_id", "content_hash", "fetched_at"])
        newest: dict[str, dict] = {}
        for row in data.to_pylist():
            if row["url"] not in newest or row["fetched_at"] > newest[row["url"]]["fetched_at"]:
                newest[row["url"]] = row
        return newest

    def _merge(self, key: str, schema: pa.Schema, rows: list[dict], predicate: str,
               props: CommitProperties) -> DeltaTable:
        """Insert the rows that are not there yet, in one commit (none when nothing is new)."""
        table = self.table(key)
        if not rows:
            return table
        order = "article_id" if "version" in schema.names else "url"
        source = pa.Table.from_pylist(rows, schema=schema).sort_by(order)   # tight row-group stats
        site = _sql_str(rows[0]["site"])
        (table.merge(source, predicate=f"t.site = '{site}' AND {predicate}", source_alias="s",
                     target_alias="t", commit_properties=props, writer_properties=tables.WRITER_PROPERTIES,
                     merge_schema=True)   # archives made before a column was added gain it
              .when_not_matched_insert_all()
              .execute())
        return table


def plan_versions(fetches: list[dict], known: dict[str, dict]) -> list[dict]:
    """Walk each article's fetches in time order and number every content not seen before.
    A content the article had earlier is a sighting of that version, not a new one
    (the archive is keyed on article id and content hash)."""
    planned = []
    for row in sorted(fetches, key=lambda r: (r["article_id"], r["fetched_at"])):
        entry = known.setdefault(row["article_id"], {"version": 0, "hashes": set(), "title": None,
                                                     "text_hash": None})
        if row["content_hash"] in entry["hashes"]:
            continue
        previous = entry if entry["version"] else None
        planned.append({**row, "version": entry["version"] + 1, "change": change_kind(previous, row)})
        entry.update(version=entry["version"] + 1, title=row["title"], text_hash=row["text_hash"])
        entry["hashes"].add(row["content_hash"])
    return planned


def resolve_revisits(captures: list[dict], by_url: dict[str, dict]) -> list[dict]:
    """A revisit record says the URL's payload is unchanged since its previous capture:
    it counts as a sighting of that URL's newest article version."""
    resolved = []
    for row in captures:
        known = by_url.get(row["url"]) if row.get("record_type") == "revisit" else None
        if known and not row.get("article_id"):
            row = {**row, "article_id": known["article_id"], "content_hash": known["content_hash"]}
        resolved.append(row)
    return resolved


def _has_revisits(captures: list[dict]) -> bool:
    return any(row.get("record_type") == "revisit" for row in captures)


def change_kind(old: dict | None, new: dict) -> str:
    if old is None:
        return "new"
    if old["title"] != new["title"]:
        return "headline"
    if old["text_hash"] != new["text_hash"]:
        return "body"
    return "metadata"


def _sql_str(value: str) -> str:
    return value.replace("'", "''")
