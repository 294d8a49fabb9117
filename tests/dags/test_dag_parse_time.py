"""Parsing the DAG file stays cheap with many sites: the dag-processor re-reads it every few
seconds. Its time is measured by bench/dagparse.py (docs/benchmarks.md); this test guards what
keeps it cheap: one DAG per site file, and none of the heavy libraries the tasks use imported
at parse time (they load inside the tasks)."""
from __future__ import annotations

import pytest

from bench.dagparse import parse_once, write_sites

SITES = 100
HEAVY = ("deltalake", "pyarrow", "trafilatura", "scrapy", "boto3", "warcio", "pandas")


@pytest.mark.slow
def test_the_dag_file_makes_one_dag_per_site_without_loading_task_libraries(tmp_path):
    write_sites(tmp_path, SITES)
    parsed = parse_once(tmp_path)
    assert parsed["dags"] == SITES
    loaded = {name.split(".")[0] for name in parsed["imported"]}
    assert not loaded & set(HEAVY), f"the DAG file imports {sorted(loaded & set(HEAVY))} at parse time"
