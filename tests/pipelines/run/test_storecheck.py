"""`verify` over the whole store: orphaned WARCs, runs never published, staging leftovers;
`verify --repair` recovers the data instead of only reporting it."""
from __future__ import annotations

import json
import os
import time

from pipelines.store import layout
from pipelines.cli.main import main
from pipelines.store import open_store
from pipelines.run.storecheck import verify_store
from spiders.crawl import SUMMARY_NAME

from tests.pipelines.exactlyonce import SITE, archive_state, baseline_state, settings_for, stage_warcs

RUN = "test"


def test_repair_publishes_a_warc_whose_upload_died_before_its_journal(demo_crawl, tmp_path, capsys):
    _summary, warcs = demo_crawl
    summary = warcs[0].parent / SUMMARY_NAME
    baseline = baseline_state(tmp_path / "baseline", RUN, warcs, summary)
    settings = settings_for(str(tmp_path / "archive"), tmp_path)
    store = open_store(settings.store_uri)
    for path in warcs:            # stored, then the process died: no journal, no local file
        store.put_file(path, layout.warc_key(SITE, path.name))
    old = tmp_path / "staging" / SITE / "run-dead" / "x.warc.gz.open"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"partial")
    os.utime(old, (time.time() - 2 * 86400,) * 2)

    report, _ = verify_store(store, SITE, staging_dir=settings.staging_dir)
    orphans = [p for p in report.problems if "no run refers to this WARC" in p]
    assert len(orphans) == len(warcs) and f"run {SITE}/{RUN}" in orphans[0]
    assert any(str(old) in p for p in report.problems)

    code = main(["verify", "--store", settings.store_uri, "--staging", str(settings.staging_dir), "--repair"])
    printed = capsys.readouterr().out
    assert f"published run {RUN} of {SITE}" in printed
    assert code == 1                     # the stale local leftover is still reported
    old.unlink()
    assert main(["verify", "--store", settings.store_uri, "--staging", str(settings.staging_dir)]) == 0
    state = archive_state(store)
    assert state.articles == baseline.articles and state.capture_urls == baseline.capture_urls
    manifest = json.loads(store.get_bytes(layout.manifest_key(SITE, RUN)))
    assert sorted(manifest["warc_keys"]) == sorted(layout.warc_key(SITE, p.name) for p in warcs)


def test_a_run_uploaded_long_ago_without_a_manifest_is_reported_and_published(demo_crawl, tmp_path):
    _summary, warcs = demo_crawl
    settings = settings_for(str(tmp_path / "archive"), tmp_path)
    stage_warcs(settings, RUN, warcs, warcs[0].parent / SUMMARY_NAME)
    main(["upload", SITE, "--run-id", RUN, "--store", settings.store_uri, "--staging", str(settings.staging_dir)])
    store = open_store(settings.store_uri)
    assert verify_store(store, SITE)[0].problems == []                      # uploaded just now: in progress
    journal_key = layout.staging_key(SITE, RUN, "upload.json")
    journal = json.loads(store.get_bytes(journal_key))
    store.put_bytes(journal_key, json.dumps({**journal, "started": "2020-01-01T00:00:00+00:00"}).encode())
    assert verify_store(store, SITE)[0].problems == [f"run {RUN} of {SITE} was uploaded a day ago or more but has no "
                                            "manifest (never published)"]
    assert main(["verify", "--store", settings.store_uri, "--repair"]) == 0
    assert store.exists(layout.manifest_key(SITE, RUN)) and list(store.list("staging/")) == []
