"""Helpers of the Airflow tests: `airflow` commands, and Airflow's components (API server,
DAG processor, scheduler, Celery workers) as separate processes on this machine, each
logging to `<home>/<name>.log`."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
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


def migrate(env: dict) -> None:
    result = airflow(env, "db", "migrate", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def prepare(env: dict) -> None:
    migrate(env)
    ensure_pools(env)


def start(home: Path, name: str, args: list[str], env: dict) -> subprocess.Popen:
    """One component in its own process group (so it can be stopped, or killed, with its children)."""
    with open(home / f"{name}.log", "wb") as log:
        return subprocess.Popen([AIRFLOW, *args], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


@contextlib.contextmanager
def services(home: Path, env: dict, port: int, apps: str = "execution"):
    """API server (with the execution API, or `apps`), DAG processor and scheduler, stopped on exit."""
    args = {"api-server": ["api-server", "--port", str(port), "--apps", apps, "--workers", "1"],
            "dag-processor": ["dag-processor"], "scheduler": ["scheduler"]}
    procs = [start(home, name, args[name], env) for name in SERVICES]
    try:
        yield procs
    finally:
        stop(*procs)


def stop(*procs: subprocess.Popen, grace: float = 30) -> None:
    """Stop components side by side: SIGTERM to each one's process group, then SIGKILL to
    those still running after `grace` seconds."""
    for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
        running = [p for p in procs if p.poll() is None]
        for proc in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signum)
        deadline = time.monotonic() + wait
        for proc in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))


def kill_machine(proc: subprocess.Popen) -> list[int]:
    """SIGKILL a component and every process under it, as when its machine is gone. Process
    groups are not enough: a Celery worker runs each task in a group of its own. All are
    stopped first, so none starts another while the tree is collected. Returns the pids."""
    tree: dict[int, psutil.Process] = {}
    while True:
        try:
            found = [psutil.Process(proc.pid)]
            found += found[0].children(recursive=True)
        except psutil.NoSuchProcess:
            found = []
        new = [p for p in found if p.pid not in tree]
        if not new:
            break
        for p in new:
            tree[p.pid] = p
            with contextlib.suppress(psutil.NoSuchProcess):
                p.suspend()
    for p in tree.values():
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    proc.wait()
    psutil.wait_procs(list(tree.values()), timeout=10)
    return sorted(tree)


def wait_for(what: str, check, home: Path, timeout: float, interval: float = 0.5):
    """Poll `check` until it returns something true; on timeout fail with the components' logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(interval)
    logs = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in sorted(home.glob("*.log")))
    pytest.fail(f"timed out waiting for {what}\n{logs}")
