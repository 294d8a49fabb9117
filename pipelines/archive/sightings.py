"""Sightings: which content of an article each capture showed, read from the captures table.

The `articles` table holds each distinct content of an article once (its version); when the
site showed which content is the sequence of captures. A response that yielded an article
shows the content its clean step found. A revisit (identical payload, or a 304 to a
conditional re-check) stores the payload digest of the capture it confirms, so it shows the
content of the response of the same URL with that digest, wherever and whenever that
response was published; the article and content the publish wrote on the revisit row are a
hint used only when no such response is stored (old archives, or a revisit whose original
is not published yet).

Sightings are read with the reading extractor's content hashes: a capture cleaned by another
extractor (a re-clean's rows beside the crawl's) is carried over through the capture that
first showed each of the reading extractor's versions.
"""
from __future__ import annotations

import pandas as pd

CAPTURE_COLUMNS = ["record_id", "record_type", "url", "payload_digest", "article_id", "content_hash", "fetched_at"]
VERSION_COLUMNS = ["article_id", "content_hash", "fetched_at", "warc_record_id"]
SIGHTING_COLUMNS = ["article_id", "content_hash", "fetched_at", "record_id"]


def from_captures(captures: pd.DataFrame) -> pd.DataFrame:
    """The captures (CAPTURE_COLUMNS) that showed an article, as SIGHTING_COLUMNS."""
    if captures.empty:
        return pd.DataFrame(columns=SIGHTING_COLUMNS)
    captures = captures.sort_values(["fetched_at", "record_id"], kind="stable")
    revisit = captures["record_type"] == "revisit"
    responses = captures[~revisit & captures["content_hash"].notna()]
    by_payload = (responses.drop_duplicates(["url", "payload_digest"])
                  [["url", "payload_digest", "article_id", "content_hash"]])
    revisits = captures[revisit].merge(by_payload, on=["url", "payload_digest"], how="left", suffixes=("_hint", ""))
    for column in ("article_id", "content_hash"):
        unresolved = revisits["content_hash"].isna()
        revisits.loc[unresolved, column] = revisits.loc[unresolved, f"{column}_hint"]
    seen = pd.concat([responses[SIGHTING_COLUMNS], revisits[SIGHTING_COLUMNS]], ignore_index=True)
    return seen[seen["content_hash"].notna() & seen["article_id"].notna()].reset_index(drop=True)


def as_read(captured: pd.DataFrame, versions: pd.DataFrame) -> pd.DataFrame:
    """Sightings in the content hashes of `versions` (one extractor's rows, VERSION_COLUMNS):
    each version row is itself a sighting of its content (its first fetch); a capture shows
    a version when its content hash is that version's, or when it showed the same captured
    content as the capture that first showed the version. Captures of contents the extractor
    has no version for are left out. One sighting per capture."""
    own = versions[VERSION_COLUMNS].rename(columns={"warc_record_id": "record_id"})
    known = own[["article_id", "content_hash"]].drop_duplicates()
    direct = captured.merge(known, on=["article_id", "content_hash"])
    bridge = (own.merge(captured[["record_id", "content_hash"]].rename(columns={"content_hash": "captured"}),
                        on="record_id")
              .sort_values("fetched_at", kind="stable")
              .drop_duplicates(["article_id", "captured"])[["article_id", "captured", "content_hash"]])
    others = captured.rename(columns={"content_hash": "captured"}).merge(bridge, on=["article_id", "captured"])
    seen = pd.concat([own, direct, others[SIGHTING_COLUMNS]], ignore_index=True)
    once = seen["record_id"].isna() | ~seen.duplicated("record_id")       # the version row's own hash wins
    seen = seen[once].copy()
    seen["fetched_at"] = pd.to_datetime(seen["fetched_at"], utc=True)
    return seen.sort_values(["article_id", "fetched_at", "content_hash"], kind="stable").reset_index(drop=True)
