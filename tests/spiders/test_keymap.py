"""The compact key map answers as a dict would, across its merges."""
import random

from spiders import keymap
from spiders.keymap import MAX_VALUE, KeyMap


def test_lower_stores_new_keys_and_lower_values_only(monkeypatch):
    monkeypatch.setattr(keymap, "MIN_RECENT", 8)           # merge often
    rng = random.Random(7)
    ours, reference = KeyMap(), {}
    for _ in range(5000):
        key, value = rng.randrange(-2**63, 2**63) if rng.random() < 0.5 else rng.randrange(300), rng.randrange(6)
        expected = key not in reference or value < reference[key]
        if expected:
            reference[key] = value
        assert ours.lower(key, value) is expected
    assert len(ours) == len(reference)
    assert all(ours.get(k) == v for k, v in reference.items())
    assert ours.get(12345678901) is None
    assert list(ours._keys) == sorted(ours._keys)


def test_values_past_the_limit_are_kept_as_the_limit():
    m = KeyMap()
    assert m.lower(1, 10**6) and m.get(1) == MAX_VALUE
    assert not m.lower(1, 10**6 + 1)
    assert m.lower(1, 3) and m.get(1) == 3
