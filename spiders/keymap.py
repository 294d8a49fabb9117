"""A compact map of 64-bit keys to small numbers, for what a crawl remembers of every URL.

A run offers every URL it meets (page links, assets, scheduled requests) to a few seen-sets
that live as long as the crawl. As Python sets and dicts each entry costs 80 to 200 bytes
(the URL string or an int object, and a hash slot), enough to make a crawl's memory grow with
the site. Here the keys sit in one sorted array of 8-byte integers and the values in a
parallel array of 2-byte ones (10 bytes an entry); new entries wait in a small dict that is
merged into the arrays whenever it reaches a sixteenth of them.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter
from heapq import merge

MIN_RECENT = 4096            # entries waiting before the first merges
MAX_VALUE = 0xFFFF           # larger values are stored as this


class KeyMap:
    def __init__(self):
        self._keys = array("q")
        self._values = array("H")
        self._recent: dict[int, int] = {}

    def lower(self, key: int, value: int) -> bool:
        """Store `value` for `key` unless the key already holds a value as low: whether it stored."""
        value = min(value, MAX_VALUE)
        held = self._recent.get(key)
        if held is not None:
            return self._replace_recent(key, held, value)
        i = bisect_left(self._keys, key)
        if i < len(self._keys) and self._keys[i] == key:
            if self._values[i] <= value:
                return False
            self._values[i] = value
            return True
        self._recent[key] = value
        if len(self._recent) >= max(MIN_RECENT, len(self._keys) // 16):
            self._merge()
        return True

    def get(self, key: int) -> int | None:
        if key in self._recent:
            return self._recent[key]
        i = bisect_left(self._keys, key)
        return self._values[i] if i < len(self._keys) and self._keys[i] == key else None

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def value_counts(self) -> Counter[int]:
        """How many keys hold each value."""
        counts = Counter(self._values)
        counts.update(self._recent.values())
        return counts

    def _replace_recent(self, key: int, held: int, value: int) -> bool:
        if held <= value:
            return False
        self._recent[key] = value
        return True

    def _merge(self) -> None:
        """One pass over both, streamed into new arrays: no list of the whole map is built."""
        keys, values = array("q"), array("H")
        for key, value in merge(zip(self._keys, self._values), sorted(self._recent.items())):
            keys.append(key)
            values.append(value)
        self._keys, self._values, self._recent = keys, values, {}
