"""The research page, a WSGI application mounted at /research/ beside pywb: search with
filters, results linking to the replayed capture at its time, an article's history and the
word diff between two of its versions. Withheld articles appear nowhere; asked for by URL,
they get the 451 page."""
from __future__ import annotations

import time
from datetime import datetime
from urllib.parse import parse_qs

from pipelines.research import pages
from pipelines.store import Store

PREFIX = "/research"
REFRESH_SECONDS = 10.0          # how often takedowns and the search index are looked at again


class ResearchApp:
    def __init__(self, store: Store, refresh_seconds: float = REFRESH_SECONDS):
        self.store = store
        self.refresh_seconds = refresh_seconds
        self._searcher = None
        self._checked = 0.0
        self._takedowns_version = -1
        self.withheld = None

    # -- what changes while the server runs -------------------------------------------------
    def refresh(self, on_takedowns_change=None) -> None:
        """Read takedowns (and the index) again when they changed, at most every few seconds."""
        from pipelines.access import takedowns

        if time.monotonic() - self._checked < self.refresh_seconds and self.withheld is not None:
            return
        self._checked = time.monotonic()
        version = takedowns.table_version(self.store)
        if version != self._takedowns_version or self.withheld is None:
            self.withheld = takedowns.withheld(self.store)
            self._takedowns_version = version
            if on_takedowns_change:
                on_takedowns_change()
            if self._searcher is not None:
                self._searcher.withheld = self.withheld
        if self._searcher is not None:
            self._searcher.refresh()

    def searcher(self):
        from pipelines.search.query import Searcher

        if self._searcher is None:
            self._searcher = Searcher(self.store, withheld=self.withheld)
        return self._searcher

    # -- WSGI -------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")[len(PREFIX):] or "/"
        params = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        self.refresh()
        route = {"/": self.search_page, "/history": self.history_page, "/diff": self.diff_page}.get(path)
        if route is None:
            status, body = "404 Not Found", pages.message("Not found", f"No page {path} here.")
        else:
            status, body = route(params)
        data = body.encode()
        start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data))),
                                ("Cache-Control", "no-store")])
        return [data]

    def search_page(self, params: dict):
        from newsarchive.errors import NewsarchiveError
        from pipelines.search.query import SearchQuery

        text = params.get("q", "").strip()
        body = "<h1>Search the archive</h1>" + pages.search_form(params, self._sites())
        if text:
            try:
                query = SearchQuery(text, site=params.get("site") or None, since=_moment(params.get("since")),
                                    until=_moment(params.get("until")), as_of=_as_of(params.get("as_of")),
                                    all_versions=bool(params.get("all_versions")), limit=50)
                body += pages.results(self.searcher().search(query), text)
            except (NewsarchiveError, ValueError) as exc:
                return "400 Bad Request", pages.page("Search", body + f"<p>{pages.escape(exc)}</p>")
        return "200 OK", pages.page(f"{text} - search" if text else "Search the archive", body)

    def history_page(self, params: dict):
        frame, refused = self._versions(params)
        if refused:
            return refused
        return "200 OK", pages.page("History", pages.history(frame))

    def diff_page(self, params: dict):
        from pipelines.archive import diff as worddiff

        frame, refused = self._versions(params)
        if refused:
            return refused
        versions = list(frame["version"])
        new = int(params.get("to") or versions[-1])
        old = int(params.get("from") or max(1, new - 1))
        rows = {int(r["version"]): r for _, r in frame.iterrows()}
        if old not in rows or new not in rows:
            return "404 Not Found", pages.message("Not found", f"no versions {old} and {new} of this article")
        changes = worddiff.word_diff(rows[old]["title"] or "", rows[new]["title"] or "") + \
            [worddiff.Change("equal", "\n\n")] + worddiff.word_diff(rows[old]["text"] or "", rows[new]["text"] or "")
        return "200 OK", pages.page("Changes", pages.diff(rows[new]["title"] or "", old, new, changes))

    def _versions(self, params: dict):
        """(the article's versions, None), or (None, the refusal to send)."""
        from pipelines.archive.reader import ArchiveNotFound, open_archive

        url = params.get("url", "")
        try:
            frame = open_archive(self.store).history(url)
        except ArchiveNotFound as exc:
            return None, ("404 Not Found", pages.message("Not found", str(exc)))
        if any(self.withheld.withholds(url, r["url"], r["canonical_url"]) for _, r in frame.iterrows()):
            from pipelines.access.withheldpage import WITHHELD_HTML

            return None, ("451 Unavailable For Legal Reasons", WITHHELD_HTML.replace("{url}", pages.escape(url)))
        return frame, None

    def _sites(self) -> list[str]:
        from pipelines.warc.replay import sites_with_index

        return sites_with_index(self.store)


def _moment(text: str | None) -> datetime | None:
    from pipelines.archive.moments import parse_time

    return parse_time(text) if text else None


def _as_of(text: str | None):
    from pipelines.archive.moments import parse_as_of

    return parse_as_of(text) if text else None
