"""Airflow on this machine, without Docker, for a first look: `make airflow`.

Runs `airflow standalone` (API server and UI, scheduler, DAG processor,
triggerer; LocalExecutor) with AIRFLOW_HOME in `.airflow/` of the repository,
the project's DAGs and the archive store from NEWSARCHIVE_STORE (a folder or
s3://…). It creates one pool per enabled site (a DAG whose pool is missing
never gets its tasks scheduled), prints the UI address and login once the API
answers, and stops everything on Ctrl-C.

    python -m pipelines.schedule.localairflow [--port 8080] [--home .airflow]
    python -m pipelines.schedule.localairflow pools      # only create/update the site pools
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import threading
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from spiders.siteconfig import SiteDefinition, load_sites

from pipelines.settings import PipelineSettings

REPO = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
USER = "admin"


def airflow_env(home: Path, port: int, db_url: str | None = None, base: dict | None = None) -> dict:
    """Environment for every airflow command of one local installation."""
    base = dict(os.environ if base is None else base)
    settings = PipelineSettings.from_env()
    env = {
        **base,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        # standalone starts its components as `airflow …`: the venv's one must come first.
        "PATH": os.pathsep.join((str(Path(AIRFLOW).parent), base.get("PATH", os.defpath))),
        # Tasks import `pipelines` and `spiders` from the repository.
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), base.get("PYTHONPATH", "")) if p),
        "NEWSARCHIVE_STORE": _absolute_store(base.get("NEWSARCHIVE_STORE", settings.store_uri)),
        "NEWSARCHIVE_STAGING_DIR": str(Path(base.get("NEWSARCHIVE_STAGING_DIR", home / "staging")).resolve()),
    }
    if db_url:
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = db_url
    return env


def _absolute_store(uri: str) -> str:
    """Task processes may start elsewhere: a relative folder would move with them."""
    return uri if "://" in uri else str(Path(uri).resolve())


def enabled_sites(env: dict) -> list[SiteDefinition]:
    sites_dir = env.get("NEWSARCHIVE_SITES_DIR") or PipelineSettings.from_env().sites_dir
    return [s for s in load_sites(Path(sites_dir))[0] if s.enabled]


def ensure_pools(env: dict) -> list[str]:
    """One Airflow pool per enabled site, sized by its `schedule.pool_slots`."""
    pools = {s.pool: {"slots": s.schedule.pool_slots, "description": f"crawls of {s.name}",
                      "include_deferred": False} for s in enabled_sites(env)}
    path = Path(env["AIRFLOW_HOME"]) / "newsarchive-pools.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(pools, indent=2))
    subprocess.run([AIRFLOW, "pools", "import", str(path)], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    return sorted(pools)


def password(home: Path, timeout: float = 120) -> str:
    """The admin password that the simple auth manager generated into its file."""
    path = home / "passwords.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file() and path.stat().st_size:
            return json.loads(path.read_text())[USER]
        time.sleep(0.5)
    raise TimeoutError(f"no password file {path} after {timeout:.0f} s")


def wait_for_api(port: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"airflow standalone exited with code {proc.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=2).close()
            return
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    raise TimeoutError(f"the Airflow API did not answer on port {port} within {timeout:.0f} s")


def prepare(home: Path, env: dict) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitignore").write_text("*\n")           # keeps the local installation out of git
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, cwd=REPO)
    ensure_pools(env)


def run(home: Path, port: int, timeout: float = 300) -> int:
    env = airflow_env(home, port)
    print(f"preparing Airflow in {home} (database, one pool per site)…", flush=True)
    prepare(home, env)
    log_path = home / "standalone.log"
    # Ctrl-C (or a TERM) only sets a flag: shutting down is done in one place, below.
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([AIRFLOW, "standalone"], env=env, cwd=REPO, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_api(port, proc, timeout)
        print(f"\nAirflow UI    http://127.0.0.1:{port}/\n"
              f"login         {USER} / {password(home)}\n"
              f"DAGs          {', '.join(s.dag_id for s in enabled_sites(env)) or 'none'}\n"
              f"archive       {env['NEWSARCHIVE_STORE']}\n"
              f"logs          {log_path}\n"
              f"Press Ctrl-C to stop.", flush=True)
        while proc.poll() is None and not stopping.wait(0.5):
            pass
        if stopping.is_set():
            print("\nstopping Airflow…", flush=True)
            return 0
        print(f"airflow standalone exited with code {proc.returncode}; see {log_path}", file=sys.stderr)
        return proc.returncode or 1
    finally:
        stop(proc)


def stop(proc: subprocess.Popen, grace: float = 20) -> None:
    """TERM for standalone and its components, then KILL for whatever is left of the group."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 30)):
        if proc.poll() is not None and sig == signal.SIGTERM:
            continue
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    # component processes left in the group after standalone itself exited
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.schedule.localairflow", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", nargs="?", choices=("standalone", "pools"), default="standalone")
    parser.add_argument("--port", type=int, default=int(os.environ.get("AIRFLOW_PORT", 8080)))
    parser.add_argument("--home", type=Path, default=REPO / ".airflow")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the API")
    args = parser.parse_args(argv)
    home = args.home.resolve()
    if args.action == "pools":
        print("pools:", ", ".join(ensure_pools(airflow_env(home, args.port))))
        return 0
    try:
        return run(home, args.port, args.timeout)
    except (subprocess.CalledProcessError, TimeoutError, RuntimeError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        print(f"error: {exc} {detail.decode(errors='replace')[-500:]}".strip(), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
