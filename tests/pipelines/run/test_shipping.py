"""A retried crawl sets aside what a dead attempt stored: moved out of the run, never deleted."""
from __future__ import annotations

from pipelines.store import layout
from pipelines.run import journal, shipping
from spiders.settings import warc_prefix

SITE, RUN = "demo", "run-1"


def _warc(store, serial: int, published: bool = False) -> str:
    name = f"{warc_prefix(SITE, RUN)}-20241103120000-{serial:05d}-host.warc.gz"
    key = layout.warc_key(SITE, name)
    store.put_bytes(key, f"warc {serial}".encode() * 100)
    store.put_bytes(layout.warc_index_key(key), b"cdxj")
    return key


def test_a_dead_attempts_warcs_are_moved_aside_with_their_bytes(any_store):
    journaled, unjournaled = _warc(any_store, 1), _warc(any_store, 2)
    journal.save(any_store, SITE, RUN, journal.new(), {journaled})
    before = {key: any_store.get_bytes(key) for key in (journaled, unjournaled)}

    dead = shipping.discard_dead_attempt(any_store, SITE, RUN)

    assert sorted(dead) == sorted(before)
    assert shipping.run_warc_keys(any_store, SITE, RUN) == []
    for key, data in before.items():
        assert not any_store.exists(key) and not any_store.exists(layout.warc_index_key(key))
        assert any_store.get_bytes(layout.attempt_key(SITE, RUN, key)) == data
    assert journal.load(any_store, SITE, RUN) is None


def test_warcs_a_published_manifest_names_stay_in_the_run(local_store):
    published, dead = _warc(local_store, 1), _warc(local_store, 2)
    local_store.put_bytes(layout.manifest_key(SITE, RUN), b'{"warc_keys": ["%s"]}' % published.encode())

    assert shipping.discard_dead_attempt(local_store, SITE, RUN) == [dead]
    assert shipping.run_warc_keys(local_store, SITE, RUN) == [published]
