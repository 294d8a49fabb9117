"""Shared fixtures.

S3 tests run against moto's S3 server over real HTTP on 127.0.0.1; the
``s3_server`` fixture points the standard AWS environment variables at it for
the rest of the test session.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid

import pytest

from pipelines.store import Store, open_store
from tests.support import free_port

pytest_plugins = ("tests.alertsinks",)   # the SMTP and webhook sink fixtures

# Anything from the developer's own AWS setup that could redirect or authenticate requests.
_AWS_ENV_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL_S3",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto server exited with code {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"moto server did not listen on port {port} within {timeout} s")


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """Endpoint URL of a moto S3 server; AWS_* env vars point at it for the session.

    The server runs in its own process, not in a thread (ThreadedMotoServer):
    some deltalake calls (e.g. DeltaTable.history) hold the GIL during S3 I/O
    and would stall an in-process server until they time out.
    """
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    absent = tmp_path_factory.mktemp("aws") / "absent"
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, proc)
        with pytest.MonkeyPatch.context() as mp:
            for name in _AWS_ENV_TO_CLEAR:
                mp.delenv(name, raising=False)
            mp.setenv("AWS_CONFIG_FILE", str(absent))
            mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(absent))
            mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
            mp.setenv("AWS_ENDPOINT_URL", endpoint)
            mp.setenv("AWS_ACCESS_KEY_ID", "testing")
            mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
            mp.setenv("AWS_REGION", "us-east-1")
            yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def s3_client(s3_server):
    """A plain boto3 S3 client talking to the moto server."""
    import boto3

    return boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")


@pytest.fixture
def s3_bucket(s3_client) -> str:
    """A fresh, empty bucket."""
    name = f"test-{uuid.uuid4().hex[:24]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_store(s3_bucket) -> Store:
    return open_store(f"s3://{s3_bucket}/archive")


@pytest.fixture
def local_store(tmp_path) -> Store:
    return open_store(tmp_path / "archive")


@pytest.fixture(params=["local", "s3"])
def any_store(request) -> Store:
    """Each test using it runs once per backend."""
    return request.getfixturevalue(f"{request.param}_store")


# -- the demo site, one crawl of it, and an Airflow metadata database ---------------
@pytest.fixture(scope="session")
def demo_site():
    """The bundled demo news site, served on a free port for the whole session."""
    from demosite import DemoSite

    with DemoSite() as site:
        yield site


@pytest.fixture(scope="session")
def demo_crawl(demo_site, tmp_path_factory):
    """One real crawl of the demo site (in its own process): (summary, WARC files)."""
    import json
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("crawl")
    subprocess.run([sys.executable, "-m", "spiders.crawl", "demo", "--out", str(out), "--run-id", "test",
                    "--base-url", demo_site.base_url], check=True, capture_output=True, timeout=600)
    summary = json.loads((out / "crawl-summary.json").read_text())
    return summary, sorted(out.glob("*.warc.gz"))


@pytest.fixture(scope="session")
def airflow_db():
    """SQLAlchemy URL of a fresh Airflow metadata database: PostgreSQL on 127.0.0.1:5432
    when it answers (as in CI), SQLite otherwise."""
    import tempfile

    try:
        import psycopg2

        admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres",
                                 connect_timeout=3)
    except Exception:
        folder = tempfile.mkdtemp(prefix="airflow-db-")
        yield f"sqlite:///{folder}/airflow.db"
        return
    admin.autocommit = True
    name = f"newsarchive_test_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


# -- WARC side: two runs of the demo site in one store, the second deduplicated ------------
@pytest.fixture(scope="session")
def warc_archive(demo_site, demo_crawl, tmp_path_factory):
    """A local store holding two published runs of the unchanged demo site: the session's
    crawl (`first`) and a crawl made with the digest index the first one left (`second`).
    Returns a dict: store, settings, first/second run ids and their WARC keys."""
    import shutil

    from pipelines.run import steps
    from pipelines.settings import open_checked_store
    from spiders.siteconfig import load_site
    from pipelines.settings import PipelineSettings
    from spiders.crawl import SUMMARY_NAME

    root = tmp_path_factory.mktemp("warc-archive")
    settings = PipelineSettings.from_env(store_uri=str(root / "archive"), staging_dir=root / "staging")
    demo = load_site("demo", settings.sites_dir)
    summary, files = demo_crawl
    first_dir = settings.run_dir("demo", "first")
    first_dir.mkdir(parents=True)
    for path in files:                      # copies: the upload deletes what it shipped
        shutil.copy(path, first_dir / path.name)
    shutil.copy(files[0].parent / SUMMARY_NAME, first_dir / SUMMARY_NAME)
    runs = {}
    for run_id in ("first", "second"):
        if run_id == "second":
            steps.crawl(demo, run_id, settings, demo_site.base_url)
        runs[run_id] = steps.upload(demo, run_id, settings)
        steps.clean(demo, run_id, settings)
        steps.publish(demo, run_id, settings)
    return {"store": open_checked_store(settings), "settings": settings, "runs": runs}


# -- markers: `make test-fast` runs what needs none of these ---------------------------------
_MARKED_BY_FIXTURE = {
    "s3_server": "s3",            # a moto S3 server process
    "airflow_db": "airflow",      # real Airflow runs or commands
    "demo_crawl": "slow",         # a whole crawl of the demo site
    "warc_archive": "slow",
    "demo_runs": "slow",          # `newsarchive demo` runs end to end
    "fault_runs": "slow",         # two runs over the hostile fault site
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        for fixture, marker in _MARKED_BY_FIXTURE.items():
            if fixture in fixtures:
                item.add_marker(marker)
        if "tests/dags/" in item.nodeid:
            item.add_marker("airflow")
        if getattr(item, "callspec", None) and item.callspec.params.get("any_store") == "s3":
            item.add_marker("s3")
