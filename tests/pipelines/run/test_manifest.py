"""The run manifest has one owner: `pipelines.run.manifest.Manifest` reads and writes it, and
no other module of the project builds its key."""
from __future__ import annotations

import ast
from pathlib import Path

from pipelines.run.manifest import Manifest
from pipelines.store import layout

ROOT = Path(__file__).resolve().parents[3]


def callers_of(function: str) -> list[str]:
    found = []
    for package in ("newsarchive", "spiders", "pipelines", "dags", "demosite", "bench"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == function:
                    found.append(str(path.relative_to(ROOT)))
    return found


def test_only_the_manifest_module_builds_the_manifest_key():
    assert callers_of("manifest_key") == ["pipelines/run/manifest.py"]


def test_a_manifest_is_read_back_as_written_and_listed_per_site(local_store):
    assert Manifest(local_store, "demo", "run-1").read() is None
    Manifest(local_store, "demo", "run-1").write({"site": "demo", "run_id": "run-1", "warc_keys": ["a"]})
    Manifest(local_store, "other", "run-2").write({"site": "other", "run_id": "run-2", "warc_keys": []})
    local_store.put_bytes(layout.backfill_state_key("demo"), b'{"site": "demo", "finished": {}}')
    assert Manifest(local_store, "demo", "run-1").read()["warc_keys"] == ["a"]
    assert [m["run_id"] for m in Manifest.all(local_store, "demo")] == ["run-1"]     # not the backfill record
    assert sorted(m["run_id"] for m in Manifest.all(local_store)) == ["run-1", "run-2"]
    assert Manifest(local_store, "demo", "run-1").location.endswith("/runs/demo/run-1.json")
    Manifest(local_store, "demo", "run-1").delete()
    assert not Manifest(local_store, "demo", "run-1").exists()
