"""`make airflow`: the local Airflow starts, its API lists one DAG per enabled site,
and Ctrl-C stops it."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from pipelines.schedule.localairflow import REPO
from tests.support import api_get, api_token
from spiders.siteconfig import load_sites
from tests.support import free_port

pytestmark = pytest.mark.airflow     # runs `make airflow` (Airflow standalone)

BOUND = 480      # seconds; a bound against hanging, not a speed target


def _read_until(proc: subprocess.Popen, pattern: str, seen: list[str]) -> re.Match:
    for line in proc.stdout:
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    pytest.fail("local Airflow stopped early:\n" + "".join(seen[-40:]))


def _dag_ids(port: int, token: str) -> set[str]:
    return {d["dag_id"] for d in api_get(port, "/api/v2/dags?limit=100", token)["dags"]}


def test_make_airflow_serves_the_site_dags_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    home = tmp_path / "home"
    env = {**os.environ, "NEWSARCHIVE_STORE": str(tmp_path / "archive")}
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.schedule.localairflow", "--home", str(home),
                             "--port", str(port), "--timeout", str(BOUND)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    seen: list[str] = []
    try:
        assert _read_until(proc, r"Airflow UI\s+(\S+)", seen)[1] == f"http://127.0.0.1:{port}/"
        user, secret = _read_until(proc, r"login\s+(\S+) / (\S+)", seen).groups()
        token = api_token(port, user, secret)
        wanted = {s.dag_id for s in load_sites()[0] if s.enabled} | {"newsarchive_maintenance"}
        deadline = time.monotonic() + BOUND
        while _dag_ids(port, token) != wanted and time.monotonic() < deadline:
            time.sleep(2)
        assert _dag_ids(port, token) == wanted
        assert (home / ".gitignore").read_text() == "*\n"

        os.killpg(proc.pid, signal.SIGINT)            # what Ctrl-C in the terminal does
        assert proc.wait(timeout=120) == 0
        rest = proc.stdout.read()
        assert "stopping Airflow" in rest
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    with pytest.raises(OSError):
        api_get(port, "/api/v2/monitor/health", token)
