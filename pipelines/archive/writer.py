"""The versioned archive, write side: Delta Lake tables `articles` and `captures`.

An article gets a new version only for a cleaned content it never had; versions are
numbered in the order their contents were first captured. A return to an earlier content
is a sighting of that version: the sequence of states (A, B, A ...) is read from the
captures (pipelines/archive/sightings.py, states.py). Rows are upserted on (article id, content hash,
extractor). Each publish makes at most one commit per table, planned and
committed on one table snapshot and tagged with the publish id: when another
writer has committed to the same site since, the commit fails and the plan is
made again (pipelines/archive/commit.py); a table that already holds the
publish's commit is not written again.

Memory stays flat whatever the size of the run: it is planned a slice of 1,000 articles
at a time (pipelines/archive/runrows.py) into a local Parquet file, which is then written
as the table's data files a batch of rows at a time (pipelines/archive/datafiles.py); the
stored rows it renumbers or replaces are changed by copying the files that hold them
(pipelines/archive/changes.py). The new files and the removes of the copied ones are one
commit: readers see all of a publish or none of it. (Delta's merge did the same in one
call but held its whole source in memory: 1.4 GB for 30,000 articles.)
"""
from __future__ import annotations

import json
import random
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import CommitProperties, DeltaTable
from deltalake.exceptions import CommitFailedError, DeltaError
from deltalake.schema import Field

from newsarchive.errors import ArchiveError
from pipelines.archive import tables
from pipelines.archive.changes import StoredChanges
from pipelines.archive.commit import commit
from pipelines.archive.deltaretry import retrying
from pipelines.archive.publishmarks import HISTORY_LIMIT, PUBLISH_ID, may_hold
from pipelines.archive.datafiles import DataFiles
from pipelines.archive.runrows import RunRows
from pipelines.archive.staged import StagedParquet
from pipelines.store import Store

MAX_ATTEMPTS = 20                           # 8 writers at once: up to 7 losses per table
COUNTS = "newsarchive.counts"              # ... and what it added (JSON)
VERSIONING_COLUMNS = ["article_id", "content_hash", "version", "change", "fetched_at", "title", "text_hash"]


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
        return tables.open_table(self.store, key, version)

    def ensure_tables(self) -> None:
        """Create the tables once, even when several publishes start on an empty store; a table
        made before a column was added gains it."""
        for key, schema in ((tables.ARTICLES_TABLE, tables.ARTICLES), (tables.CAPTURES_TABLE, tables.CAPTURES)):
            if self.table(key) is not None:
                self._add_missing_columns(key, schema)
                tables.ensure_properties(self.table(key))    # a table made before them gains them
                continue
            try:
                DeltaTable.create(self.store.table_uri(key), schema=schema, mode="ignore",
                                  partition_by=["site"], storage_options=self.store.storage_options(),
                                  configuration=tables.new_table_properties(),
                                  raise_if_key_not_exists=False,       # our own keys beside Delta's
                                  # no retry as version 1 when another creator took version 0
                                  commit_properties=CommitProperties(max_commit_retries=0))
            except (CommitFailedError, DeltaError):
                if self.table(key) is None:      # lost the race to another creator: fine; else real
                    raise

    def _add_missing_columns(self, key: str, schema: pa.Schema) -> None:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            table = self.table(key)
            known = {field.name for field in table.schema().fields}
            missing = [Field.from_arrow(field) for field in schema if field.name not in known]
            if not missing:
                return
            try:
                table.alter.add_columns(missing, commit_properties=CommitProperties(max_commit_retries=0))
            except (CommitFailedError, DeltaError):
                if attempt == MAX_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0.05, 0.3))    # another writer committed first: look again

    def publish(self, site: str, run_id: str, captures: RunRows | Path | list[dict],
                articles: RunRows | Path | list[dict], publish_id: str | None = None) -> PublishResult:
        """Commit a run exactly once: a table that already holds this publish's commit (a retry,
        or a concurrent publish of the same run) is not written again, and the counts come
        from that commit's info. `publish_id` (default: the run id) names the publish. The rows
        come as lists or as staged Parquet files."""
        publish_id = publish_id or run_id
        captures, articles = RunRows.of(captures), RunRows.of(articles)
        what = f"publish run {run_id} of {site}"
        try:
            retrying(self.store, what, self.ensure_tables)
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:       # a store failing for now: the same plan-and-commit again (exactly once)
                    result = retrying(self.store, what,
                                      lambda: self._publish_once(site, run_id, publish_id, captures, articles))
                    result.attempts = attempt
                    return result
                except CommitFailedError:
                    time.sleep(random.uniform(0.05, 0.3) * attempt)   # another writer won: plan again
        except (DeltaError, OSError) as exc:
            raise ArchiveError(f"store {self.store.uri}: cannot publish run {run_id} of {site}: "
                               f"{one_line(exc)}") from exc
        raise ArchiveError(f"could not commit run {run_id} of {site} after {MAX_ATTEMPTS} attempts "
                           "(too many concurrent writers)")

    def _publish_once(self, site: str, run_id: str, publish_id: str, captures: RunRows,
                      articles: RunRows) -> PublishResult:
        art = self.table(tables.ARTICLES_TABLE)       # plan and commit on this one snapshot
        counts = committed_counts(art, publish_id)
        if counts is None:
            with self._planned_articles(art, site, articles) as (planned, changes, counts):
                counts["table_version"] = self._commit(art, tables.ARTICLES_TABLE, site, tables.ARTICLES,
                                                       planned, changes, _metadata(site, run_id, publish_id, counts))
        cap = self.table(tables.CAPTURES_TABLE)
        cap_counts = committed_counts(cap, publish_id)
        if cap_counts is None:
            cap_counts = {"captures_added": len(captures)}
            with self._planned_captures(cap, site, captures) as planned:
                metadata = _metadata(site, run_id, publish_id, cap_counts)
                cap_counts["table_version"] = self._commit(cap, tables.CAPTURES_TABLE, site, tables.CAPTURES,
                                                           planned, None, metadata)
        return PublishResult(
            captures_added=cap_counts["captures_added"],
            articles_seen=counts["articles_seen"],
            versions_added=counts["versions_added"],
            new_articles=counts["new_articles"],
            changed_articles=counts["changed_articles"],
            articles_table_version=counts["table_version"],
            captures_table_version=cap_counts["table_version"],
        )

    @contextmanager
    def _planned_articles(self, table: DeltaTable, site: str, articles: RunRows):
        """The rows to write (a local Parquet file, sorted by article id), the stored rows they
        renumber or replace, and their counts, planned a slice of articles at a time against the
        stored versions of those articles."""
        extractor = next(iter(articles.column("extractor")), None)
        stored = self.versioning_columns(table, site, extractor)
        counts = {"versions_added": 0, "new_articles": 0, "changed_articles": 0, "articles_seen": 0}
        changes = StoredChanges(site, extractor)
        planned = StagedParquet(tables.ARTICLES)
        try:
            with planned:        # in article id order, slice after slice: tight row-group statistics
                for rows in articles.slices("article_id", fold=first_fetches):
                    ids = {row["article_id"] for row in rows}
                    history = history_of(stored, ids, site, extractor)
                    rows, added = plan_versions(rows, history)
                    planned.extend(split_changes(rows, history, changes))
                    counts = {k: v + added.get(k, 0) for k, v in counts.items()}
                    counts["articles_seen"] += len(ids)
            yield planned, changes, counts
        finally:
            planned.path.unlink(missing_ok=True)

    @contextmanager
    def _planned_captures(self, table: DeltaTable, site: str, captures: RunRows):
        """The capture rows to write (a local Parquet file): revisits resolved where the capture
        they confirm is known, captures already stored left out."""
        revisits = {(url, digest) for url, digest, kind in zip(captures.column("url"), captures.column("payload_digest"),
                                                               captures.column("record_type")) if kind == "revisit"}
        known = stored_payloads(table, site, revisits) if revisits else {}
        stored = stored_records(table, site, set(captures.column("run_id")))
        with StagedParquet(tables.CAPTURES) as planned:
            for rows in captures.slices("url"):
                planned.extend(row for row in resolve_revisits(rows, known) if row["record_id"] not in stored)
        try:
            yield planned
        finally:
            planned.path.unlink(missing_ok=True)

    def _commit(self, table: DeltaTable, key: str, site: str, schema: pa.Schema, rows: StagedParquet,
                changes: StoredChanges | None, metadata: dict) -> int:
        """Write the planned rows, and copies of the stored files whose rows they change, as new
        data files, a batch at a time, and commit them in one commit on the snapshot `table` was
        read at (none when nothing is new). Returns the table version that holds them."""
        if not rows.count and not changes:
            return table.version()
        with DataFiles(self.store, key, site, schema) as files:
            files.write_file(rows.path)
            removes = changes.rewrite(table, files) if changes else []
        return commit(self.store, key, table, site, files.adds + removes, metadata)

    @staticmethod
    def versioning_columns(table: DeltaTable, site: str, extractor: str | None) -> pa.Table | None:
        """What versioning needs of the site's stored rows of one extractor (no text: compact)."""
        if not extractor:
            return None
        return tables.site_rows(table, site, VERSIONING_COLUMNS, [("extractor", "=", extractor)])


def split_changes(planned: list[dict], history: dict[str, list[dict]], changes: StoredChanges) -> list[dict]:
    """The planned rows to write; a planned row of a stored content renumbers the stored row
    (`changes`), or, seen earlier than stored, replaces it: the stored row is dropped."""
    stored = {(aid, row["content_hash"]): row for aid, rows in history.items() for row in rows}
    written = []
    for row in planned:
        old = stored.get((row["article_id"], row["content_hash"]))
        if old is not None and row["fetched_at"] >= old["fetched_at"]:
            changes.renumber(row["article_id"], row["content_hash"], row["version"], row["change"])
            continue
        if old is not None:
            changes.drop(row["article_id"], row["content_hash"])
        written.append(row)
    return written


def stored_records(table: DeltaTable, site: str, run_ids: set[str | None]) -> set[str]:
    """Record ids of the runs `run_ids` already stored (a WARC record belongs to one run)."""
    runs = sorted(r for r in run_ids if r is not None)
    if not runs:
        return set()
    data = tables.site_rows(table, site, ["record_id"], [("run_id", "in", runs)])
    return set(data.column("record_id").to_pylist())


def history_of(stored: pa.Table | None, ids: set[str], site: str, extractor: str | None) -> dict[str, list[dict]]:
    """article_id -> its stored rows (versioning columns), for the articles `ids`."""
    if stored is None or not ids:
        return {}
    found: dict[str, list[dict]] = {}
    for row in stored.filter(pc.is_in(stored["article_id"], value_set=pa.array(sorted(ids)))).to_pylist():
        found.setdefault(row["article_id"], []).append({**row, "site": site, "extractor": extractor})
    return found


def committed_counts(table: DeltaTable, publish_id: str) -> dict | None:
    """The counts recorded by this publish's commit in the table, and its version, if it made one."""
    if not may_hold(table, publish_id):
        return None
    for commit in table.history(limit=HISTORY_LIMIT):
        if commit.get(PUBLISH_ID) == publish_id:
            return {**json.loads(commit.get(COUNTS, "{}")), "table_version": commit["version"]}
    return None


def _metadata(site: str, run_id: str, publish_id: str, counts: dict) -> dict:
    return {"newsarchive.run_id": run_id, "newsarchive.site": site, PUBLISH_ID: publish_id, COUNTS: json.dumps(counts)}


def one_line(exc: Exception) -> str:
    """deltalake's multi-line, coloured error chains as one plain line."""
    return " ".join(re.sub(r"\x1b\[[0-9;]*m|↳", " ", str(exc)).split())


def first_fetches(rows: list[dict]) -> list[dict]:
    """The first fetch of each content of each article (of equal times, the first in `rows`):
    all of a run that plan_versions reads, since a later fetch of a content is a sighting of it."""
    first: dict[tuple, dict] = {}
    for row in rows:
        seen = first.get((row["article_id"], row["content_hash"]))
        if seen is None or row["fetched_at"] < seen["fetched_at"]:
            first[(row["article_id"], row["content_hash"])] = row
    return list(first.values())


def plan_versions(fetches: list[dict], history: dict[str, list[dict]]) -> tuple[list[dict], dict]:
    """Number each article's contents 1..n in the order they were first fetched (`fetched_at`),
    whatever order the runs are published in. A content the article had before is a sighting
    of that version, not a new one; seen earlier than stored, its row moves to that capture.
    Returns the rows to write (new, renumbered or moved) and the counts of new ones."""
    counts = {"versions_added": 0, "new_articles": 0, "changed_articles": 0}
    planned: list[dict] = []
    by_article: dict[str, list[dict]] = {}
    for row in fetches:
        by_article.setdefault(row["article_id"], []).append(row)
    for article_id, rows in sorted(by_article.items()):
        stored = {r["content_hash"]: r for r in history.get(article_id, [])}
        first = dict(stored)
        for row in sorted(rows, key=lambda r: r["fetched_at"]):
            seen = first.get(row["content_hash"])
            if seen is None or row["fetched_at"] < seen["fetched_at"]:
                first[row["content_hash"]] = row
        previous = None
        for number, row in enumerate(sorted(first.values(), key=lambda r: (r["fetched_at"], r["content_hash"])), 1):
            planned_row = {**row, "version": number, "change": change_kind(previous, row)}
            old = stored.get(row["content_hash"])
            if old is None:
                counts["versions_added"] += 1
                counts["new_articles" if not stored and number == 1 else "changed_articles"] += 1
            if old is None or any(old[c] != planned_row[c] for c in ("version", "change", "fetched_at")):
                planned.append(planned_row)
            previous = row
    return planned, counts


def stored_payloads(table: DeltaTable, site: str, revisits: set[tuple]) -> dict[tuple, dict]:
    """(url, payload digest) -> the article and content the stored response with that URL and
    digest showed, for the (url, digest) pairs of `revisits`."""
    urls = sorted({url for url, _digest in revisits})
    digests = sorted({digest for _url, digest in revisits if digest})
    if not digests:
        return {}
    # the originals only: a page re-crawled every day adds revisits and new payloads, not rows read here
    data = tables.site_rows(table, site, ["url", "payload_digest", "record_type", "article_id", "content_hash",
                                          "fetched_at"],
                            [("record_type", "=", "response"), ("url", "in", urls), ("payload_digest", "in", digests)])
    return _payloads(sorted(data.to_pylist(), key=lambda row: row["fetched_at"]))


def _payloads(rows: list[dict]) -> dict[tuple, dict]:
    found: dict[tuple, dict] = {}
    for row in rows:
        if row.get("record_type") != "revisit" and row.get("content_hash"):
            found.setdefault((row["url"], row["payload_digest"]), row)
    return found


def resolve_revisits(captures: list[dict], known: dict[tuple, dict]) -> list[dict]:
    """A revisit (identical payload, or a 304 to a conditional re-check) carries the payload
    digest of the capture it confirms: it gets that response's article and content, when the
    response is stored or in the same run. A hint for queries on the table; readers resolve
    revisits themselves, whatever order the runs were published in
    (pipelines/archive/sightings.py)."""
    known = {**_payloads(sorted(captures, key=lambda row: row["fetched_at"])), **known}
    resolved = []
    for row in captures:
        original = known.get((row["url"], row.get("payload_digest"))) if row.get("record_type") == "revisit" else None
        if original and not row.get("article_id"):
            row = {**row, "article_id": original["article_id"], "content_hash": original["content_hash"]}
        resolved.append(row)
    return resolved


def change_kind(old: dict | None, new: dict) -> str:
    if old is None:
        return "new"
    if old["title"] != new["title"]:
        return "headline"
    if old["text_hash"] != new["text_hash"]:
        return "body"
    return "metadata"
