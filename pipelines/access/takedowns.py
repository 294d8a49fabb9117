"""Takedowns: URLs (or URL prefixes) withheld from replay, search, export and the research
commands. The `takedowns` Delta table is their audit trail: one row per takedown with who
asked for it, when and why, and, once lifted, when and by whom. Nothing is deleted, neither
the rows nor the WARC records and article rows they withhold; the table's own history keeps
every earlier state of a row."""
from __future__ import annotations

import random
import secrets
import time
from datetime import datetime, timezone

import pyarrow as pa
from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError

from pipelines.access.rules import Rule, Withheld, check_target, is_prefix
from pipelines.archive.tables import UTC_TS, open_table
from newsarchive.errors import TakedownError
from pipelines.store import Store
from pipelines.store.layout import TAKEDOWNS_TABLE

MAX_ATTEMPTS = 20

TAKEDOWNS = pa.schema([
    ("takedown_id", pa.string()),
    ("target", pa.string()),            # a URL, or a prefix ending in `*`
    ("match", pa.string()),             # exact | prefix
    ("reason", pa.string()),
    ("added_by", pa.string()),
    ("added_at", UTC_TS),
    ("lifted_by", pa.string()),
    ("lifted_at", UTC_TS),
])


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _table(store: Store, as_of=None) -> DeltaTable | None:
    table = open_table(store, TAKEDOWNS_TABLE)
    if table is not None and as_of is not None:
        table.load_as_version(as_of)
    return table


def _retrying(what: str, attempt_once):
    """Run a commit, again on a conflict with a concurrent writer (each attempt re-reads)."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return attempt_once()
        except CommitFailedError:
            if attempt == MAX_ATTEMPTS:
                raise TakedownError(f"could not {what} after {MAX_ATTEMPTS} attempts "
                                    f"(too many concurrent writers)") from None
            time.sleep(random.uniform(0.05, 0.3) * attempt)


def add(store: Store, target: str, reason: str, by: str) -> dict:
    """Withhold a URL or a URL prefix (`…/*`); the new row."""
    try:
        target = check_target(target)
    except ValueError as exc:
        raise TakedownError(str(exc)) from None
    if not reason.strip() or not by.strip():
        raise TakedownError("a takedown needs a reason (--reason) and who asked for it (--by)")
    row = {"takedown_id": "td-" + secrets.token_hex(4), "target": target,
           "match": "prefix" if is_prefix(target) else "exact", "reason": reason.strip(),
           "added_by": by.strip(), "added_at": _now(), "lifted_by": None, "lifted_at": None}

    def append():
        table = _table(store) or DeltaTable.create(store.table_uri(TAKEDOWNS_TABLE), schema=TAKEDOWNS, mode="ignore",
                                                   storage_options=store.storage_options())
        from deltalake import write_deltalake

        write_deltalake(table, pa.Table.from_pylist([row], schema=TAKEDOWNS), mode="append")
    _retrying("record the takedown", append)
    return row


def lift(store: Store, takedown_id: str, by: str) -> dict:
    """Lift an active takedown: its row gains lifted_by and lifted_at; the updated row."""
    if not by.strip():
        raise TakedownError("say who lifts the takedown (--by)")
    when = _now()

    def update():
        current = {r["takedown_id"]: r for r in list_takedowns(store, include_lifted=True)}
        row = current.get(takedown_id)
        if row is None:
            raise TakedownError(f"no takedown {takedown_id!r} (see `newsarchive takedown list --all`)")
        if row["lifted_at"] is not None:
            raise TakedownError(f"takedown {takedown_id} was already lifted by {row['lifted_by']} "
                                f"at {row['lifted_at']:%Y-%m-%d %H:%M:%S} UTC")
        _table(store).update(predicate=f"takedown_id = '{takedown_id}' AND lifted_at IS NULL",
                             updates={"lifted_by": _sql_string(by.strip()),
                                      "lifted_at": f"'{when.isoformat()}'::timestamp"})
        return row | {"lifted_by": by.strip(), "lifted_at": when}
    if not takedown_id.startswith("td-") or not takedown_id[3:].isalnum():
        raise TakedownError(f"not a takedown id: {takedown_id!r}")
    return _retrying(f"lift takedown {takedown_id}", update)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def list_takedowns(store: Store, include_lifted: bool = False, as_of=None) -> list[dict]:
    """Takedowns, oldest first: the active ones, or all of them."""
    table = _table(store, as_of)
    if table is None:
        return []
    rows = sorted(table.to_pyarrow_table().to_pylist(), key=lambda r: (r["added_at"], r["takedown_id"]))
    return rows if include_lifted else [r for r in rows if r["lifted_at"] is None]


def withheld(store: Store) -> Withheld:
    """The rules of the active takedowns (none while the table does not exist)."""
    return Withheld([Rule(r["takedown_id"], r["target"]) for r in list_takedowns(store)])


def table_version(store: Store) -> int | None:
    """The takedowns table's version, to tell when rules must be read again."""
    table = _table(store)
    return None if table is None else table.version()
