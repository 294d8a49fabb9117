"""The versioned archive: Delta Lake tables `archive/articles` and `archive/captures`.

An article gets a new version only when its cleaned content changed; each
publish commits once per table, tagged with the run id, so a run is atomic
and re-publishing the same run adds nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable
from deltalake.exceptions import TableNotFoundError

from . import tables
from .store import Store


@dataclass
class PublishResult:
    captures_added: int
    articles_seen: int
    versions_added: int
    new_articles: int
    changed_articles: int
    articles_table_version: int
    captures_table_version: int


class Archive:
    def __init__(self, store: Store):
        self.store = store

    def table(self, key: str) -> DeltaTable | None:
        try:
            return DeltaTable(self.store.table_uri(key), storage_options=self.store.storage_options())
        except TableNotFoundError:
            return None

    def _ensure(self, key: str, schema: pa.Schema) -> DeltaTable:
        return self.table(key) or DeltaTable.create(
            self.store.table_uri(key), schema=schema, mode="ignore", partition_by=["site"],
            storage_options=self.store.storage_options())

    def latest_versions(self, site: str) -> dict[str, dict]:
        """article_id -> the newest stored version's number and hashes."""
        table = self.table(tables.ARTICLES_KEY)
        if table is None:
            return {}
        data = table.to_pyarrow_table(
            filters=[("site", "=", site)],
            columns=["article_id", "version", "content_hash", "text_hash", "title"])
        latest: dict[str, dict] = {}
        for row in data.to_pylist():
            known = latest.get(row["article_id"])
            if known is None or row["version"] > known["version"]:
                latest[row["article_id"]] = row
        return latest

    def publish(self, site: str, run_id: str, captures: list[dict], articles: list[dict]) -> PublishResult:
        new_versions = plan_versions(_newest_per_article(articles), self.latest_versions(site))
        props = CommitProperties(custom_metadata={"newsarchive.run_id": run_id, "newsarchive.site": site})
        cap_table = self._merge(tables.CAPTURES_KEY, tables.CAPTURES, captures,
                                "t.record_id = s.record_id", props)
        art_table = self._merge(tables.ARTICLES_KEY, tables.ARTICLES, new_versions,
                                "t.article_id = s.article_id AND t.version = s.version", props)
        return PublishResult(
            captures_added=len(captures),
            articles_seen=len({a["article_id"] for a in articles}),
            versions_added=len(new_versions),
            new_articles=sum(1 for a in new_versions if a["version"] == 1),
            changed_articles=sum(1 for a in new_versions if a["version"] > 1),
            articles_table_version=art_table.version(),
            captures_table_version=cap_table.version(),
        )

    def _merge(self, key: str, schema: pa.Schema, rows: list[dict], predicate: str,
               props: CommitProperties) -> DeltaTable:
        """Insert the rows that are not there yet (partitioned by site), in one commit."""
        table = self._ensure(key, schema)
        if not rows:
            return table
        source = pa.Table.from_pylist(rows, schema=schema)
        predicate = f"t.site = '{_sql_str(rows[0]['site'])}' AND {predicate}"
        (table.merge(source, predicate=predicate, source_alias="s", target_alias="t",
                     commit_properties=props)
              .when_not_matched_insert_all()
              .execute())
        return table


def _newest_per_article(articles: list[dict]) -> list[dict]:
    newest: dict[str, dict] = {}
    for row in articles:
        known = newest.get(row["article_id"])
        if known is None or row["fetched_at"] > known["fetched_at"]:
            newest[row["article_id"]] = row
    return list(newest.values())


def plan_versions(candidates: list[dict], latest: dict[str, dict]) -> list[dict]:
    """Number the rows whose content differs from the newest stored version."""
    planned = []
    for row in candidates:
        known = latest.get(row["article_id"])
        if known and known["content_hash"] == row["content_hash"]:
            continue
        planned.append({**row, "version": (known["version"] + 1) if known else 1,
                        "change": change_kind(known, row)})
    return planned


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


def row_count(table: DeltaTable | None) -> int:
    return 0 if table is None else table.to_pyarrow_table(columns=["site"]).num_rows
