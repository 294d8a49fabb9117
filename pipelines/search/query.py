"""Searching the index: ranked (BM25) article versions with a highlighted snippet, the
capture behind each and its replay address.

By default a result is an article whose version shown at the time asked about (now, or
`as_of`) matches: which version that is comes from the reader's rule
(`pipelines.archive.reader.newest_versions`) applied to the versions the index holds.
`all_versions` returns every matching version instead. Withheld articles are never returned.

Queries use tantivy's syntax: words (all must match), "a phrase", -excluded, OR, and the
fields `title:`, `text:` (alias `body:`), `author:`, `section:` and `site:`."""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import pandas as pd
import tantivy

from pipelines.access.rules import Withheld
from pipelines.archive.reader import newest_versions
from newsarchive.errors import SearchError
from pipelines.search import schema as fields
from pipelines.search.files import IndexFiles
from pipelines.search.indexer import read_state
from pipelines.store import Store

PAGE = 50                      # candidates read at a time while filling a page of results
SNIPPET_CHARS = 240
ALIASES = {"title": fields.title_field, "text": fields.text_field, "body": fields.text_field}
FIELD_TERM = re.compile(r'(?<![\w.])(title|text|body):("[^"]*"|\([^()]*\)|[^\s()]+)')


@dataclass(frozen=True)
class SearchQuery:
    text: str
    site: str | None = None
    since: datetime | None = None        # published (captured, when undated) at or after
    until: datetime | None = None        # ... and before
    as_of: int | datetime | None = None  # the archive as it was: a table version or a time (as the reader)
    all_versions: bool = False
    limit: int = 20


@dataclass
class Hit:
    score: float
    title: str
    site: str
    url: str
    published: datetime | None
    version: int
    fetched_at: datetime
    snippet: str                 # plain text, matches between [[ and ]]
    snippet_html: str            # matches in <b>
    authors: list[str] = field(default_factory=list)
    section: str | None = None
    article_id: str = ""
    canonical_url: str = ""

    @property
    def replay_path(self) -> str:
        """Where pywb (`newsarchive replay`) serves the capture: /<site>/<timestamp>/<url>."""
        return f"/{self.site}/{self.fetched_at.astimezone(timezone.utc):%Y%m%d%H%M%S}/{self.url}"

    def as_dict(self) -> dict:
        return asdict(self) | {"replay_path": self.replay_path}


def expand_fields(text: str, languages: list[str]) -> str:
    """`title:x` -> `(title_en:x OR title_xx:x)`: the aliases over each language's field."""
    def expand(match: re.Match) -> str:
        name = ALIASES[match.group(1)]
        return "(" + " OR ".join(f"{name(lang)}:{match.group(2)}" for lang in languages) + ")"
    return FIELD_TERM.sub(expand, text)


class Searcher:
    """Queries over one store's index; `refresh()` picks up later updates."""

    def __init__(self, store: Store, withheld: Withheld | None = None, files: IndexFiles | None = None):
        self.store = store
        self.files = files or IndexFiles(store)
        self.withheld = withheld or Withheld([])
        if not self.files.exists():
            raise SearchError(f"no search index in {store.uri}: run `newsarchive reindex-search`")
        self.refresh()

    def refresh(self) -> None:
        self.index = fields.open_index(self.files.pull())
        self.index.reload()
        self.state = read_state(self.index) or {"languages": [], "extractor": None}
        self.languages = self.state["languages"] or [fields.OTHER]

    def search(self, query: SearchQuery) -> list[Hit]:
        text_query = self._parse(query.text)
        searcher = self.index.searcher()
        full = tantivy.Query.boolean_query([(tantivy.Occur.Must, text_query)] + [
            (tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in self._filters(query)])
        snippets = _Snippets(searcher, text_query, self.index.schema)
        hits, offset, seen = [], 0, set()
        moment = self._as_of_version(query.as_of)
        size = max(PAGE, query.limit * (1 if query.all_versions else 5))
        while len(hits) < query.limit:
            page = searcher.search(full, size, count=False, offset=offset).hits
            offset += len(page)
            addresses = [address for _, address in page]
            keys = list(zip(searcher.fast_field_values("article_num", addresses),
                            searcher.fast_field_values("version", addresses)))
            shown = None if query.all_versions else self._shown_versions(searcher, {n for n, _ in keys}, moment)
            for (score, address), key in zip(page, keys):
                if key in seen or (shown is not None and key not in shown):
                    continue
                doc = searcher.doc(address)
                if self.withheld.withholds(doc["url"][0], doc["canonical_url"][0]):
                    continue
                seen.add(key)
                hits.append(_hit(score, doc, snippets))
                if len(hits) == query.limit:
                    break
            if len(page) < size:
                break
        return hits

    def _parse(self, text: str) -> tantivy.Query:
        if not text.strip():
            raise SearchError("empty query")
        default = [f(lang) for lang in self.languages for f in (fields.title_field, fields.text_field)]
        boosts = {fields.title_field(lang): 2.0 for lang in self.languages}
        try:
            return self.index.parse_query(expand_fields(text, self.languages), default + ["author", "section"],
                                          field_boosts=boosts, conjunction_by_default=True)
        except ValueError as exc:
            raise SearchError(f"cannot read the query {text!r}: {exc}") from None

    def _filters(self, query: SearchQuery) -> list[tantivy.Query]:
        schema, found = self.index.schema, []
        if self.state.get("extractor"):
            found.append(tantivy.Query.term_query(schema, "extractor", self.state["extractor"]))
        if query.site:
            found.append(tantivy.Query.term_query(schema, "site", query.site))
        if query.since or query.until:
            found.append(tantivy.Query.range_query(
                schema, "dated_ts", tantivy.FieldType.Integer,
                None if query.since is None else _ts(query.since, up=True),
                None if query.until is None else _ts(query.until, up=True) - 1))
        version = self._as_of_version(query.as_of)
        if version is not None:
            found.append(_committed_by(schema, version))
        return found

    def _as_of_version(self, as_of: int | datetime | None) -> int | None:
        """The articles table version `as_of` names (a time: the version current then), as the
        reader's `as_of` reads it."""
        if as_of is None or isinstance(as_of, int):
            return as_of
        return _version_at(self.store, as_of)

    def _shown_versions(self, searcher, numbers: set[int], moment: int | None) -> set[tuple[int, int]]:
        """(article number, version) of the version each candidate article shows at table
        version `moment` (now when None)."""
        numbers = sorted(numbers)
        if not numbers:
            return set()
        schema = self.index.schema
        parts = [(tantivy.Occur.Must, tantivy.Query.term_set_query(schema, "article_num", numbers))]
        parts += [(tantivy.Occur.Must, f) for f in self._filters(SearchQuery("", as_of=None))]
        if moment is not None:
            parts.append((tantivy.Occur.Must, _committed_by(schema, moment)))
        found = searcher.search(tantivy.Query.boolean_query(parts), 100_000, count=False).hits
        addresses = [address for _, address in found]
        frame = pd.DataFrame({name: searcher.fast_field_values(fast, addresses) for name, fast in
                              (("article_id", "article_num"), ("version", "version"), ("fetched_at", "fetched_ts"))})
        shown = newest_versions(frame)
        return set(zip(shown["article_id"].astype(int), shown["version"].astype(int)))


class _Snippets:
    """One snippet generator per language field, made on first use."""

    def __init__(self, searcher, query, schema):
        self.searcher, self.query, self.schema, self.made = searcher, query, schema, {}

    def of(self, doc) -> tuple[str, str]:
        name = fields.text_field(doc["language"][0])
        if name not in self.made:
            generator = tantivy.SnippetGenerator.create(self.searcher, self.query, self.schema, name)
            generator.set_max_num_chars(SNIPPET_CHARS)
            self.made[name] = generator
        snippet = self.made[name].snippet_from_doc(doc)
        text = snippet.fragment()
        if not text:                       # matched the title or a name only: the opening words
            body = (doc.get_first(name) or "")[:SNIPPET_CHARS]
            return body, _escape(body)
        return _marked(text, snippet.highlighted()), snippet.to_html()


def _marked(text: str, ranges) -> str:
    out, at = [], 0
    encoded = text.encode()
    for r in sorted(ranges, key=lambda r: r.start):
        out += [encoded[at:r.start].decode(errors="ignore"), "[[", encoded[r.start:r.end].decode(errors="ignore"), "]]"]
        at = r.end
    out.append(encoded[at:].decode(errors="ignore"))
    return "".join(out)


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _hit(score: float, doc, snippets: _Snippets) -> Hit:
    lang = doc["language"][0]
    plain, marked = snippets.of(doc)
    return Hit(score=round(float(score), 4), title=doc.get_first(fields.title_field(lang)) or "",
               site=doc["site"][0], url=doc["url"][0], published=_utc(doc.get_first("published")),
               version=doc["version"][0], fetched_at=_utc(doc["fetched_at"][0]), snippet=plain,
               snippet_html=marked, authors=list(doc.get_all("author")), section=doc.get_first("section"),
               article_id=doc["article_id"][0], canonical_url=doc["canonical_url"][0])


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _ts(moment: datetime, up: bool = False) -> int:
    """Whole seconds since the epoch (naive means UTC), rounded up with `up`."""
    seconds = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()
    return math.ceil(seconds) if up else int(seconds)


def _committed_by(schema, version: int) -> tantivy.Query:
    return tantivy.Query.range_query(schema, "committed", tantivy.FieldType.Integer, None, version)


def _version_at(store: Store, moment: datetime) -> int:
    """The articles table version current at `moment` (-1 before its first commit)."""
    from pipelines.archive import tables

    table = tables.open_table(store, tables.ARTICLES_TABLE)
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    limit = aware.timestamp() * 1000
    versions = [e["version"] for e in (table.history() if table is not None else [])
                if int(e["timestamp"]) <= limit]
    return max(versions, default=-1)
