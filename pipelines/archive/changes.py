"""Stored article rows that a publish changes, and the rewrite of the files that hold them.

Publishing a capture older than the stored ones renumbers stored versions (`version`, `change`
change) and can move a stored version to the older capture that first showed its content (the
whole row is replaced: it is dropped here and its new row written with the new ones). Delta
files are immutable: each file holding such a row is copied, changed, into new data files and
removed in the same commit.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable
from deltalake.transaction import RemoveAction

from pipelines.archive.datafiles import PARTITION, DataFiles, local_copy, now_ms, read_batches

SEP = "\x1f"                     # between article id and content hash in a row's key


class StoredChanges:
    """Renumbered and dropped stored rows of one site and extractor, by (article id, content hash)."""

    def __init__(self, site: str, extractor: str | None):
        self.site, self.extractor = site, extractor
        self.renumbered: dict[str, tuple[int, str]] = {}
        self.dropped: set[str] = set()
        self.article_ids: set[str] = set()

    def renumber(self, article_id: str, content_hash: str, version: int, change: str) -> None:
        self.renumbered[article_id + SEP + content_hash] = (version, change)
        self.article_ids.add(article_id)

    def drop(self, article_id: str, content_hash: str) -> None:
        self.dropped.add(article_id + SEP + content_hash)
        self.article_ids.add(article_id)

    def __bool__(self) -> bool:
        return bool(self.article_ids)

    def apply(self, batch: pa.RecordBatch) -> pa.Table:
        """A stored batch with the changes made: dropped rows out, renumbered ones renumbered."""
        table = pa.Table.from_batches([batch])
        keys = pc.binary_join_element_wise(table["article_id"], table["content_hash"], SEP)
        mine = pc.fill_null(pc.equal(table["extractor"], self.extractor), False)
        if self.renumbered:
            found = pc.index_in(keys, value_set=pa.array(list(self.renumbered)))
            found = pc.if_else(mine, found, pa.scalar(None, found.type))
            numbers = list(self.renumbered.values())
            for name, values, kind in (("version", [n for n, _c in numbers], pa.int32()),
                                       ("change", [c for _n, c in numbers], pa.string())):
                new = pc.take(pa.array(values, kind), found)
                position = table.schema.get_field_index(name)
                table = table.set_column(position, name, pc.if_else(pc.is_valid(found), new, table[name]))
        if self.dropped:
            gone = pc.and_(mine, pc.fill_null(pc.is_in(keys, value_set=pa.array(list(self.dropped))), False))
            table = table.filter(pc.invert(gone))
        return table

    def rewrite(self, table: DeltaTable, files: DataFiles) -> list[RemoveAction]:
        """Copy every file of `table` holding a changed row into `files`, changed; the removes
        of the old files."""
        if not self:
            return []
        dataset = table.to_pyarrow_dataset(file_pruning_predicate=[(PARTITION, "=", self.site)])   # its files alone
        where = ((ds.field(PARTITION) == self.site) & (ds.field("extractor") == self.extractor)
                 & ds.field("article_id").isin(sorted(self.article_ids)))
        paths = set(dataset.to_table(columns=["__filename"], filter=where)["__filename"].to_pylist())
        actions = pa.table(table.get_add_actions(flatten=True)).select(["path", "size_bytes"]).to_pylist()
        sizes = {a["path"]: a["size_bytes"] for a in actions}
        removes = []
        for path in sorted(paths):        # read from a local copy: flat memory, on S3 too
            with local_copy(files.store, f"{files.table_key}/{path}") as copy:
                for batch in read_batches(copy):
                    files.write(self.apply(batch))
            removes.append(RemoveAction(path, True, now_ms(), sizes.get(path), {PARTITION: self.site}))
        return removes
