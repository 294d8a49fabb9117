"""The `check` task in a real Airflow DAG run: after two healthy runs, the demo site answers
403 for every article; the task fails naming it and the failure callback's notifiers reach
a local SMTP sink and a webhook configured as an Airflow connection."""
import json
import shutil

import pytest

from pipelines.health import runcheck
from pipelines.health.runstable import read_runs
from pipelines.settings import PipelineSettings
from pipelines.store import open_store
from demosite import DemoSite
from tests.dags.airflowcluster import airflow
from tests.dags.test_dag_run import airflow_env  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow


def test_check_task_fails_and_alerts(airflow_env, warc_archive, smtp_sink, webhook_sink, tmp_path):  # noqa: F811
    store_dir = tmp_path / "archive"
    shutil.copytree(PipelineSettings.from_env(store_uri=warc_archive["settings"].store_uri).store_uri, store_dir)
    settings = PipelineSettings.from_env(store_uri=str(store_dir))
    for run_id in ("first", "second"):                   # the baseline: two healthy runs
        runcheck.check("demo", run_id, settings)
    (mailbox, smtp_uri), (received, hook_url) = smtp_sink, webhook_sink
    env = {**airflow_env, "NEWSARCHIVE_STORE": str(store_dir),
           "NEWSARCHIVE_ALERT_EMAIL_TO": "ops@example.org", "AIRFLOW_CONN_SMTP_DEFAULT": smtp_uri,
           "NEWSARCHIVE_ALERT_WEBHOOK_CONN": "alert_hook", "AIRFLOW_CONN_ALERT_HOOK": hook_url}
    with DemoSite(fault="forbidden") as site:
        result = airflow(env, "dags", "test", "newsarchive_demo", "2024-07-05T06:00:00+00:00",
                         "-c", json.dumps({"base_url": site.base_url}))
    output = result.stdout + result.stderr
    assert "health check failed: demo run" in output and "mostly HTTP 403" in output, output[-5000:]

    runs = read_runs(open_store(store_dir), "demo")
    assert [r["result"] for r in runs] == ["ok", "ok", "failed"]
    message = f"health check failed: {runs[-1]['message']}"
    assert "mostly HTTP 403" in message and runs[-1]["kind"] == "manual"
    assert [r["task_id"] for r in received] == ["check"], "one alert, from the check task"
    assert received[0]["message"] == message and received[0]["dag_id"] == "newsarchive_demo"
    assert len(mailbox.messages) == 1 and "check failed" in mailbox.messages[0]["Subject"]
    assert runs[-1]["message"] in mailbox.bodies()[0]
