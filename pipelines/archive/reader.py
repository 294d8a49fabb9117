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

from datetime import datetime, timedelta, timezone

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError

from newsarchive.errors import ArchiveNotFound
from pipelines.archive import sightings, states, tables
from pipelines.archive.filestats import newest_extractor
from pipelines.archive.moments import parse_as_of, parse_time
from pipelines.store import Store, open_store
from pipelines.archive.ids import article_id
from pipelines.archive.writer import change_kind


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
    """The newest version of each article among `versions` (article_id, version): one row per
    article. The search index's rule for the version shown; `ArchiveReader.current` reads the
    latest capture instead (reverts included), which the index does not follow yet."""
    return versions.sort_values("version").groupby("article_id", as_index=False).tail(1)


def open_archive(store: Store | str, as_of: int | str | datetime | None = None,
                 window: timedelta = states.ALTERNATION_WINDOW) -> "ArchiveReader":
    return ArchiveReader(store if isinstance(store, Store) else open_store(store), as_of, window)


class ArchiveReader:
    """`as_of` reads the archive as it was: a version of the articles table (the captures as
    they were until the next articles commit) or a moment; `window` is the alternation
    window (pipelines/archive/states.py). A reader reads each table at the snapshot it first
    opened: its answers agree with each other, and a question asked again opens nothing."""

    def __init__(self, store: Store, as_of: int | str | datetime | None = None,
                 window: timedelta = states.ALTERNATION_WINDOW):
        self.store = store
        self.as_of = parse_as_of(as_of)
        self.window = window
        self._datasets: dict[tuple, ds.Dataset] = {}
        self._extractor: list[str | None] = []

    # -- tables ---------------------------------------------------------------------
    def table(self, key: str = tables.ARTICLES_TABLE) -> DeltaTable:
        table = tables.open_table(self.store, key)
        if table is None:
            raise ArchiveNotFound(f"no archive table {key!r} in {self.store.uri}")
        as_of = self.as_of
        if isinstance(as_of, int) and key != tables.ARTICLES_TABLE:
            as_of = self._until_next_articles_commit()
        if as_of is not None:
            table.load_as_version(as_of)
        return table

    def _until_next_articles_commit(self) -> datetime | None:
        """The moment before the articles table's version after `as_of` (None: there is none)."""
        following = tables.open_table(self.store, tables.ARTICLES_TABLE)
        if following is None or following.version() <= self.as_of:
            return None
        following.load_as_version(self.as_of + 1)
        stamp = following.history(limit=1)[0]["timestamp"]
        return datetime.fromtimestamp((stamp - 1) / 1000, tz=timezone.utc)

    def dataset(self, key: str = tables.ARTICLES_TABLE, site: str | None = None) -> ds.Dataset:
        """The table's rows (of one site's partition: its files alone, the others never opened)."""
        if (key, site) not in self._datasets:
            self._datasets[(key, site)] = self.table(key).to_pyarrow_dataset(
                file_pruning_predicate=[(tables.PARTITION, "=", site)] if site else None)
        return self._datasets[(key, site)]

    def extractor(self) -> str | None:
        """The extractor whose output is read by default: the one of the newest version row
        (from the files' statistics when they tell, else from the rows)."""
        if not self._extractor:
            known, extractor = newest_extractor(self.table())
            if not known:
                data = self.dataset().to_table(columns=["extractor", "fetched_at"])
                newest = pc.index(data["fetched_at"], pc.max(data["fetched_at"])).as_py() if data.num_rows else None
                extractor = None if newest is None else str(data["extractor"][newest].as_py())
            self._extractor.append(extractor)
        return self._extractor[0]

    # -- articles and versions ---------------------------------------------------------
    def versions(self, site: str | None = None, extractor: str | None = None,
                 columns: list[str] | None = None) -> pd.DataFrame:
        """Every version of every article (one extractor's output)."""
        expr = eq("extractor", extractor or self.extractor())
        return self.dataset(site=site).to_table(filter=expr, columns=columns).to_pandas()

    def articles(self, site: str | None = None) -> pd.DataFrame:
        """The newest version of every article: the content its latest capture showed (after a
        revert, the older content), with when that state began (`current_since`), when the
        article was last seen, and its alternation flag and variants (version numbers)."""
        frame = self.versions(site)
        if frame.empty:
            return frame
        now = self.current(site, frame).drop(columns=["version"])
        return frame.merge(now, on=["article_id", "content_hash"]).reset_index(drop=True)

    def current(self, site: str | None = None, versions: pd.DataFrame | None = None) -> pd.DataFrame:
        """Per article: the content (`content_hash`, `version`) of its latest capture,
        `current_since`, `last_seen`, `alternating` and `variants` (sorted version numbers)."""
        if versions is None:
            versions = self.versions(site, columns=[*sightings.VERSION_COLUMNS, "version"])
        seen = sightings.as_read(sightings.from_captures(self._captures(site=site)), versions)
        now = states.current(states.states(seen), self.window)
        numbers = {(a, h): v for a, h, v in zip(versions["article_id"], versions["content_hash"], versions["version"])}
        now["version"] = [numbers[(a, h)] for a, h in zip(now["article_id"], now["content_hash"])]
        now["variants"] = [sorted(numbers[(a, h)] for h in hashes)
                           for a, hashes in zip(now["article_id"], now["variant_hashes"])]
        return now.drop(columns=["variant_hashes"])

    def captures(self, site: str | None = None) -> pd.DataFrame:
        return self.dataset(tables.CAPTURES_TABLE, site).to_table().to_pandas()

    def history(self, url: str) -> pd.DataFrame:
        """The states one article was seen in, in capture order (A, B, A, B ...): one row per
        state with its `version`, the `change` from the state before, `returns` (a return to
        content seen before), `first_seen`, `last_seen`, `sightings`, and the article's
        `alternating` flag with `variant` marking the states of its variants."""
        return self._history(url)[0]

    def _history(self, url: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """history(url), and the article's sightings."""
        versions = self._versions_of(url)
        seen = sightings.as_read(sightings.from_captures(self._captures(versions=versions)), versions)
        sequence = states.states(seen)
        variants = states.alternation(sequence, self.window)
        frame = sequence.merge(versions, on=["article_id", "content_hash"], how="left")
        frame = frame.sort_values("state").reset_index(drop=True)
        rows = frame.to_dict("records")
        frame["change"] = [change_kind(before, row) for before, row in zip([None, *rows], rows)]
        frame["alternating"] = bool(variants)
        frame["variant"] = frame["content_hash"].isin(variants)
        return frame, seen

    def show(self, url: str, at: str | datetime | None = None, version: int | None = None) -> dict:
        """One version: a given number, the content captured last at or before a given time,
        or the content captured last. With a time (or none), `seen_at` is when that capture
        was made and `state`, `returns` place it in the article's history."""
        if version is not None:
            frame = self._versions_of(url)
            frame = frame[frame["version"] == version]
            if frame.empty:
                raise ArchiveNotFound(f"{url} has no version {version}")
            return frame.iloc[0].to_dict()
        frame, seen = self._history(url)
        moment = seen["fetched_at"].max() if at is None else pd.Timestamp(parse_time(at) if isinstance(at, str) else at)
        frame = frame[frame["first_seen"] <= moment]
        if frame.empty:
            raise ArchiveNotFound(f"{url} was not archived yet at {moment.isoformat()}")
        row = frame.iloc[-1].to_dict()
        row["seen_at"] = seen.loc[seen["fetched_at"] <= moment, "fetched_at"].max()
        return row

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

    def _captures(self, site: str | None = None, versions: pd.DataFrame | None = None) -> pd.DataFrame:
        """The capture rows (sightings.CAPTURE_COLUMNS) that can show an article: of a site (or
        every site), or of the articles in `versions`: their responses, and the revisits of
        the URLs those were fetched from."""
        try:
            dataset = self.dataset(tables.CAPTURES_TABLE, site if versions is None else None)
        except (ArchiveNotFound, DeltaError):
            return pd.DataFrame(columns=sightings.CAPTURE_COLUMNS)
        columns = sightings.CAPTURE_COLUMNS
        if versions is None:
            expr = pc.field("article_id").is_valid() | eq("record_type", "revisit")
            return dataset.to_table(filter=expr, columns=columns).to_pandas()
        parts = [scan(dataset, columns, article_id=aid) for aid in sorted(set(versions["article_id"]))]
        urls = set(pa.concat_tables(parts)["url"].to_pylist()) | set(versions["url"])
        parts += [scan(dataset, columns, url=url, record_type="revisit") for url in sorted(urls)]
        found = pa.concat_tables(parts).to_pandas()
        return found.drop_duplicates("record_id").reset_index(drop=True)
