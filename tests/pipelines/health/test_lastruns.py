"""`status` reads each site's last run and run count from the runs table's file statistics
and the last run's file: the same answer as reading every row, before and after compaction."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pipelines.archive.maintain import maintain
from pipelines.health.lastruns import last_runs
from pipelines.health.runstable import read_runs, write_run
from pipelines.health.status import site_status
from pipelines.store import open_store

T0 = datetime(2024, 7, 4, tzinfo=timezone.utc)


def row(site: str, run: int, result: str = "ok") -> dict:
    return {"site": site, "run_id": f"r{run:02d}", "published_at": T0 + timedelta(hours=run),
            "result": result, "failed_checks": [], "warnings": [], "new_versions": run}


def expected(store) -> tuple[dict, dict]:
    rows = read_runs(store)
    return ({r["site"]: r for r in rows}, {s: sum(1 for r in rows if r["site"] == s) for s in {r["site"] for r in rows}})


def test_last_runs_match_every_row_read(tmp_path):
    store = open_store(tmp_path / "store")
    assert last_runs(store) == ({}, {})
    for run in range(5):
        write_run(store, row("demo", run))
        if run < 3:
            write_run(store, row("other", run))
    write_run(store, row("demo", 4, "failed"))          # a re-check replaces the run's row
    last, counts = last_runs(store)
    assert counts == {"demo": 5, "other": 3}
    assert (last["demo"]["run_id"], last["demo"]["result"], last["other"]["run_id"]) == ("r04", "failed", "r02")
    assert (last, counts) == expected(store)
    maintain(store, retention_days=0)
    assert last_runs(store) == expected(store)
    assert last_runs(store, "other") == ({"other": expected(store)[0]["other"]}, {"other": 3})
    entries = site_status(store, [], T0, None)
    assert [(e["site"], e["runs"], e["last"]["run_id"]) for e in entries] == [("demo", 5, "r04"), ("other", 3, "r02")]
