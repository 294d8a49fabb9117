"""Hosts that refuse connections are given up after a few failures in a row; every request
to them still ends as a failure record and a row of the captures table."""
import json
from collections import Counter
from datetime import datetime

import pytest
from deltalake import DeltaTable
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError
from scrapy.http import Response
from twisted.internet.error import ConnectionRefusedError, NoRouteError
from warcio.archiveiterator import ArchiveIterator

from spiders.deadhosts import HostUnreachable, UnreachableHosts, connection_failure
from spiders.evidence import failure_reason
from tests.support import FakeStats
from tests.generatedsites import DeadHostsSite, run_pipeline



def test_connection_failures_are_told_from_slow_answers():
    assert connection_failure(DownloadConnectionRefusedError("refused"))
    assert connection_failure(CannotResolveHostError("no such name"))
    assert connection_failure(NoRouteError()) and connection_failure(ConnectionRefusedError())
    assert not connection_failure(DownloadTimeoutError("slow"))
    assert not connection_failure(OSError("an empty gzip body"))


def test_a_host_is_given_up_after_failures_in_a_row_and_a_response_resets_its_count():
    hosts = UnreachableHosts(FakeStats(), threshold=3)
    dead, alive = "http://127.0.0.11:9/", "http://127.0.0.12:9/"
    refused = DownloadConnectionRefusedError("Connection was refused by other side")
    for n in range(2):
        hosts.process_exception(Request(alive + f"{n}.png"), refused)
    hosts.process_response(Request(alive + "ok.png"), Response(alive + "ok.png"))
    hosts.process_exception(Request(alive + "2.png"), refused)
    for n in range(3):
        assert hosts.process_request(Request(dead + f"{n}.png")) is None
        hosts.process_exception(Request(dead + f"{n}.png"), refused)
    assert hosts.process_request(Request(alive + "3.png")) is None       # 2 failures, a response, 1
    with pytest.raises(HostUnreachable) as refusal:
        hosts.process_request(Request(dead + "robots.txt"))
    reason = failure_reason(Request(dead + "robots.txt"), refusal.value)
    assert reason.startswith("host unreachable: 127.0.0.11:9 failed to connect 3 times in a row")
    assert hosts.stats["hosts/unreachable_list"] == ["127.0.0.11:9"]
    assert hosts.stats["hosts/requests_not_sent"] == 1


def _failures(warcs) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in warcs:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "metadata":
                    block = record.content_stream().read().decode()
                    if "failure:" in block:
                        url = record.rec_headers.get_header("WARC-Target-URI")
                        found.setdefault(url, []).append(block.split("failure: ", 1)[1].split("\r\n")[0])
    return found


@pytest.mark.slow
def test_refusing_hosts_cost_seconds_and_every_request_is_accounted_for(tmp_path):
    with DeadHostsSite(requisites=200, hosts=10) as site:
        code, out, err, _ = run_pipeline(tmp_path, "deadhosts", site.SITE_FILE, site.base_url, "dead-1")
    assert code == 0, err[-3000:]
    manifest = json.loads((tmp_path / "store" / "runs" / "deadhosts" / "dead-1.json").read_text())
    crawl = manifest["crawl"]
    spent = datetime.fromisoformat(crawl["finished"]) - datetime.fromisoformat(crawl["started"])
    assert spent.total_seconds() < 10, crawl
    assert sorted(crawl["unreachable_hosts"]) == sorted(site.hosts)
    failures = _failures(sorted((tmp_path / "store" / "warcs").rglob("*.warc.gz")))
    assert set(site.requisites) <= set(failures)
    attempts = Counter(url.split("/")[2] for url, reasons in failures.items()
                       for reason in reasons if not reason.startswith("host unreachable"))
    # each host: its robots.txt tried three times, and the requests already in flight
    assert max(attempts.values()) <= 3 + 2 * 2, attempts
    robots = {url: reasons for url, reasons in failures.items() if url.endswith("/robots.txt")}
    assert len(robots) == 10 and all(len(reasons) <= 3 for reasons in robots.values())
    rows = DeltaTable(str(tmp_path / "store" / "captures")).to_pyarrow_table(
        columns=["url", "run_id", "skip_reason"]).to_pylist()
    failed = {row["url"] for row in rows if (row["skip_reason"] or "").startswith("fetch failed (")}
    assert set(site.requisites) <= failed
