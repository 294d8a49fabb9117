"""Delta operations run again while the store fails for now, then fail in one line naming
the endpoint; errors that are not the store's are never retried."""
from __future__ import annotations

import pytest
from deltalake.exceptions import CommitFailedError, DeltaError

from newsarchive.errors import ArchiveError
from pipelines.archive.deltaretry import retrying, transient
from pipelines.store import open_store
from pipelines.store.retries import RetryPolicy

RESET = OSError("Generic S3 error: Error after 0 retries in 2ms, max_retries:1000, retry_timeout:180s, "
                "source:error sending request for url (http://127.0.0.1:9/b/articles/_delta_log/"
                "00000000000000000003.json): connection error: Connection reset by peer (os error 104)")
SLOW_DOWN = DeltaError("Failed to commit: Generic S3 error: Server returned non-2xx status code: "
                       "503 Service Unavailable: <Code>SlowDown</Code>")
QUICK = RetryPolicy(seconds=0.5, first_delay=0.01, max_delay=0.05)


@pytest.mark.parametrize("error, expected", [
    (RESET, True), (SLOW_DOWN, True), (OSError("Generic S3 error: 500 Internal Server Error"), True),
    (OSError("Generic S3 error: operation timed out"), True),
    (CommitFailedError("Commit failed: a concurrent transaction deleted data this operation read"), False),
    (DeltaError("Schema error: Invalid data type for Delta Lake"), False),
    (OSError("Generic S3 error: Access Denied"), False),
    (FileNotFoundError("No such file or directory"), False),
])
def test_transient_errors_are_the_store_failing_for_now(error, expected):
    assert transient(error) is expected


def test_an_operation_is_run_again_until_it_completes(tmp_path):
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise RESET
        return "done"

    assert retrying(open_store(tmp_path), "publish run r of demo", flaky, QUICK) == "done"
    assert len(calls) == 3


def test_past_the_budget_one_line_naming_the_endpoint(tmp_path, monkeypatch):
    store = open_store(tmp_path)
    monkeypatch.setattr(store, "endpoint_url", "http://127.0.0.1:9", raising=False)

    def failing():
        raise SLOW_DOWN

    with pytest.raises(ArchiveError) as raised:
        retrying(store, "publish run r of demo", failing, QUICK)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"store {store.uri}: cannot publish run r of demo: endpoint http://127.0.0.1:9 failing")
    assert "SlowDown" in message


def test_other_errors_are_raised_at_once(tmp_path):
    calls = []

    def lost():
        calls.append(1)
        raise CommitFailedError("Commit failed: version already exists")

    with pytest.raises(CommitFailedError):
        retrying(open_store(tmp_path), "publish", lost, QUICK)
    assert len(calls) == 1
