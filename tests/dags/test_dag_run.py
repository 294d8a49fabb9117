"""A real Airflow DAG run of the demo site's DAG, against a real metadata
database and an S3 endpoint over HTTP."""
import json
import os
from pathlib import Path

import pytest
from deltalake import DeltaTable

from pipelines.store import open_store
from pipelines.archive.tables import ARTICLES_TABLE
from spiders.siteconfig import load_sites
from tests.dags.airflowcluster import REPO, airflow


@pytest.fixture(scope="module")
def airflow_env(airflow_db, s3_server, tmp_path_factory):
    """Environment for airflow commands; built after s3_server so AWS_* point at it."""
    home = tmp_path_factory.mktemp("airflow-home")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": airflow_db,
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "NEWSARCHIVE_STAGING_DIR": str(home / "staging"),
    }
    result = airflow(env, "db", "migrate")
    assert result.returncode == 0, result.stderr[-3000:]
    return env


def test_dag_list_has_one_dag_per_enabled_site(airflow_env):
    result = airflow(airflow_env, "dags", "list", "--local", "-o", "json")
    assert result.returncode == 0, result.stderr[-3000:]
    listing = json.loads(result.stdout.strip().splitlines()[-1])    # warnings may precede the JSON
    dag_ids = {d["dag_id"] for d in listing}
    assert dag_ids == {f"newsarchive_{s.name}" for s in load_sites()[0] if s.enabled} | {"newsarchive_maintenance"}
    errors = airflow(airflow_env, "dags", "list-import-errors", "--local", "-o", "json")
    assert "newsarchive_sites.py" not in errors.stdout


def test_demo_dag_run_archives_into_s3(airflow_env, demo_site, s3_server, s3_bucket):
    env = {**airflow_env, "NEWSARCHIVE_STORE": f"s3://{s3_bucket}/archive"}
    result = airflow(env, "dags", "test", "newsarchive_demo", "2024-07-05T06:00:00+00:00",
                     "-c", json.dumps({"base_url": demo_site.base_url}))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    for task_id in ("crawl", "upload", "clean", "publish"):
        assert f"task_id={task_id}" in output or task_id in output

    store = open_store(f"s3://{s3_bucket}/archive")
    warcs = [o for o in store.list("warcs/demo/") if o.key.endswith(".warc.gz")]
    assert warcs and all(o.size > 0 for o in warcs)
    articles = DeltaTable(store.table_uri(ARTICLES_TABLE), storage_options=store.storage_options())
    rows = articles.to_pyarrow_table(columns=["article_id", "version", "warc_key"]).to_pylist()
    assert len(rows) == len(demo_site.articles())
    assert {r["warc_key"] for r in rows} <= {o.key for o in warcs}
    manifests = list(store.list("runs/demo/"))
    assert len(manifests) == 1
    manifest = json.loads(store.get_bytes(manifests[0].key))
    assert manifest["versions_added"] == len(rows)
    assert not list(Path(env["NEWSARCHIVE_STAGING_DIR"]).rglob("*.warc.gz")), "local WARCs kept after upload"
