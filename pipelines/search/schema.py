"""The full-text index's schema: one document per article version.

Title and body go into the field of the version's language (`title_en`, `text_ru`, ...), each
analysed with that language's Snowball stemmer, so "attacks" finds "attack" in English and
"атаки" finds "атака" in Russian; languages without a stemmer (or not detected) share the
`_xx` fields, folded to ASCII but not stemmed. A query runs over the fields of every language
the index holds, and is analysed by each field's own analyser.

Authors and section are word-indexed without stemming; ids, site and URLs are kept whole."""
from __future__ import annotations

import hashlib
from functools import cache

import tantivy

# languages the cleaning step reports (ISO 639-1) that tantivy has a Snowball stemmer for
STEMMERS = {"ar": "arabic", "da": "danish", "de": "german", "el": "greek", "en": "english", "es": "spanish",
            "fi": "finnish", "fr": "french", "hu": "hungarian", "it": "italian", "nl": "dutch", "no": "norwegian",
            "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish", "ta": "tamil", "tr": "turkish"}
OTHER = "xx"
LANGUAGES = (*STEMMERS, OTHER)
NAMES = "names"                 # authors and section: words, lower case, no stemming
STATE_KEY = "__state__"         # the one document that records how far the index got


def article_num(article_id: str) -> int:
    """A 56-bit number for an article id, to read back from a fast field."""
    return int.from_bytes(hashlib.blake2b(article_id.encode(), digest_size=7).digest(), "big")


def language_of(code: str | None) -> str:
    """The index language of a detected language code ("en", "en-GB", None...)."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in STEMMERS else OTHER


def title_field(lang: str) -> str:
    return f"title_{lang}"


def text_field(lang: str) -> str:
    return f"text_{lang}"


def _analyser(lang: str) -> tantivy.TextAnalyzer:
    builder = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
               .filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase()))
    if lang in STEMMERS:
        return builder.filter(tantivy.Filter.stemmer(STEMMERS[lang])).build()
    return builder.filter(tantivy.Filter.ascii_fold()).build()


@cache
def schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    for name in ("key", "article_id", "site", "extractor"):
        b.add_text_field(name, stored=True, tokenizer_name="raw", fast=name == "site")
    for name in ("url", "canonical_url", "language", "content_hash"):
        b.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    b.add_integer_field("article_num", indexed=True, fast=True)    # the id as a number, readable fast
    b.add_integer_field("version", stored=True, indexed=True, fast=True)
    for name in ("published", "fetched_at"):
        b.add_date_field(name, stored=True, indexed=True, fast=True)
    b.add_integer_field("fetched_ts", indexed=True, fast=True)     # seconds: readable as a fast field
    b.add_integer_field("dated_ts", indexed=True, fast=True)       # published, or fetched when undated
    b.add_integer_field("committed", indexed=True, fast=True)      # the table version that added the row
    b.add_integer_field("table_version", stored=True)              # STATE_KEY only: indexed up to
    b.add_text_field("author", stored=True, tokenizer_name=NAMES)
    b.add_text_field("section", stored=True, tokenizer_name=NAMES)
    for lang in LANGUAGES:
        b.add_text_field(title_field(lang), stored=True, tokenizer_name=f"lang_{lang}")
        b.add_text_field(text_field(lang), stored=True, tokenizer_name=f"lang_{lang}")
    return b.build()


def open_index(path) -> tantivy.Index:
    """The index in folder `path` (created empty when absent), its analysers registered."""
    index = tantivy.Index(schema(), path=str(path), reuse=True)
    for lang in LANGUAGES:
        index.register_tokenizer(f"lang_{lang}", _analyser(lang))
    index.register_tokenizer(NAMES, _analyser(OTHER))
    return index
