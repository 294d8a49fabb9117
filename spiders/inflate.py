"""Undo a body's Content-Encoding without letting it grow past a cap.

A 1 MB gzip response can inflate to 1 GiB; every place that inflates a body
(the crawl's outlinks, cleaning, extraction) goes through `inflate`, which
stops with BodyTooLarge as soon as the output passes `max_bytes`."""
from __future__ import annotations

import zlib

CHUNK = 64 * 1024


class BodyTooLarge(ValueError):
    def __init__(self, max_bytes: int):
        super().__init__(f"inflates to more than {max_bytes:,} bytes")


class UnknownEncoding(ValueError):
    pass


def inflate(body: bytes, codings: list[str], max_bytes: int) -> bytes:
    """`body` with `codings` (in the order applied, as in the header) undone.
    Raises BodyTooLarge past `max_bytes` (0: no cap), ValueError when it cannot be decoded."""
    for coding in reversed([c.strip().lower() for c in codings if c.strip()]):
        if coding in ("gzip", "x-gzip"):
            body = _zlib(body, 16 + zlib.MAX_WBITS, max_bytes)
        elif coding == "deflate":
            try:
                body = _zlib(body, zlib.MAX_WBITS, max_bytes)
            except zlib.error:
                body = _zlib(body, -zlib.MAX_WBITS, max_bytes)   # raw deflate, as some servers send
        elif coding == "br":
            body = _brotli(body, max_bytes)
        elif coding != "identity":
            raise UnknownEncoding(f"unknown content coding {coding!r}")
    return body


def _zlib(data: bytes, wbits: int, max_bytes: int) -> bytes:
    out, size = [], 0
    while data:
        inflater = zlib.decompressobj(wbits)
        chunk = inflater.decompress(data, CHUNK)
        while True:
            size += len(chunk)
            if max_bytes and size > max_bytes:
                raise BodyTooLarge(max_bytes)
            out.append(chunk)
            if inflater.eof or not inflater.unconsumed_tail:
                break
            chunk = inflater.decompress(inflater.unconsumed_tail, CHUNK)
        if not inflater.eof:
            raise ValueError("compressed data ends early")
        data = inflater.unused_data if wbits > 16 else b""     # gzip: further members follow
    return b"".join(out)


def _brotli(data: bytes, max_bytes: int) -> bytes:
    try:
        import brotli
        decompressor = brotli.Decompressor()
        process = decompressor.process           # only brotli >= 1.2 can bound its output
    except (ImportError, AttributeError):
        raise UnknownEncoding("br cannot be decoded with a size bound here") from None
    out, size = [process(data, output_buffer_limit=CHUNK)], 0
    while True:
        size += len(out[-1])
        if max_bytes and size > max_bytes:
            raise BodyTooLarge(max_bytes)
        if decompressor.is_finished():
            return b"".join(out)
        chunk = process(b"", output_buffer_limit=CHUNK)
        if not chunk:
            return b"".join(out)
        out.append(chunk)


def codings_of(header: bytes | str | None) -> list[str]:
    if not header:
        return []
    text = header.decode("latin-1") if isinstance(header, bytes) else header
    return [c for c in text.split(",") if c.strip()]
