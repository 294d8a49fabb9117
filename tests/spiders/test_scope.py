"""Scope: which URLs and addresses a crawl may reach, and the refusal of private base URLs."""
import json
import subprocess
import sys

import pytest
from warcio.archiveiterator import ArchiveIterator

from spiders.addresses import is_public
from spiders.scope import SiteScope
from spiders.siteconfig import SiteDefinition, SiteError, load_site_file
from tests.faultsite import Canary

SITE = """
name = "{name}"
base_url = "{base}"
article_patterns = ['^/a/']
[politeness]
obey_robots = false
download_delay = 0.0
autothrottle = false
{scope}
"""


def site(base="https://news.example.org/", **scope) -> SiteDefinition:
    return SiteDefinition(name="s", base_url=base, article_patterns=["x"], scope=scope)


def test_only_the_sites_own_hosts_and_ports():
    scope = SiteScope(site(hosts=["cdn.example.net", "img.example.net:8443"]))
    assert scope.refusal("https://news.example.org/a/") is None
    assert scope.refusal("http://news.example.org/a/") is None          # http <-> https on default ports
    assert scope.refusal("https://cdn.example.net/x.css") is None
    assert scope.refusal("https://img.example.net:8443/p.png") is None
    assert "not one of the site's hosts" in scope.refusal("https://news.example.org:8080/a/")
    assert "not one of the site's hosts" in scope.refusal("https://evil.news.example.org/a/")
    assert "not one of the site's hosts" in scope.refusal("https://img.example.net/p.png")
    assert "not http(s)" in scope.refusal("ftp://news.example.org/a/")
    assert "credentials" in scope.refusal("https://u:p@news.example.org/a/")


def test_an_explicit_port_is_the_only_one():
    scope = SiteScope(site("http://127.0.0.1:8765/", allow_private_networks=True))
    assert scope.refusal("http://127.0.0.1:8765/x") is None
    assert scope.refusal("http://127.0.0.1:80/x") and scope.refusal("http://127.0.0.1:8766/x")


@pytest.mark.parametrize("address, public", [
    ("93.184.215.14", True), ("2606:4700::1111", True), ("127.0.0.1", False), ("10.1.2.3", False),
    ("192.168.0.1", False), ("172.16.5.4", False), ("169.254.169.254", False), ("::1", False),
    ("fe80::1", False), ("fd00::1", False), ("::ffff:127.0.0.1", False), ("100.64.0.1", False),
    ("0.0.0.0", False), ("224.0.0.1", False), ("not-an-ip", False)])
def test_public_addresses(address, public):
    assert is_public(address) is public


@pytest.mark.parametrize("base", ["http://10.0.0.5/", "http://169.254.169.254/", "http://[::1]:8080/",
                                  "http://127.0.0.2:9/"])
def test_a_private_base_url_needs_the_flag(tmp_path, base):
    path = tmp_path / "s.toml"
    path.write_text(SITE.format(name="s", base=base, scope=""))
    with pytest.raises(SiteError) as refused:
        load_site_file(path)
    message = str(refused.value)
    assert "field 'base_url'" in message and "allow_private_networks" in message and "\n" not in message
    path.write_text(SITE.format(name="s", base=base, scope="[scope]\nallow_private_networks = true"))
    assert load_site_file(path).base_url == base


def test_a_private_base_url_override_is_refused():
    with pytest.raises(SiteError, match="--base-url.*allow_private_networks"):
        site().with_base_url("http://192.168.1.1:8080/")


def test_a_name_resolving_to_loopback_is_refused_at_connect_time(tmp_path):
    """The site file names no address (a host name), so only the resolved address can tell:
    every request is refused at connect time, the server sees nothing, each refusal is a record."""
    server = Canary("127.0.0.1").start()
    try:
        (tmp_path / "sites").mkdir()
        base = f"http://localhost:{server.port}/"
        (tmp_path / "sites" / "lh.toml").write_text(SITE.format(name="lh", base=base, scope=""))
        result = subprocess.run([sys.executable, "-m", "spiders.crawl", "lh", "--out", str(tmp_path / "out"),
                                 "--run-id", "t", "--sites-dir", str(tmp_path / "sites")],
                                capture_output=True, text=True, timeout=120)
    finally:
        server.stop()
    assert server.total == 0
    assert "Telnet console listening" not in result.stderr           # no remote-control endpoint
    assert result.returncode == 1 and "fetched nothing" in result.stderr
    failures = []
    for path in (tmp_path / "out").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            failures += [r.content_stream().read().decode() for r in ArchiveIterator(fh) if r.rec_type == "metadata"]
    assert failures and all("blocked by scope: localhost resolves to 127.0.0.1" in f for f in failures)
    summary = json.loads((tmp_path / "out" / "crawl-summary.json").read_text())
    assert summary["failure_records"] == len(failures)
