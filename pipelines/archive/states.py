"""The states an article was seen in, in capture order, and its alternation flag.

A state is a run of consecutive sightings of one content: A, A, B, A, B gives the states
A, B, A, B. A state whose content the article showed in an earlier state is a *return*
(`returns` is True; `version` is the content's version, given when it was first seen).

Alternation: an article is *alternating* when two of its returns begin within `window`
(ALTERNATION_WINDOW, 7 days, by default) of each other: A -> B -> A -> B has two returns
(the second A, the second B), a withdrawn correction A -> B -> A one. Its *variants* are
the versions those returns and the states just before them showed: {A, B} for a headline
test, not the versions the article had before or after the flipping.
"""
from __future__ import annotations

from datetime import timedelta

import pandas as pd

ALTERNATION_WINDOW = timedelta(days=7)
STATE_COLUMNS = ["article_id", "state", "content_hash", "first_seen", "last_seen", "sightings", "returns"]


def states(seen: pd.DataFrame) -> pd.DataFrame:
    """The states (STATE_COLUMNS) of every article in `seen` (sightings sorted by article and
    time, as sightings.as_read gives them); `state` counts from 1 per article."""
    if seen.empty:
        return pd.DataFrame(columns=STATE_COLUMNS)
    article, content = seen["article_id"], seen["content_hash"]
    starts = (article != article.shift()) | (content != content.shift())
    number = starts.cumsum()
    grouped = seen.groupby(number, sort=True)
    out = pd.DataFrame({
        "article_id": grouped["article_id"].first(),
        "content_hash": grouped["content_hash"].first(),
        "first_seen": grouped["fetched_at"].min(),
        "last_seen": grouped["fetched_at"].max(),
        "sightings": grouped.size(),
    }).reset_index(drop=True)
    out["state"] = out.groupby("article_id").cumcount() + 1
    out["returns"] = out.duplicated(["article_id", "content_hash"])
    return out[STATE_COLUMNS]


def alternation(article_states: pd.DataFrame, window: timedelta = ALTERNATION_WINDOW) -> set[str]:
    """The content hashes an article alternates between (empty when it does not), from its
    states in order."""
    rows = article_states.reset_index(drop=True)
    returns = rows.index[rows["returns"]].tolist()
    variants: set[str] = set()
    for earlier, later in zip(returns, returns[1:]):
        if rows.at[later, "first_seen"] - rows.at[earlier, "first_seen"] <= pd.Timedelta(window):
            for position in (earlier - 1, earlier, later - 1, later):
                variants.add(rows.at[position, "content_hash"])
    return variants


def current(all_states: pd.DataFrame, window: timedelta = ALTERNATION_WINDOW) -> pd.DataFrame:
    """Per article: the content of its latest state (`content_hash`), when that state began
    (`current_since`) and when the article was last seen, and whether it alternates (with the
    content hashes of its variants, `variant_hashes`)."""
    if all_states.empty:
        return pd.DataFrame(columns=["article_id", "content_hash", "current_since", "last_seen", "alternating",
                                     "variant_hashes"])
    last = all_states.groupby("article_id", sort=False).tail(1).set_index("article_id")
    out = pd.DataFrame({"content_hash": last["content_hash"], "current_since": last["first_seen"],
                        "last_seen": last["last_seen"]})
    returning = all_states.groupby("article_id")["returns"].sum()
    flipping = all_states[all_states["article_id"].isin(returning.index[returning >= 2])]  # fewer cannot alternate
    variants = {aid: frozenset(alternation(group, window)) for aid, group in flipping.groupby("article_id")}
    out["variant_hashes"] = [variants.get(aid, frozenset()) for aid in out.index]
    out["alternating"] = out["variant_hashes"].map(bool)
    return out.reset_index()
