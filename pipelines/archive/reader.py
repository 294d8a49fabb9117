"""The versioned archive, read side: a small API for notebooks and the CLI.

    from pipelines.archive.reader import open_archive
    archive = open_archive("./archive")                # or "s3://bucket/prefix"
    archive.articles()                                  # newest version of every article (pandas)
    archive.history("https://site/story/")              # every version, first and last seen
    open_archive("./archive", as_of="2024-07-05T00:00:00Z").articles()   # time travel

Tables are read with deltalake; `dataset()` gives a pyarrow dataset that
DuckDB, Polars or pyarrow query directly.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable

from newsarchive.errors import ArchiveNotFound
from pipelines.archive import tables
from pipelines.archive.filestats import newest_extractor
from pipelines.archive.moments import parse_as_of, parse_time
from pipelines.store import Store, open_store
from pipelines.archive.ids import article_id


def eq(name: str, value, cast: bool = True) -> pc.Expression:
    """Equality on a string column. Files written by a Delta merge store strings as
    string_view, which pyarrow will not compare with a plain string scalar; the
    cast makes it work everywhere, at the price of file skipping by statistics."""
    return (pc.field(name).cast(pa.string()) if cast else pc.field(name)) == value


def scan(dataset: ds.Dataset, columns: list[str] | None = None, **equals) -> pa.Table:
    """Rows where every column equals its value. Row groups whose Parquet statistics
    rule the first value out are never read, so finding one article among a million
    versions reads a few row groups, not the whole table."""
    name, value = next(iter(equals.items()))
    fragments = [piece for fragment in dataset.get_fragments() for piece in _row_groups_with(fragment, name, value)]
    if not fragments:
        return dataset.schema.empty_table().select(columns) if columns else dataset.schema.empty_table()
    pruned = ds.FileSystemDataset(fragments, dataset.schema, dataset.format, dataset.filesystem)
    expr = None
    for key, wanted in equals.items():
        term = eq(key, wanted)
        expr = term if expr is None else expr & term
    return pruned.to_table(filter=expr, columns=columns)


def _row_groups_with(fragment, name: str, value: str) -> list:
    """The fragment, narrowed to the row groups whose min/max can hold `value`."""
    try:
        fragment.ensure_complete_metadata()
        groups = fragment.row_groups
    except (AttributeError, pa.ArrowInvalid):
        return [fragment]
    keep = [g.id for g in groups if _may_hold(g.statistics.get(name), value)]
    return [fragment.subset(row_group_ids=keep)] if keep else []


def _may_hold(stats: dict | None, value: str) -> bool:
    if not stats or stats.get("min") is None or stats.get("max") is None:
        return True      # no statistics (e.g. a partition column): cannot rule it out
    low, high = (v.decode() if isinstance(v, bytes) else str(v) for v in (stats["min"], stats["max"]))
    return low <= value <= high


def newest_versions(versions: pd.DataFrame) -> pd.DataFrame:
    """The version of each article the archive shows, among `versions` (the versions seen by
    the moment asked about: article_id, version, fetched_at): one row per article."""
    return versions.sort_values("version").groupby("article_id", as_index=False).tail(1)


def open_archive(store: Store | str, as_of: int | str | datetime | None = None) -> "ArchiveReader":
    return ArchiveReader(store if isinstance(store, Store) else open_store(store), as_of)


class ArchiveReader:
    def __init__(self, store: Store, as_of: int | str | datetime | None = None):
        self.store = store
        self.as_of = parse_as_of(as_of)

    # -- tables ---------------------------------------------------------------------
    def table(self, key: str = tables.ARTICLES_TABLE) -> DeltaTable:
        table = tables.open_table(self.store, key)
        if table is None:
            raise ArchiveNotFound(f"no archive table {key!r} in {self.store.uri}")
        if self.as_of is not None:
            table.load_as_version(self.as_of)
        return table

    def dataset(self, key: str = tables.ARTICLES_TABLE, site: str | None = None) -> ds.Dataset:
        """The table's rows (of one site's partition: its files alone, the others never opened)."""
        return self.table(key).to_pyarrow_dataset(
            file_pruning_predicate=[(tables.PARTITION, "=", site)] if site else None)

    def extractor(self) -> str | None:
        """The extractor whose output is read by default: the one of the newest version row
        (from the files' statistics when they tell, else from the rows)."""
        known, extractor = newest_extractor(self.table())
        if known:
            return extractor
        data = self.dataset().to_table(columns=["extractor", "fetched_at"])
        if not data.num_rows:
            return None
        newest = pc.index(data["fetched_at"], pc.max(data["fetched_at"])).as_py()
        return str(data["extractor"][newest].as_py())

    # -- articles and versions ---------------------------------------------------------
    def versions(self, site: str | None = None, extractor: str | None = None,
                 columns: list[str] | None = None) -> pd.DataFrame:
        """Every version of every article (one extractor's output)."""
        expr = eq("extractor", extractor or self.extractor())
        return self.dataset(site=site).to_table(filter=expr, columns=columns).to_pandas()

    def articles(self, site: str | None = None) -> pd.DataFrame:
        """The newest version of every article."""
        frame = self.versions(site)
        if frame.empty:
            return frame
        return newest_versions(frame).reset_index(drop=True)

    def captures(self, site: str | None = None) -> pd.DataFrame:
        return self.dataset(tables.CAPTURES_TABLE, site).to_table().to_pandas()

    def history(self, url: str) -> pd.DataFrame:
        """The versions of one article, oldest first, with when each was first and last seen."""
        frame = self._versions_of(url)
        seen = self._sightings(frame["article_id"].iloc[0])
        frame["first_seen"] = frame["fetched_at"]
        frame["last_seen"] = frame["fetched_at"]
        for i, row in frame.iterrows():
            moments = seen.get(row["content_hash"], [])
            if moments:
                frame.at[i, "first_seen"] = min([row["fetched_at"], *moments])
                frame.at[i, "last_seen"] = max([row["fetched_at"], *moments])
        return frame.sort_values("version").reset_index(drop=True)

    def show(self, url: str, at: str | datetime | None = None, version: int | None = None) -> dict:
        """One version: a given number, the one current at a given time, or the newest."""
        frame = self._versions_of(url).sort_values("version")
        if version is not None:
            frame = frame[frame["version"] == version]
            if frame.empty:
                raise ArchiveNotFound(f"{url} has no version {version}")
        elif at is not None:
            moment = parse_time(at) if isinstance(at, str) else at
            frame = frame[frame["fetched_at"] <= pd.Timestamp(moment)]
            if frame.empty:
                raise ArchiveNotFound(f"{url} was not archived yet at {moment.isoformat()}")
        return frame.iloc[-1].to_dict()

    def _versions_of(self, url: str) -> pd.DataFrame:
        """Find an article by its canonical URL (any form) or by a URL it was fetched from."""
        extractor = self.extractor()
        if extractor is None:
            raise ArchiveNotFound(f"the archive in {self.store.uri} is empty")
        base = self.dataset()
        data = scan(base, article_id=article_id(url), extractor=extractor)
        if not data.num_rows:
            ids = {row["article_id"] for field in ("url", "canonical_url")
                   for row in scan(base, ["article_id"], **{field: url}).to_pylist()}
            if not ids:
                raise ArchiveNotFound(f"no article archived for {url}")
            data = scan(base, article_id=sorted(ids)[0], extractor=extractor)
        return data.to_pandas()

    def _sightings(self, aid: str) -> dict[str, list]:
        """content hash -> times a capture showed it (full responses and revisits)."""
        try:
            caps = scan(self.dataset(tables.CAPTURES_TABLE), ["content_hash", "fetched_at"], article_id=aid)
        except ArchiveNotFound:
            return {}
        seen: dict[str, list] = {}
        for row in caps.to_pylist():
            if row["content_hash"]:
                seen.setdefault(row["content_hash"], []).append(pd.Timestamp(row["fetched_at"]))
        return seen

