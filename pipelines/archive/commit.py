"""One Delta commit of a publish's data files (adds, and removes of the files it rewrote).

A publish plans its rows against one site's rows at one table version. Its commit is made as
the version right after it, or after later commits that touched only other sites (their
partitions are disjoint from everything the plan read and changed); a commit that touched the
site, or the table's schema or protocol, fails it with CommitFailedError: plan again.
"""
from __future__ import annotations

import json

from deltalake import CommitProperties, DeltaTable
from deltalake.exceptions import CommitFailedError

from pipelines.archive import publishmarks, tables
from pipelines.archive.datafiles import PARTITION
from pipelines.store import Store

MAX_RECOMMITS = 50          # later commits of other sites to step over before giving up


def commit(store: Store, key: str, table: DeltaTable, site: str, actions: list,
           custom_metadata: dict) -> int:
    """Commit `actions` to the table `key`, planned for `site` on `table`'s snapshot; returns
    the version made."""
    planned = table.version()
    for _ in range(MAX_RECOMMITS):
        try:
            table.create_write_transaction(
                actions, mode="append", schema=table.schema(), partition_by=[PARTITION],
                # no retry inside deltalake: its conflict check lets concurrent appends through
                commit_properties=CommitProperties(custom_metadata=custom_metadata, max_commit_retries=0,
                                                   app_transactions=publishmarks.marks(custom_metadata)))
            return table.version() + 1
        except CommitFailedError:
            latest = tables.open_table(store, key)
            if touched(store, key, site, range(table.version() + 1, latest.version() + 1)):
                raise
            table = latest            # only other sites moved on: the same actions still hold
    raise CommitFailedError(f"table {key} kept moving since version {planned}")


def touched(store: Store, key: str, site: str, versions: range) -> bool:
    """Whether any of the commits `versions` of the table changed `site`'s files, the schema
    or the protocol."""
    for version in versions:
        log = store.get_bytes(f"{key}/_delta_log/{version:020d}.json").decode()
        for line in filter(None, map(str.strip, log.splitlines())):
            action = json.loads(line)
            if "metaData" in action or "protocol" in action:
                return True
            for kind in ("add", "remove"):
                if kind in action and (action[kind].get("partitionValues") or {}).get(PARTITION, site) == site:
                    return True
    return False
