"""`newsarchive backfill`: one windowed run per schedule interval, a resumable record in
the store, and the same archive however often it runs."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from deltalake import DeltaTable

from pipelines.schedule import backfill
from pipelines.cli.main import main
from newsarchive.errors import StepError
from pipelines.store import open_store
from pipelines.archive.tables import ARTICLES_TABLE
from demosite.content import build_articles
from spiders.siteconfig import load_site

UTC = timezone.utc


def test_intervals_follow_the_schedule_in_its_time_zone():
    demo = backfill.intervals(load_site("demo"), date(2024, 6, 10), date(2024, 6, 16))
    assert [(i.start, i.end) for i in demo][:2] == [
        (datetime(2024, 6, 10, tzinfo=UTC), datetime(2024, 6, 11, tzinfo=UTC)),
        (datetime(2024, 6, 11, tzinfo=UTC), datetime(2024, 6, 12, tzinfo=UTC))]
    assert len(demo) == 7 and demo[-1].end == datetime(2024, 6, 17, tzinfo=UTC)
    assert demo[0].run_id == "backfill-20240610T000000Z"

    kyiv = backfill.intervals(load_site("kyivindependent"), date(2024, 6, 10), date(2024, 6, 10))
    assert len(kyiv) == 4                                   # "15 */6 * * *": four runs a day
    assert kyiv[0].start.isoformat() == "2024-06-10T00:15:00+03:00"
    assert kyiv[0].start.astimezone(UTC) == datetime(2024, 6, 9, 21, 15, tzinfo=UTC)
    assert all(a.end == b.start for a, b in zip(kyiv, kyiv[1:]))
    with pytest.raises(StepError, match="before"):
        backfill.intervals(load_site("demo"), date(2024, 6, 16), date(2024, 6, 10))


def archive_rows(store_dir) -> list[tuple]:
    store = open_store(store_dir)
    table = DeltaTable(store.table_uri(ARTICLES_TABLE), storage_options=store.storage_options())
    rows = table.to_pyarrow_table(columns=["url", "version", "content_hash"]).to_pylist()
    return sorted((r["url"], r["version"], r["content_hash"]) for r in rows)


@pytest.mark.slow      # two backfills of three days each, crawls included
def test_backfill_twice_gives_the_same_archive(demo_site, tmp_path, capsys):
    store = tmp_path / "archive"
    args = ["backfill", "demo", "--from", "2024-06-10", "--to", "2024-06-16", "--store", str(store),
            "--staging", str(tmp_path / "staging"), "--base-url", demo_site.base_url]
    assert main(args) == 0
    first = archive_rows(store)
    since, until = datetime(2024, 6, 10, tzinfo=UTC), datetime(2024, 6, 17, tzinfo=UTC)
    expected = sorted(demo_site.base_url + a.path for a in build_articles(1) if since <= a.published < until)
    assert [url for url, _, _ in first] == expected            # exactly the week's articles, once each
    state = json.loads((store / "runs/demo/backfill-state.json").read_text())
    assert len(state["finished"]) == 7
    assert sum(v["versions_added"] for v in state["finished"].values()) == len(expected)
    assert "7 run, 0 already finished" in capsys.readouterr().out.replace("\n", " ")

    assert main(args) == 0                                     # resumes: everything is recorded
    assert "0 run, 7 already finished" in capsys.readouterr().out.replace("\n", " ")
    assert archive_rows(store) == first

    redo = args[:3] + ["2024-06-12", "--to", "2024-06-12"] + args[6:] + ["--redo"]
    assert main(redo) == 0                                     # fetched again, nothing new to keep
    assert "1 run, 0 already finished, 0 versions added" in capsys.readouterr().out.replace("\n", " ")
    assert archive_rows(store) == first


def test_bad_dates_are_one_line_errors(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["backfill", "demo", "--from", "June", "--to", "2024-06-16", "--store", str(tmp_path)])
    assert "not a date: 'June'" in capsys.readouterr().err
    assert main(["backfill", "demo", "--from", "2024-06-16", "--to", "2024-06-10",
                 "--store", str(tmp_path)]) == 2
    assert "--to 2024-06-10 is before --from 2024-06-16" in capsys.readouterr().err
