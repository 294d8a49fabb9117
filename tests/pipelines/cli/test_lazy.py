"""The command line is lazy: building its parser (and so `newsarchive --help`) imports none
of the heavy libraries; each command imports what it needs when it runs."""
import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("deltalake", "pyarrow", "trafilatura", "scrapy", "boto3", "rich", "pandas", "pydantic")

PROBE = """
import json, sys
from pipelines.cli.main import build_parser
parser = build_parser()
try:
    parser.parse_args(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def imported_by(*argv: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return {name.split(".")[0] for name in json.loads(result.stdout.splitlines()[-1])}


def test_building_the_parser_imports_no_heavy_library():
    loaded = imported_by()
    assert "pipelines" in loaded                   # the probe did import the command line
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_parsing_a_command_with_checked_arguments_stays_light():
    loaded = imported_by("export", "--out", "x.jsonl", "--since", "2024-07-01", "--store", "s3://bucket/p")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_help_runs_without_them():
    cli = str(Path(sys.executable).with_name("newsarchive"))
    result = subprocess.run([cli, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "backfill" in result.stdout and "export" in result.stdout
