"""Which publishes a table holds, known from its snapshot rather than by reading its history.

Each publish commit carries a Delta app transaction (`txn`: app id = the publish id) besides
its commit info. The snapshot keeps the latest txn of every app id, checkpoints included, so
"has this publish committed here?" is one lookup in the state a reader loads anyway, whatever
the number of commits; the table's history is read only when the answer is yes (a retry,
which needs the commit's counts), and a first publish never reads it. Tables written before
the marks record the version from which every publish is marked (MARKS_SINCE): a publish
is looked for in the history while unmarked commits are still within its search window.
"""
from __future__ import annotations

from deltalake import DeltaTable
from deltalake.transaction import Transaction

PUBLISH_ID = "newsarchive.publish_id"      # commit info: which publish made the commit
MARKS_SINCE = "newsarchive.publishMarksSince"
HISTORY_LIMIT = 500                        # commits searched for a publish's own (retries come soon after)


def app_id(publish_id: str) -> str:
    return f"newsarchive-publish:{publish_id}"


def marks(custom_metadata: dict) -> list[Transaction]:
    """The app transaction of the publish a commit's info names (none for other commits)."""
    publish_id = custom_metadata.get(PUBLISH_ID)
    return [Transaction(app_id(publish_id), 1)] if publish_id else []


def may_hold(table: DeltaTable, publish_id: str) -> bool:
    """False when the table surely holds no commit of this publish."""
    if table.transaction_version(app_id(publish_id)) is not None:
        return True
    since = table.metadata().configuration.get(MARKS_SINCE)
    if since is None:
        return True                             # unmarked table: only its history can tell
    newest_unmarked = int(since) - 1            # (version 0 creates the table: never a publish)
    return newest_unmarked > 0 and table.version() - newest_unmarked < HISTORY_LIMIT
