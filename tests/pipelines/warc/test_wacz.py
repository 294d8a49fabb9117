"""`newsarchive wacz`: a validated WACZ of the demo site's captures, with pages.jsonl of its articles."""
import json
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

from pipelines.cli.main import main
from pipelines.store.layout import warc_date
from pipelines.warc.wacz import keys_in_range

WACZ = str(Path(sys.executable).with_name("wacz"))


@pytest.fixture(scope="module")
def package(warc_archive, tmp_path_factory):
    store = warc_archive["store"]
    day = warc_date(warc_archive["runs"]["second"][0]).isoformat()
    out = tmp_path_factory.mktemp("wacz") / "demo.wacz"
    code = main(["wacz", "demo", "--since", day, "--until", day, "--out", str(out), "--store", str(store.root)])
    assert code == 0
    return out


def test_wacz_validate_accepts_it(package):
    result = subprocess.run([WACZ, "validate", "-f", str(package)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-1000:] + result.stderr[-1000:]


def test_pages_list_every_article_and_warcs_are_inside(package, demo_site, warc_archive):
    with zipfile.ZipFile(package) as z:
        names = z.namelist()
        lines = z.read("pages/pages.jsonl").decode().splitlines()
    header, pages = json.loads(lines[0]), [json.loads(l) for l in lines[1:]]
    assert header["format"] == "json-pages-1.0"
    articles = {demo_site.base_url + a.path for a in demo_site.articles()}
    assert {p["url"] for p in pages} == articles
    assert all(p.get("title") for p in pages)
    packed = {Path(n).name for n in names if n.startswith("archive/")}
    stored = {Path(k).name for keys in warc_archive["runs"].values() for k in keys}
    assert packed == stored
    assert "datapackage.json" in names and any(n.startswith("indexes/") for n in names)


def test_revisits_bring_the_warcs_they_refer_to(warc_archive, tmp_path):
    """A package of the second run alone still holds the first run's WARC its revisits need."""
    from pipelines.warc.wacz import _referenced_warcs, _scan
    from spiders.siteconfig import SITES_DIR, load_site
    store = warc_archive["store"]
    site = load_site("demo", SITES_DIR)
    _, refers_to = _scan(store, warc_archive["runs"]["second"], site, tmp_path)
    assert _referenced_warcs(store, "demo", refers_to) == set(warc_archive["runs"]["first"])


def test_an_empty_range_is_one_line_error(warc_archive, capsys):
    store = warc_archive["store"]
    code = main(["wacz", "demo", "--since", "1999-01-01", "--store", str(store.root)])
    assert code == 2
    err = capsys.readouterr().err
    assert "no WARC files of demo between 1999-01-01 and 1999-01-01" in err
    assert len(err.strip().splitlines()) == 1


def test_range_selection_by_key_date(warc_archive):
    store, keys = warc_archive["store"], sorted(k for ks in warc_archive["runs"].values() for k in ks)
    assert warc_date("warcs/demo/2026/11/27/demo-20261127062636-00000-vm.warc.gz") == date(2026, 11, 27)
    day = warc_date(keys[0])
    assert keys_in_range(store, "demo", day, day) == keys
    assert keys_in_range(store, "demo", date(day.year - 1, 1, 1), date(day.year - 1, 12, 31)) == []
