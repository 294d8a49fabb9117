"""Every NEWSARCHIVE_* variable is read in newsarchive/environment.py alone, with its default,
and operators find each one in docs/operations.md."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from newsarchive import environment
from newsarchive.errors import NewsarchiveError
from pipelines.settings import PipelineSettings
from spiders.settings import CrawlSettings

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("newsarchive", "spiders", "pipelines", "dags", "demosite")


def environment_reads(path: Path) -> list[str]:
    """NEWSARCHIVE_* names a module looks up in os.environ or os.getenv."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        looked_up = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            owner = ast.unparse(node.func.value)
            if (owner.endswith("environ") and node.func.attr in ("get", "pop", "setdefault")) or \
                    node.func.attr == "getenv":
                looked_up = node.args[0]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ"):
            looked_up = node.slice
        if looked_up is not None and "NEWSARCHIVE_" in ast.unparse(looked_up):
            found.append(f"{path.name}:{node.lineno}")
    return found


def test_the_scan_sees_a_lookup(tmp_path):
    sample = tmp_path / "sample_reads.py"
    sample.write_text('import os\nA = os.environ.get("NEWSARCHIVE_X")\nB = os.environ[f"NEWSARCHIVE_{1}"]\n'
                      'C = os.getenv("NEWSARCHIVE_Y")\nD = os.environ.get("HOME")\n')
    assert environment_reads(sample) == ["sample_reads.py:2", "sample_reads.py:3", "sample_reads.py:4"]


def test_only_the_environment_module_reads_newsarchive_variables():
    reads = [f"{path.parent.relative_to(ROOT)}/{hit}" for package in SOURCES
             for path in sorted((ROOT / package).rglob("*.py"))
             if path != ROOT / "newsarchive" / "environment.py" for hit in environment_reads(path)]
    assert reads == []


def test_every_variable_is_documented_for_operators():
    docs = (ROOT / "docs" / "operations.md").read_text()
    table = {m.group(1) for m in re.finditer(r"^\| `(NEWSARCHIVE_[A-Z_]+)` \|", docs, re.M)}
    assert table == set(environment.BY_NAME)


def test_unset_or_empty_means_the_default_and_bad_values_fail_in_one_line():
    assert environment.value("NEWSARCHIVE_STORE_RETRY_SECONDS", {}) == 180.0
    assert environment.value("NEWSARCHIVE_STORE_RETRY_SECONDS", {"NEWSARCHIVE_STORE_RETRY_SECONDS": " "}) == 180.0
    assert environment.value("NEWSARCHIVE_STORE_RETRY_SECONDS", {"NEWSARCHIVE_STORE_RETRY_SECONDS": "2.5"}) == 2.5
    assert environment.value("NEWSARCHIVE_CLEAN_WORKERS", {"NEWSARCHIVE_CLEAN_WORKERS": "3"}) == 3
    with pytest.raises(NewsarchiveError, match="^NEWSARCHIVE_CLEAN_WORKERS='none' is not valid"):
        environment.value("NEWSARCHIVE_CLEAN_WORKERS", {"NEWSARCHIVE_CLEAN_WORKERS": "none"})
    with pytest.raises(NewsarchiveError, match="must be 1 or more"):
        environment.value("NEWSARCHIVE_WARC_MAX_BYTES", {"NEWSARCHIVE_WARC_MAX_BYTES": "0"})


def test_the_layers_settings_come_from_it(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSARCHIVE_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("NEWSARCHIVE_WARC_MAX_BYTES", "12345")
    assert PipelineSettings.from_env().store_uri == str(tmp_path / "store")
    assert PipelineSettings.from_env(store_uri="s3://b/p").store_uri == "s3://b/p"     # the CLI option wins
    assert CrawlSettings.from_env().warc_max_bytes == 12345
