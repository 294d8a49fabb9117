"""The demo site's images: small deterministic PNGs drawn in code (a logo, one per article)."""
from __future__ import annotations

import struct
import zlib
from functools import lru_cache


def png(width: int, height: int, pixel) -> bytes:
    """Minimal RGB PNG writer; zlib output is deterministic for equal input."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


@lru_cache(maxsize=1)
def logo_png() -> bytes:
    return png(160, 32, lambda x, y: (255, 255, 255) if 6 <= y < 26 and x % 20 < 14 else (11, 42, 74))


@lru_cache(maxsize=512)
def article_png(slug: str) -> bytes:
    h = zlib.crc32(slug.encode())
    r, g, b = h & 0xFF, (h >> 8) & 0xFF, (h >> 16) & 0xFF
    return png(64, 36, lambda x, y: (r ^ (x * 3), g ^ (y * 5), b ^ ((x + y) * 2) & 0xFF))
