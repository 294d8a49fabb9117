"""The takedowns table: adding, lifting and listing, with who, when and why kept."""
import pytest
from deltalake import DeltaTable

from pipelines.access import takedowns
from pipelines.access.takedowns import TakedownError


def test_add_lift_and_the_audit_trail(any_store):
    first = takedowns.add(any_store, "https://news.test/a/", "court order 12/3", "legal")
    takedowns.add(any_store, "https://news.test/opinion/*", "privacy request", "desk")
    assert [r["match"] for r in takedowns.list_takedowns(any_store)] == ["exact", "prefix"]
    assert takedowns.withheld(any_store).withholds("https://news.test/a")

    lifted = takedowns.lift(any_store, first["takedown_id"], "editor")
    assert lifted["lifted_by"] == "editor" and lifted["lifted_at"] >= first["added_at"]
    assert [r["target"] for r in takedowns.list_takedowns(any_store)] == ["https://news.test/opinion/*"]
    assert not takedowns.withheld(any_store).withholds("https://news.test/a")

    table = DeltaTable(any_store.table_uri("takedowns"), storage_options=any_store.storage_options())
    rows = {r["takedown_id"]: r for r in table.to_pyarrow_table().to_pylist()}
    audit = rows[first["takedown_id"]]
    assert (audit["reason"], audit["added_by"], audit["lifted_by"]) == ("court order 12/3", "legal", "editor")
    assert audit["added_at"] is not None and audit["lifted_at"] is not None
    # every state of the table stays readable: before the lift the row had no lifted_at
    assert takedowns.list_takedowns(any_store, as_of=table.version() - 1)[0]["lifted_at"] is None


def test_bad_takedowns_are_one_line_errors(local_store):
    with pytest.raises(TakedownError, match="not an http"):
        takedowns.add(local_store, "news.test/a", "x", "y")
    with pytest.raises(TakedownError, match="reason"):
        takedowns.add(local_store, "https://news.test/a", " ", "y")
    with pytest.raises(TakedownError, match="no takedown"):
        takedowns.lift(local_store, "td-00000000", "y")
    row = takedowns.add(local_store, "https://news.test/a", "x", "y")
    takedowns.lift(local_store, row["takedown_id"], "z")
    with pytest.raises(TakedownError, match="already lifted by z"):
        takedowns.lift(local_store, row["takedown_id"], "z")
    assert takedowns.list_takedowns(local_store) == [] and len(takedowns.list_takedowns(local_store, True)) == 1
