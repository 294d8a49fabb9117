"""The DAG file as Airflow's DagBag sees it: no import errors, one DAG per enabled site
with a real data-interval timetable, a pool per site and the archive as an Asset; a
broken site file is reported by `newsarchive sites --check` and hides no other DAG."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipelines.cli.main import main as cli_main
from spiders.siteconfig import load_sites

REPO = Path(__file__).resolve().parents[2]
MAINTENANCE = "newsarchive_maintenance"
INSPECT = r"""
import json, sys
from airflow.dag_processing.dagbag import DagBag
from airflow.serialization.encoders import coerce_to_core_timetable
heavy_before = {m for m in ("scrapy", "deltalake", "pandas", "trafilatura", "boto3") if m in sys.modules}
bag = DagBag(dag_folder=sys.argv[1])
out = {"errors": {k: str(v)[-300:] for k, v in bag.import_errors.items()}, "dags": {},
       "heavy": sorted({m for m in ("scrapy", "deltalake", "pandas", "trafilatura", "boto3")
                        if m in sys.modules} - heavy_before)}
for dag_id, dag in bag.dags.items():
    tasks = {t.task_id: {"pool": t.pool, "outlets": [getattr(o, "uri", str(o)) for o in t.outlets],
                         "upstream": sorted(t.upstream_task_ids),
                         "inputs": len(getattr(t, "op_args", ())) + len(getattr(t, "op_kwargs", {}))}
             for t in dag.tasks}
    interval = coerce_to_core_timetable(dag.timetable).infer_manual_data_interval(run_after=__import__("pendulum").datetime(2024, 6, 11, 12))
    out["dags"][dag_id] = {"catchup": dag.catchup, "max_active_runs": dag.max_active_runs,
                           "timetable": type(dag.timetable).__name__, "tasks": tasks,
                           "interval": [interval.start.isoformat(), interval.end.isoformat()]}
print(json.dumps(out))
"""


def inspect_dags(tmp_path: Path, sites_dir: Path | None = None) -> dict:
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__UNIT_TEST_MODE": "False"}
    if sites_dir:
        env["NEWSARCHIVE_SITES_DIR"] = str(sites_dir)
    result = subprocess.run([sys.executable, "-c", INSPECT, str(REPO / "dags")], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_one_dag_per_enabled_site_without_import_errors(tmp_path):
    found = inspect_dags(tmp_path)
    assert found["errors"] == {}
    sites = load_sites()[0]
    assert any(not s.enabled for s in sites), "the disabled example site is part of the registry"
    assert set(found["dags"]) == {s.dag_id for s in sites if s.enabled} | {MAINTENANCE}
    assert found["heavy"] == [], "parsing the DAG file must not import the pipeline's heavy libraries"

    demo = found["dags"]["newsarchive_demo"]
    site = next(s for s in sites if s.name == "demo")
    assert demo["timetable"] == "CronDataIntervalTimetable" and demo["catchup"] is False
    assert demo["max_active_runs"] == site.schedule.max_active_runs
    # a real, daily data interval (a bare cron string would give a zero-length one)
    start, end = (datetime.fromisoformat(t) for t in demo["interval"])
    assert (end - start).days == 1 and end.astimezone(timezone.utc).hour == 0
    assert list(demo["tasks"]) == ["crawl", "upload", "clean", "publish", "check", "index_search"]
    # one step after the other, each handed over through the store, none through XCom;
    # the check and the search index both follow publish
    assert [task["upstream"] for task in demo["tasks"].values()] == [[], ["crawl"], ["upload"], ["clean"], ["publish"],
                                                                     ["publish"]]
    assert all(task["inputs"] == 0 for task in demo["tasks"].values())
    assert demo["tasks"]["crawl"]["pool"] == site.pool
    assert demo["tasks"]["publish"]["outlets"] == ["newsarchive://archive/articles"]


def test_maintenance_dag_keeps_every_table_on_a_schedule(tmp_path):
    found = inspect_dags(tmp_path)
    dag = found["dags"][MAINTENANCE]
    assert dag["catchup"] is False and dag["max_active_runs"] == 1
    assert dag["timetable"] == "CronTriggerTimetable"
    # one independent task per table the project writes
    assert {name: task["upstream"] for name, task in dag["tasks"].items()} == {
        "maintain_articles": [], "maintain_captures": [], "maintain_runs_table": []}


def test_broken_site_file_fails_the_check_and_hides_no_other_dag(tmp_path, capsys):
    sites = tmp_path / "sites"
    sites.mkdir()
    demo = (REPO / "spiders/sites/demo.toml").read_text()
    (sites / "demo.toml").write_text(demo)
    (sites / "other.toml").write_text(demo.replace('name = "demo"', 'name = "other"'))
    (sites / "broken.toml").write_text(demo.replace('name = "demo"', 'name = "broken"')
                                       .replace('cron = "0 0 * * *"', 'cron = "0 25 * * *"'))
    os.environ["NEWSARCHIVE_SITES_DIR"] = str(sites)
    try:
        code = cli_main(["sites", "--check"])
    finally:
        del os.environ["NEWSARCHIVE_SITES_DIR"]
    err = capsys.readouterr().err
    assert code == 1
    assert "broken.toml" in err and "'schedule.cron'" in err

    found = inspect_dags(tmp_path, sites)
    assert set(found["dags"]) == {"newsarchive_demo", "newsarchive_other", MAINTENANCE}
    assert found["errors"] == {}


@pytest.mark.parametrize("run_type, mode, windowed", [
    ("scheduled", "auto", True), ("backfill", "auto", True), ("manual", "auto", False),
    ("manual", "window", True), ("scheduled", "full", False),
])
def test_crawl_window_follows_run_type_and_param(run_type, mode, windowed):
    import sys as _sys

    _sys.path.insert(0, str(REPO / "dags"))
    try:
        from newsarchive_sites import crawl_window
    finally:
        _sys.path.remove(str(REPO / "dags"))
    site = next(s for s in load_sites()[0] if s.name == "kyivindependent")    # 6 h lookback
    start, end = datetime(2024, 6, 10, tzinfo=timezone.utc), datetime(2024, 6, 11, tzinfo=timezone.utc)
    context = {"params": {"discovery": mode}, "data_interval_start": start, "data_interval_end": end,
               "dag_run": type("Run", (), {"run_type": run_type})()}
    window = crawl_window(site, context)
    if windowed:
        assert window == (datetime(2024, 6, 9, 18, tzinfo=timezone.utc), end)
    else:
        assert window is None
