"""Store keys are built in one place and read back by the same module."""
from __future__ import annotations

from datetime import date

import pytest

from pipelines.store import layout

WARC = "demo-20261127062636-00000-vm.warc.gz"


def test_warc_keys_are_dated_by_their_file_and_read_back():
    key = layout.warc_key("demo", WARC)
    assert key == f"warcs/demo/2026/11/27/{WARC}"
    assert layout.warc_date(key) == date(2026, 11, 27)
    assert key.startswith(layout.warc_prefix("demo")) and key.startswith(layout.warc_prefix())
    assert layout.is_warc(key) and not layout.is_warc(layout.warc_index_key(key))
    with pytest.raises(ValueError, match="not a newsarchive WARC file name"):
        layout.warc_key("demo", "other.warc.gz")


def test_index_keys_name_their_site():
    assert layout.indexed_site(layout.site_index_key("demo")) == "demo"
    assert layout.site_index_key("demo").startswith(layout.indexes_prefix())
    for other in (layout.digest_index_key("demo"), layout.warc_index_key(layout.warc_key("demo", WARC)),
                  "indexes/demo/old/index.cdxj"):
        assert layout.indexed_site(other) is None


def test_journal_keys_name_their_run():
    key = layout.journal_key("demo", "run-1")
    assert key.startswith(layout.staging_prefix("demo"))
    assert layout.journal_run(key) == ("demo", "run-1")
    assert layout.journal_run(layout.staging_key("demo", "run-1", "captures.parquet")) is None
    assert layout.journal_run(layout.step_times_key("demo", "run-1", "upload")) is None


def test_run_records_and_templates():
    assert layout.manifest_key("demo", "r1").startswith(layout.runs_prefix("demo"))
    assert layout.backfill_state_key("demo").startswith(layout.runs_prefix("demo"))
    key = layout.template_key("demo", 12)
    assert key.startswith(layout.template_prefix("demo")) and layout.template_version(key) == 12
    assert layout.template_version(layout.manifest_key("demo", "r1")) is None


def test_tables_do_not_collide_with_other_keys():
    tables = {layout.ARTICLES_TABLE, layout.CAPTURES_TABLE, layout.RUNS_TABLE}
    assert len(tables) == 3
    prefixes = {layout.warc_prefix(), layout.indexes_prefix(), layout.staging_prefix(), layout.runs_prefix(),
                layout.template_prefix("x").split("/")[0] + "/"}
    assert not any(f"{table}/".startswith(p) for table in tables for p in prefixes)
