"""Helpers of the Airflow tests: `airflow` commands, and Airflow's components (API server,
DAG processor, scheduler, Celery workers) as separate processes on this machine, each
logging to `<home>/<name>.log`."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from pipelines.schedule.localairflow import AIRFLOW, REPO, airflow_env, ensure_pools

SERVICES = ("api-server", "dag-processor", "scheduler")


def airflow(env: dict, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO)


def demo_sites_dir(home: Path, base_url: str) -> Path:
    """The demo site's own file, pointed at the test's demo server (scheduled runs use it too)."""
    sites = home / "sites"
    sites.mkdir(exist_ok=True)
    demo = (REPO / "spiders/sites/demo.toml").read_text()
    (sites / "demo.toml").write_text(demo.replace('base_url = "http://127.0.0.1:8765/"', f'base_url = "{base_url}/"'))
    return sites


def cluster_env(home: Path, port: int, db_url: str, base: dict) -> dict:
    """Environment shared by every component of one test installation."""
    env = airflow_env(home, port, db_url, base=base)
    env.update({
        "AIRFLOW__API_AUTH__JWT_SECRET": "newsarchive-test-secret",   # shared by all components
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__CORE__PARALLELISM": "4",
    })
    return env


def prepare(env: dict) -> None:
    result = airflow(env, "db", "migrate", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    ensure_pools(env)


def start(home: Path, name: str, args: list[str], env: dict) -> subprocess.Popen:
    """One component in its own process group (so it can be stopped, or killed, with its children)."""
    with open(home / f"{name}.log", "wb") as log:
        return subprocess.Popen([AIRFLOW, *args], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


@contextmanager
def services(home: Path, env: dict, port: int):
    """API server (with the execution API), DAG processor and scheduler, stopped on exit."""
    args = {"api-server": ["api-server", "--port", str(port), "--apps", "execution", "--workers", "1"],
            "dag-processor": ["dag-processor"], "scheduler": ["scheduler"]}
    procs = [start(home, name, args[name], env) for name in SERVICES]
    try:
        yield procs
    finally:
        for proc in procs:
            stop(proc)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    for signum, wait in ((sig, 30), (signal.SIGKILL, 10)):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signum)
                proc.wait(timeout=wait)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass


def wait_for(what: str, check, home: Path, timeout: float):
    """Poll `check` until it returns something true; on timeout fail with the components' logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(2)
    logs = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in sorted(home.glob("*.log")))
    pytest.fail(f"timed out waiting for {what}\n{logs}")
