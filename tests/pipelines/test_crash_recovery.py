"""kill -9 at random moments of every step, each step re-run until it succeeds: the archive
ends exactly as an uninterrupted run of the same WARCs leaves it (S3 store, real processes).
Replay a failure with NEWSARCHIVE_TEST_SEED=<the printed seed>."""
from __future__ import annotations

import random
import time

import pytest

from pipelines.run import steps
from spiders.siteconfig import load_site
from pipelines.archive.writer import Archive
from pipelines.store import layout
from pipelines.run import shipping
from pipelines.store import open_store
from pipelines.archive.tables import ARTICLES_TABLE, CAPTURES_TABLE
from spiders.crawl import SUMMARY_NAME
from tests.support import free_port

from tests.pipelines.exactlyonce import (SEED, SITE, assert_same_archive, baseline_state, kill_after, run_until_done,
                          settings_for, stage_warcs, start_s3_server, start_step, stop_s3_server)

RUN = "run-kill"
WARC_BYTES = "400000"            # ~10 WARC files per crawl: kills land between files too
# per step: kill moments (seconds after the process starts) are drawn from this window
WINDOWS = {"crawl": (2.0, 10.0), "upload": (1.0, 3.2), "clean": (1.2, 4.5), "publish": (1.2, 3.5)}
KILLS_PER_TRIAL = {"upload": 2, "clean": 1, "publish": 2}
TRIALS = 4


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server = start_s3_server(free_port(), tmp_path_factory.mktemp("s3") / "requests.log")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ENDPOINT_URL", server.endpoint)
        for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                            ("AWS_REGION", "us-east-1"), ("NEWSARCHIVE_WARC_MAX_BYTES", WARC_BYTES)):
            mp.setenv(name, value)
        mp.setenv("AWS_CONFIG_FILE", str(tmp_path_factory.mktemp("aws") / "absent"))
        yield server
    stop_s3_server(server)


def killed_then_finished(step, settings, rng, kills, log_dir, base_url=None, finished_in: dict | None = None) -> int:
    """Start the step `kills` times, kill -9 each at a random moment, then re-run it to success.
    A step seen to finish before its kill (`finished_in`: the shortest time each step took)
    is killed within that time from then on, so the windows follow the machine's speed."""
    done, finished_in = 0, finished_in if finished_in is not None else {}
    for n in range(kills):
        extra = ("--base-url", base_url) if base_url else ()
        lo, hi = WINDOWS[step]
        if step in finished_in:
            lo, hi = min(lo, 0.3 * finished_in[step]), min(hi, 0.9 * finished_in[step])
        started = time.monotonic()
        proc = start_step(step, RUN, settings, log_dir / f"{step}-{n}.log", *extra)
        if kill_after(proc, rng.uniform(lo, hi)):
            done += 1
        else:
            finished_in[step] = min(finished_in.get(step, float("inf")), time.monotonic() - started)
    run_until_done(step, RUN, settings, base_url)
    return done


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_and_doubles_nothing(s3, demo_site, tmp_path):
    print(f"seed {SEED}")
    rng = random.Random(SEED)
    kills, finished_in = 0, {}
    crawl_trial = settings_for(s3.new_bucket(), tmp_path / "t0")
    kills += killed_then_finished("crawl", crawl_trial, rng, 2, tmp_path, demo_site.base_url)
    out = crawl_trial.run_dir(SITE, RUN)
    assert not out.exists(), "the finished crawl left files behind instead of shipping them"
    store = open_store(crawl_trial.store_uri)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for key in [*shipping.run_warc_keys(store, SITE, RUN), layout.staging_key(SITE, RUN, SUMMARY_NAME)]:
        (inputs / key.rsplit("/", 1)[-1]).write_bytes(store.get_bytes(key))
    warcs, summary = sorted(inputs.glob("*.warc.gz")), inputs / SUMMARY_NAME
    baseline = baseline_state(tmp_path / "baseline", RUN, warcs, summary)
    twice = [url for url, n in baseline.capture_urls.items() if n > 1]
    assert twice == [], f"the re-run crawl added to the killed one: {len(twice)} URLs captured twice or more"

    for trial in range(TRIALS):
        settings = crawl_trial if trial == 0 else settings_for(s3.new_bucket(), tmp_path / f"t{trial}")
        if trial:
            stage_warcs(settings, RUN, warcs, summary)
        for step, count in KILLS_PER_TRIAL.items():
            kills += killed_then_finished(step, settings, rng, count, tmp_path, finished_in=finished_in)
        store = open_store(settings.store_uri)
        assert_same_archive(store, settings, baseline)
        manifest = steps.publish(load_site(SITE, settings.sites_dir), RUN, settings)               # once more: a no-op ...
        assert manifest["versions_added"] == len(baseline.articles)  # ... reporting what the run added
        assert manifest["captures_added"] == sum(baseline.capture_urls.values())
        before = [Archive(store).table(key).version() for key in (ARTICLES_TABLE, CAPTURES_TABLE)]
        steps.publish(load_site(SITE, settings.sites_dir), RUN, settings)
        assert [Archive(store).table(key).version() for key in (ARTICLES_TABLE, CAPTURES_TABLE)] == before
    print(f"{kills} processes killed mid-step; steps seen finishing before their kill: {finished_in}")
    assert kills >= 10, "the kill windows no longer fall inside the steps"
