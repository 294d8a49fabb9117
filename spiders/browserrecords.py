"""The records of a rendered page, besides the request/response pairs of what it loaded:
its rendered DOM (`urn:dom:{url}`, text/html) and a screenshot of the viewport
(`urn:view:{url}`, image/png) as `resource` records, and a `metadata` record of how the
render went. Each is tied to the page's own response (or revisit) record by
WARC-Concurrent-To, as Browsertrix ties its screenshots and page text; the DOM of a page cut
off by its time limit is marked WARC-Truncated.

The DOM and the screenshot are deduplicated like any payload: unchanged since the latest
capture of their URN, they are written as revisit records."""
from __future__ import annotations

from datetime import datetime
from io import BytesIO

from .warcrecords import EarlierCapture, _builder, warc_date

DOM_PREFIX, VIEW_PREFIX = "urn:dom:", "urn:view:"
TRUNCATED = {"time": "time", "requests": "unspecified"}
RENDERED_BY = "chromium"


def dom_urn(url: str) -> str:
    return DOM_PREFIX + url


def page_of_urn(urn: str) -> str | None:
    """The page URL a DOM or screenshot URN is of, else None."""
    for prefix in (DOM_PREFIX, VIEW_PREFIX):
        if urn.startswith(prefix):
            return urn[len(prefix):]
    return None


def rendered_parts(render) -> list[tuple[str, bytes, str]]:
    """(URN, payload, content type) of what a render produced."""
    parts = []
    if render.dom is not None:
        parts.append((DOM_PREFIX + render.url, render.dom, "text/html; charset=utf-8"))
    if render.screenshot is not None:
        parts.append((VIEW_PREFIX + render.url, render.screenshot, "image/png"))
    return parts


def resource_record(urn: str, payload: bytes, content_type: str, moment: datetime, concurrent_to: str | None,
                    truncated: str | None = None):
    headers = {"WARC-Date": warc_date(moment)}
    if concurrent_to:
        headers["WARC-Concurrent-To"] = concurrent_to
    if truncated:
        headers["WARC-Truncated"] = TRUNCATED.get(truncated, "unspecified")
    return _builder.create_warc_record(urn, "resource", payload=BytesIO(payload), length=len(payload),
                                       warc_content_type=content_type, warc_headers_dict=headers)


def resource_revisit(urn: str, moment: datetime, earlier: EarlierCapture, concurrent_to: str | None):
    """Identical-payload-digest revisit of an unchanged DOM or screenshot (no HTTP headers: a
    resource record has none)."""
    headers = {"WARC-Date": warc_date(moment)}
    if concurrent_to:
        headers["WARC-Concurrent-To"] = concurrent_to
    if earlier.record_id:
        headers["WARC-Refers-To"] = earlier.record_id
    return _builder.create_revisit_record(urn, earlier.payload_digest, earlier.url, earlier.warc_date,
                                          warc_headers_dict=headers)


def render_metadata(render, moment: datetime, concurrent_to: str | None):
    """How the page was rendered: a `metadata` record of warc-fields, beside the page's."""
    fields = [("renderedBy", RENDERED_BY), ("renderTimeMs", str(round(render.seconds * 1000))),
              ("loadEvent", "yes" if render.loaded else "no"), ("requests", str(render.requests)),
              ("refused", str(render.refused)), ("scrolls", str(render.scrolls))]
    if render.truncated:
        fields.append(("truncated", render.truncated))
    if render.crashed:
        fields.append(("renderFailure", render.crashed))
    block = "".join(f"{name}: {' '.join(value.split())}\r\n" for name, value in fields).encode("utf-8")
    headers = {"WARC-Date": warc_date(moment)}
    if concurrent_to:
        headers["WARC-Concurrent-To"] = concurrent_to
    return _builder.create_warc_record(render.url, "metadata", payload=BytesIO(block), length=len(block),
                                       warc_content_type="application/warc-fields", warc_headers_dict=headers)
