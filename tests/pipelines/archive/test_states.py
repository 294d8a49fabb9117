"""States in capture order, returns, and the alternation rule."""
from datetime import datetime, timedelta, timezone

import pandas as pd

from pipelines.archive.states import alternation, current, states

T0 = datetime(2024, 7, 4, tzinfo=timezone.utc)


def seen(*sequence: tuple[str, str, int]) -> pd.DataFrame:
    """Sightings (article, content, hours after T0), sorted as the reader sorts them."""
    frame = pd.DataFrame([{"article_id": a, "content_hash": h, "fetched_at": pd.Timestamp(T0 + timedelta(hours=n)),
                           "record_id": f"{a}{n}"} for a, h, n in sequence])
    return frame.sort_values(["article_id", "fetched_at"]).reset_index(drop=True)


def test_consecutive_sightings_of_one_content_are_one_state_and_a_change_back_is_a_return():
    got = states(seen(("a", "A", 0), ("a", "A", 1), ("a", "B", 2), ("a", "A", 3), ("b", "X", 0)))
    rows = got[["article_id", "state", "content_hash", "sightings", "returns"]].values.tolist()
    assert rows == [["a", 1, "A", 2, False], ["a", 2, "B", 1, False], ["a", 3, "A", 1, True],
                    ["b", 1, "X", 1, False]]
    first = got.iloc[0]
    assert (first["first_seen"], first["last_seen"]) == (pd.Timestamp(T0), pd.Timestamp(T0 + timedelta(hours=1)))


def test_two_returns_within_the_window_alternate_between_the_contents_that_took_turns():
    flips = states(seen(("a", "O", 0), ("a", "A", 1), ("a", "B", 2), ("a", "A", 3), ("a", "B", 4), ("a", "C", 5)))
    assert alternation(flips) == {"A", "B"}                   # not the version before or after
    reverted = states(seen(("a", "A", 0), ("a", "B", 1), ("a", "A", 2)))
    assert alternation(reverted) == set()                     # one return: a withdrawn change
    slow = states(seen(("a", "A", 0), ("a", "B", 24 * 30), ("a", "A", 24 * 60), ("a", "B", 24 * 90)))
    assert alternation(slow) == set()                         # returns a month apart
    assert alternation(slow, window=timedelta(days=31)) == {"A", "B"}


def test_current_is_the_content_of_the_latest_state_whatever_its_version():
    got = current(states(seen(("a", "A", 0), ("a", "B", 1), ("a", "A", 2), ("a", "B", 3), ("a", "A", 4),
                              ("b", "X", 0), ("b", "Y", 5)))).set_index("article_id")
    assert got.loc["a", "content_hash"] == "A" and got.loc["b", "content_hash"] == "Y"
    assert got.loc["a", "alternating"] and not got.loc["b", "alternating"]
    assert got.loc["a", "variant_hashes"] == {"A", "B"}
    assert got.loc["a", "current_since"] == pd.Timestamp(T0 + timedelta(hours=4))
