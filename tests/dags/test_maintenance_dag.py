"""The maintenance DAG in a real Airflow run against an S3 store: every table's partitions
compacted to one file, a checkpoint, the log expired by the retention."""
import pytest

from pipelines.archive import tables
from pipelines.archive.maintain import log_entries, partition_files
from pipelines.store import open_store
from pipelines.store.layout import RUNS_TABLE
from tests.dags.airflowcluster import airflow
from tests.dags.test_dag_run import airflow_env  # noqa: F401  (fixture)
from tests.pipelines.archive.test_maintain import publish_runs

pytestmark = pytest.mark.slow


def test_maintenance_dag_run_compacts_every_table(airflow_env, s3_bucket):  # noqa: F811
    store_uri = f"s3://{s3_bucket}/archive"
    store = open_store(store_uri)
    publish_runs(store, 4, sites=("demo", "other"))
    keys = (tables.ARTICLES_TABLE, tables.CAPTURES_TABLE, RUNS_TABLE)
    assert all(partition_files(tables.open_table(store, key)) == {"demo": 4, "other": 4} for key in keys)
    env = {**airflow_env, "NEWSARCHIVE_STORE": store_uri, "NEWSARCHIVE_RETENTION_DAYS": "0"}
    result = airflow(env, "dags", "test", "newsarchive_maintenance", "2024-07-05T06:00:00+00:00")
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    for key in keys:
        assert partition_files(tables.open_table(store, key)) == {"demo": 1, "other": 1}, key
        assert log_entries(store, key) == 1, key
