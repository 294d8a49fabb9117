"""Run health after publish: two healthy runs of the demo site as the baseline, then the
site broken three ways. Each time the check fails naming the cause, the alert reaches a
local SMTP sink and webhook, and `newsarchive status` shows it; the HTML report renders
in headless Chromium with its plots."""
import contextlib
import io
import json
import os
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from pipelines.health import alerts
from pipelines.cli import main
from pipelines.health import checks
from pipelines.store import layout
from newsarchive.errors import CheckFailed
from pipelines.run import steps
from pipelines.settings import open_checked_store
from pipelines.health.runstable import read_runs
from pipelines.settings import PipelineSettings
from demosite import DemoSite
from spiders.siteconfig import Health, load_site

CHROMIUM = "/usr/bin/chromium"
BASELINE = ("first", "second")
CAUSES = {     # fault -> what the failed check must say
    "markup": "layout change likely: median words per article",
    "robots": "robots.txt now blocks",
    "forbidden": "mostly HTTP 403",
}


def status_output(settings: PipelineSettings) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main.main(["status", "--site", "demo", "--store", settings.store_uri]) == 0
    return buf.getvalue()


def send_alert(exc: Exception, run_id: str, env: dict) -> None:
    """What the DAG's on_failure_callback does, with the context Airflow passes it."""
    context = {"ti": SimpleNamespace(dag_id="newsarchive_demo", task_id="check"), "run_id": run_id,
               "exception": exc}
    for notifier in alerts.failure_notifiers(env):
        notifier(context)


@pytest.fixture(scope="module")
def broken(warc_archive, tmp_path_factory, smtp_sink, webhook_sink):  # noqa: F811
    """A copy of the two-run demo archive, checked as the baseline, then one run per fault."""
    root = tmp_path_factory.mktemp("health")
    source = PipelineSettings.from_env(store_uri=warc_archive["settings"].store_uri)
    shutil.copytree(source.store_uri, root / "archive")
    settings = PipelineSettings.from_env(store_uri=str(root / "archive"), staging_dir=root / "staging")
    demo = load_site("demo", settings.sites_dir)
    baseline = [steps.check(demo, run_id, settings) for run_id in BASELINE]
    (_, smtp_uri), (_, hook_url) = smtp_sink, webhook_sink
    env = {"NEWSARCHIVE_ALERT_EMAIL_TO": "ops@example.org", "NEWSARCHIVE_ALERT_WEBHOOK_URL": hook_url}
    results = {}
    with pytest.MonkeyPatch.context() as mp, DemoSite() as site:
        mp.setenv("AIRFLOW_CONN_SMTP_DEFAULT", smtp_uri)
        for fault in CAUSES:
            site.fault, run_id = fault, f"broken-{fault}"
            steps.crawl(demo, run_id, settings, site.base_url)
            steps.upload(demo, run_id, settings)
            steps.clean(demo, run_id, settings)
            steps.publish(demo, run_id, settings)
            with pytest.raises(CheckFailed) as failed:
                steps.check(demo, run_id, settings)
            send_alert(failed.value, run_id, env)
            results[fault] = {"message": str(failed.value), "status": status_output(settings)}
    return {"settings": settings, "baseline": baseline, "results": results}


@pytest.mark.slow
def test_healthy_runs_pass_their_checks(broken):
    first, second = broken["baseline"]
    assert first["result"] == second["result"] == "ok"
    assert second["articles_seen"] == first["articles_seen"] > 200      # revisits count as seen
    assert second["empty_body_share"] == 0 and second["median_words"] > 100
    assert second["seconds_crawl"] > 0 and second["blocked_robots"] == 5     # the agency's photos (its robots.txt)


@pytest.mark.slow
@pytest.mark.parametrize("fault", list(CAUSES))
def test_broken_site_fails_its_check_naming_the_cause(broken, fault, smtp_sink, webhook_sink):  # noqa: F811
    result, run_id = broken["results"][fault], f"broken-{fault}"
    message = result["message"]
    assert "\n" not in message and CAUSES[fault] in message, message
    mailbox, _ = smtp_sink
    assert any(message.removeprefix("health check failed: ") in body for body in mailbox.bodies()), fault
    received, _ = webhook_sink
    assert {"run_id": run_id, "task_id": "check", "message": message}.items() <= next(
        r for r in received if r["run_id"] == run_id).items()
    assert run_id in result["status"]
    assert "failed" in result["status"] and CAUSES[fault] in result["status"], result["status"]


@pytest.mark.slow
def test_health_is_recorded_in_runs_table_and_manifest(broken):
    settings = broken["settings"]
    store = open_checked_store(settings)
    rows = {r["run_id"]: r for r in read_runs(store, "demo")}
    assert [rows[r]["result"] for r in (*BASELINE, *(f"broken-{f}" for f in CAUSES))] == \
        ["ok", "ok", "failed", "failed", "failed"]
    assert rows["broken-markup"]["failed_checks"] == ["extraction"]
    assert rows["broken-robots"]["blocked_robots"] > 200 and "robots" in rows["broken-robots"]["failed_checks"]
    assert rows["broken-forbidden"]["status_4xx"] > 200 and rows["broken-forbidden"]["articles_seen"] == 0
    assert json.loads(rows["broken-forbidden"]["skipped"])["HTTP status 403"] > 200
    manifest = json.loads(store.get_bytes(layout.manifest_key("demo", "broken-robots")))
    assert manifest["health"]["result"] == "failed" and "robots.txt" in manifest["health"]["message"]
    assert not [o.key for o in store.list("staging/")], "step timings left behind"
    again = steps.check(load_site("demo", settings.sites_dir), "second", settings)          # a re-check replaces the row, keeps timings
    assert again["seconds_crawl"] == rows["second"]["seconds_crawl"] > 0
    assert len(read_runs(store, "demo")) == len(rows)


@pytest.mark.slow
def test_report_renders_its_plots_in_chromium(broken, tmp_path):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("no /usr/bin/chromium: install Debian's `chromium` (.ci/run does)")
    report = tmp_path / "report.html"
    assert main.main(["report", "--html", str(report), "--store", broken["settings"].store_uri]) == 0
    page = report.read_text()
    assert not [tag for tag in ("<script", "<link", "src=", "href=", "url(") if tag in page]   # self-contained
    # Probe the page as laid out: the size of every drawn series (the report has no script of its own).
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", """<pre id="probe"></pre><script>
      const out = [...document.querySelectorAll('svg.plot')].map(svg => ({plot: svg.dataset.plot,
        shapes: [...svg.querySelectorAll('polyline.series, rect.bar')].map(s => {
          const b = s.getBBox(); return [s.dataset.series, Math.round(b.width), Math.round(b.height)]; })}));
      document.getElementById('probe').textContent = JSON.stringify(out);</script></body>"""))
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    drawn = json.loads(result.stdout.split('<pre id="probe">')[1].split("</pre>")[0])
    plots = {p["plot"]: p["shapes"] for p in drawn}
    assert set(plots) == {"articles", "responses", "empty-body", "words", "duration"}
    articles = {name: (w, h) for name, w, h in plots["articles"]}
    assert articles["articles seen"][0] > 300 and articles["articles seen"][1] > 100   # 240 -> 0 spans the plot
    bars = [s for s in plots["responses"] if s[2] > 0]
    assert len({s[0] for s in bars}) >= 3 and len(bars) >= 5          # 2xx, 4xx and robots blocks, 5 runs
    assert any(h > 50 for _, _, h in plots["words"]) and plots["duration"]


# -- the checks' rules, without crawls --------------------------------------------------
def _row(run_id: str, hours_ago: float, now: datetime, **values) -> dict:
    base = {"site": "s", "run_id": run_id, "kind": "scheduled", "result": "ok",
            "published_at": now - timedelta(hours=hours_ago), "articles_seen": 100, "new_versions": 10,
            "error_rate": 0.01, "statuses": "{}", "fetch_errors": 0, "status_4xx": 0, "status_5xx": 0,
            "blocked_robots": 0, "blocked_scope": None, "empty_body_share": 0.0, "median_words": 400.0,
            "responses": 300, "article_pages": 100}
    return {**base, **values}


def test_checks_need_a_baseline_and_skip_yield_for_backfills():
    now = datetime(2026, 1, 10, tzinfo=timezone.utc)
    health = Health(min_baseline_runs=2)
    history = [_row("a", 30, now), _row("b", 20, now)]
    collapsed = _row("c", 0, now, articles_seen=3)
    assert checks.evaluate(collapsed, history[:1], health, now).result == "ok"      # one run: no baseline
    verdict = checks.evaluate(collapsed, history, health, now)
    assert [f.check for f in verdict.failed] == ["yield"]
    backfill = {**collapsed, "kind": "backfill"}
    assert checks.evaluate(backfill, [{**r, "kind": "backfill"} for r in history], health, now).result == "ok"
    assert [f.check for f in checks.evaluate(_row("d", 0, now, articles_seen=70), history, health,
                                                   now).warnings] == ["yield"]              # 30 % down: a warning


def test_small_samples_are_not_judged():
    now = datetime(2026, 1, 10, tzinfo=timezone.utc)
    history = [_row("a", 30, now), _row("b", 20, now)]
    short = _row("c", 0, now, median_words=100.0, error_rate=0.5)
    assert {f.check for f in checks.evaluate(short, history, Health(), now).failed} == {"extraction", "errors"}
    few = {**short, "article_pages": 8, "responses": 12}
    assert checks.evaluate(few, history, Health(), now).result == "ok"


def test_no_new_articles_for_longer_than_the_site_allows():
    now = datetime(2026, 1, 10, tzinfo=timezone.utc)
    history = [_row("a", 50, now), _row("b", 30, now, new_versions=0)]
    stale = _row("c", 0, now, new_versions=0)
    verdict = checks.evaluate(stale, history, Health(max_hours_without_new=48), now)
    assert [f.message for f in verdict.failed] == ["no new articles for 50 hours (limit 48)"]
    assert checks.evaluate(stale, history, Health(max_hours_without_new=120), now).result == "ok"


def test_concurrent_checks_all_record_their_run(local_store):
    """Runs of one site checked at once (max_active_runs > 1) each keep their row."""
    import threading

    from pipelines.health.runstable import write_run

    now = datetime.now(timezone.utc)
    errors = []

    def write(i: int) -> None:
        try:
            write_run(local_store, {"site": "s", "run_id": f"r{i}", "published_at": now, "result": "ok"})
        except Exception as exc:        # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(r["run_id"] for r in read_runs(local_store)) == ["r0", "r1", "r2", "r3"]


@pytest.mark.slow
def test_check_command_exits_2_with_the_one_line(broken, capsys):
    code = main.main(["check", "demo", "--run-id", "broken-robots", "--store", broken["settings"].store_uri])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("error: health check failed: demo run broken-robots: robots.txt")
    assert len(err.splitlines()) == 1, err


def test_a_limit_that_dropped_urls_is_a_warning_from_the_first_run():
    from pipelines.health.runhealth import budget_dropped

    now = datetime(2026, 1, 10, tzinfo=timezone.utc)
    crawl = {"budget_dropped": {"too_deep": 0, "path_shape_exhausted": 1300, "max_pages": 7}}
    assert budget_dropped(crawl) == {"max_pages": 7, "max_pages_per_pattern": 1300}
    row = _row("a", 0, now, budget_dropped=json.dumps(budget_dropped(crawl)))
    verdict = checks.evaluate(row, [], Health(), now)                  # no baseline yet
    assert verdict.result == "warning"
    assert [(f.check, f.message) for f in verdict.warnings] == [
        ("budget", "the max_pages limit dropped 7 URLs"),
        ("budget", "the max_pages_per_pattern limit dropped 1300 URLs")]
    assert checks.evaluate(_row("b", 0, now, budget_dropped="{}"), [], Health(), now).result == "ok"
