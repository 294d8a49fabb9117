"""Bad input to the CLI: one plain line on stderr and a non-zero exit, nothing written astray."""
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cli.main import main
from pipelines.store import StoreError, open_store

CLI = str(Path(sys.executable).with_name("newsarchive"))


def cli(*args, cwd, env=None):
    return subprocess.run([CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize("command", ["crawl", "upload", "clean", "publish"])
def test_a_run_id_that_is_a_path_is_refused(tmp_path, command):
    result = cli(command, "demo", "--run-id", "../../etc", "--store", str(tmp_path / "s"),
                 "--staging", str(tmp_path / "staging"), cwd=tmp_path)
    assert result.returncode == 2 and "invalid run id '../../etc'" in result.stderr
    assert not (tmp_path / "etc").exists() and not (tmp_path / "s").exists()


def test_upload_of_a_run_that_never_crawled_is_an_error(tmp_path):
    result = cli("upload", "demo", "--run-id", "never", "--store", str(tmp_path / "s"),
                 "--staging", str(tmp_path / "staging"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: run never of demo has no finished crawl (no crawl summary in the store nor in "
        f"{tmp_path / 'staging' / 'demo' / 'never'}): run the crawl step first"]
    assert not list((tmp_path / "s").rglob("upload.json"))


def test_an_unwritable_staging_folder_fails_before_fetching(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = cli("crawl", "demo", "--base-url", "http://127.0.0.1:9/", "--staging", str(blocker / "staging"),
                 "--store", str(tmp_path / "s"), cwd=tmp_path)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and errors[0].startswith("error: cannot write to the staging folder")
    assert "Traceback" not in result.stderr and not (tmp_path / "s" / "warcs").exists()


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_to_an_unwritable_path_is_one_line(tmp_path, fmt):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli("export", "--format", fmt, "--out", str(blocker / "out"), "--store", str(tmp_path / "s"),
                 cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: argument --out: cannot write {blocker / 'out'}: no folder {blocker}"]


@pytest.mark.parametrize("uri", ["ftp:/x", "http:x", "gs:bucket"])
def test_unknown_store_schemes_are_refused(tmp_path, uri, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match="unsupported store URI"):
        open_store(uri)
    assert not list(tmp_path.iterdir())


def test_error_text_is_never_read_as_markup(tmp_path, capsys):
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "br.toml").write_text('name = "br"\nbase_url = "https://x.example/"\narticle_patterns = ["([/bold]"]\n')
    import os
    os.environ["NEWSARCHIVE_SITES_DIR"] = str(sites)
    try:
        assert main(["sites", "--check"]) == 1
    finally:
        del os.environ["NEWSARCHIVE_SITES_DIR"]
    err = capsys.readouterr().err
    assert "invalid:" in err and "[/bold]" in err
