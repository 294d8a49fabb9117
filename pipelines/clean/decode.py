"""Turn a page's bytes into text whatever its charset declarations say.

This is the one decoding path of the project: cleaning (with the HTTP
Content-Type) and `newsarchive extract` (saved files, no header) both call
`decode_page`, so the same bytes give the same text.

Order of trust: a byte-order mark, then valid UTF-8 (by far the most common
encoding, and one that almost never decodes by accident), then the HTTP
charset and the page's own `<meta charset>`, each only if the bytes decode
with it without error, then charset_normalizer's guess. A declaration that
the bytes contradict (a cp1251 page declared utf-8) is not believed; unknown
charset names are ignored. Undecodable bytes become U+FFFD rather than an
error, so a wrong declaration never stops cleaning.
"""
from __future__ import annotations

import codecs
import re

import charset_normalizer

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)


def decode_page(data: bytes | str, content_type: str | None = None) -> str:
    """The page's text; `content_type` is the HTTP header, when there was one."""
    if isinstance(data, str):
        return data
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for declared in (http_charset(content_type), _meta_charset(data[:4096])):
        if declared and declared != "utf-8":     # a UTF-8 declaration was just shown to be wrong
            try:
                return data.decode(declared)
            except UnicodeDecodeError:
                continue
    guess = charset_normalizer.from_bytes(data[:200_000]).best()
    return data.decode(guess.encoding if guess else "utf-8", errors="replace")


def http_charset(content_type: str | None) -> str | None:
    """The known codec named by a Content-Type's charset parameter, else None."""
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return _codec(value.strip().strip("'\""))
    return None


def _meta_charset(head: bytes) -> str | None:
    match = META_CHARSET.search(head)
    return _codec(match.group(1).decode("ascii", "ignore")) if match else None


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None
