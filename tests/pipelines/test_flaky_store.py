"""The demo run through every step, health check included, against an S3 endpoint that fails
a share of its requests (503 SlowDown, 500, connection resets before and after the request
took effect; tests/faultproxy.py in front of moto): it completes, exit 0, and the archive is
whole; so does maintenance. Past the retry budget, with every request of delta-rs's own client failing, the run
stops with one line naming the endpoint, and a re-run completes."""
from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest

from pipelines.archive.tables import ARTICLES_TABLE, CAPTURES_TABLE
from pipelines.archive.writer import Archive
from pipelines.health.runstable import read_runs
from pipelines.store import open_store
from tests.conftest import _wait_for_port
from tests.support import free_port

FLAKY = "flaky 0.12"
BUDGET = {"NEWSARCHIVE_STORE_RETRY_SECONDS": "60", "NEWSARCHIVE_STORE_TIMEOUT": "10"}
SHORT_BUDGET = {"NEWSARCHIVE_STORE_RETRY_SECONDS": "4", "NEWSARCHIVE_STORE_TIMEOUT": "2"}


@pytest.fixture
def proxy(s3_server, tmp_path):
    port, control, log = free_port(), tmp_path / "mode", tmp_path / "requests.log"
    control.write_text("ok")
    proc = subprocess.Popen([sys.executable, "-m", "tests.faultproxy", "--upstream", s3_server, "--port", str(port),
                             "--control", str(control), "--log", str(log)])
    try:
        _wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}", control, log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def newsarchive(endpoint: str, store_uri: str, staging, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli.main", *args, "--store", store_uri,
                           "--staging", str(staging)],
                          env={**os.environ, "AWS_ENDPOINT_URL": endpoint, **env},
                          capture_output=True, text=True, timeout=600)


def assert_whole(store_uri: str, runs: list[str], demo_site) -> None:
    """Every demo article archived once per content, every capture once, a health row per run."""
    archive = Archive(open_store(store_uri))
    arts = archive.table(ARTICLES_TABLE).to_pyarrow_table(columns=["article_id", "version"]).to_pylist()
    assert len({a["article_id"] for a in arts}) == len(demo_site.articles())
    assert not [k for k, n in Counter((a["article_id"], a["version"]) for a in arts).items() if n > 1]
    caps = archive.table(CAPTURES_TABLE).to_pyarrow_table(columns=["record_id", "run_id"]).to_pylist()
    assert len(caps) == len({c["record_id"] for c in caps})
    assert {c["run_id"] for c in caps} == set(runs)
    assert sorted(r["run_id"] for r in read_runs(open_store(store_uri), "demo")) == sorted(runs)


@pytest.mark.slow
def test_demo_on_a_flaky_store_and_past_the_retry_budget(proxy, s3_bucket, demo_site, tmp_path):
    endpoint, control, log = proxy
    store_uri = f"s3://{s3_bucket}/archive"
    control.write_text(FLAKY)
    done = newsarchive(endpoint, store_uri, tmp_path / "staging", "run", "demo", "--base-url", demo_site.base_url,
                       "--run-id", "flaky-1", env=BUDGET)
    assert done.returncode == 0, done.stderr[-3000:]
    faults = Counter(tuple(line.split()[:2]) for line in log.read_text().splitlines())
    for fault in ("503", "500", "reset", "reset-after"):
        assert faults[(fault, "boto")] + faults[(fault, "delta")], faults
    # delta-rs's own client met resets and 5xx answers too
    assert faults[("reset", "delta")] + faults[("reset-after", "delta")], faults
    assert faults[("503", "delta")] + faults[("500", "delta")], faults

    # past the budget: delta-rs's requests all fail (boto3's pass, so the steps get that far)
    control.write_text("down-delta")
    failed = newsarchive(endpoint, store_uri, tmp_path / "staging", "run", "demo", "--base-url",
                         demo_site.base_url, "--run-id", "flaky-2", env=SHORT_BUDGET)
    assert failed.returncode != 0
    lines = failed.stderr.strip().splitlines()
    assert lines[-1].startswith("error:") and endpoint in lines[-1], failed.stderr[-3000:]
    assert "Traceback" not in failed.stderr
    print(lines[-1])

    control.write_text(FLAKY)
    again = newsarchive(endpoint, store_uri, tmp_path / "staging", "run", "demo", "--base-url", demo_site.base_url,
                        "--run-id", "flaky-2", env=BUDGET)
    assert again.returncode == 0, again.stderr[-3000:]
    maintained = newsarchive(endpoint, store_uri, tmp_path / "staging", "maintain", "--retention-days", "0",
                             env=BUDGET)
    assert maintained.returncode == 0, maintained.stderr[-3000:]
    control.write_text("ok")
    assert_whole(store_uri, ["flaky-1", "flaky-2"], demo_site)
    verified = newsarchive(endpoint, store_uri, tmp_path / "staging", "verify", env=BUDGET)
    assert verified.returncode == 0, verified.stdout[-2000:] + verified.stderr[-2000:]
