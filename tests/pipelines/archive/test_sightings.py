"""Which content each capture showed: responses, revisits and 304s by payload digest, and
captures carried over to another extractor's versions."""
from datetime import datetime, timedelta, timezone

import pandas as pd

from pipelines.archive.sightings import CAPTURE_COLUMNS, as_read, from_captures

T0 = datetime(2024, 7, 4, tzinfo=timezone.utc)


def cap(rid: str, kind: str, digest: str, hours: int, aid=None, content=None, url="http://x/a") -> dict:
    return dict(zip(CAPTURE_COLUMNS, (rid, kind, url, digest, aid, content, pd.Timestamp(T0 + timedelta(hours=hours)))))


def test_a_revisit_shows_the_content_of_the_response_with_its_payload_digest_not_its_hint():
    captures = pd.DataFrame([
        cap("c1", "response", "dA", 0, "a", "A"),
        cap("c2", "response", "dB", 1, "a", "B"),
        cap("c3", "revisit", "dA", 2, "a", "B"),          # an old archive's hint: the newest version
        cap("c4", "revisit", "dA", 3),                    # a 304 published before any hint was known
        cap("c5", "revisit", "dZ", 4, "a", "B"),          # its original is not stored: the hint stands
        cap("c6", "response", "dX", 5, url="http://x/asset.css"),    # no article
    ])
    got = from_captures(captures).sort_values("record_id")
    assert got[["record_id", "content_hash"]].values.tolist() == [["c1", "A"], ["c2", "B"], ["c3", "A"],
                                                                   ["c4", "A"], ["c5", "B"]]


def test_another_extractors_versions_are_read_through_the_capture_that_first_showed_each():
    captured = from_captures(pd.DataFrame([
        cap("c1", "response", "d1", 0, "a", "A"),
        cap("c2", "response", "d2", 1, "a", "A'"),          # another payload the re-clean folds into A2
        cap("c3", "response", "d3", 2, "a", "B"),
        cap("c4", "revisit", "d1", 3),
        cap("c5", "response", "d5", 4, "a", "C"),           # a content the re-clean has no version for
    ]))
    versions = pd.DataFrame([
        {"article_id": "a", "content_hash": "A2", "fetched_at": pd.Timestamp(T0), "warc_record_id": "c1"},
        {"article_id": "a", "content_hash": "B2", "fetched_at": pd.Timestamp(T0 + timedelta(hours=2)),
         "warc_record_id": "c3"},
    ])
    got = as_read(captured, versions)
    # c2 was no version's first capture: left out (the fold kept c1); c5 has no version
    assert got[["record_id", "content_hash"]].values.tolist() == [["c1", "A2"], ["c3", "B2"], ["c4", "A2"]]
