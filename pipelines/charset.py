"""Turn a page's bytes into text whatever its charset declarations say.

Order of trust: a byte-order mark, then valid UTF-8 (by far the most common
encoding, and one that almost never decodes by accident), then the page's own
`<meta charset>` declaration, then charset_normalizer's guess. Undecodable
bytes become U+FFFD rather than an error, so a wrong declaration never stops
cleaning.
"""
from __future__ import annotations

import codecs
import re

import charset_normalizer

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)


def decode_page(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data[:4096])
    if declared and declared != "utf-8":         # a UTF-8 declaration was just shown to be wrong
        return data.decode(declared, errors="replace")
    guess = charset_normalizer.from_bytes(data[:200_000]).best()
    return data.decode(guess.encoding if guess else "utf-8", errors="replace")


def _declared_charset(head: bytes) -> str | None:
    match = META_CHARSET.search(head)
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None
