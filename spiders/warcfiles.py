"""Rotating WARC/1.1 files, gzip per record, named as Heritrix names them.

A file is written as `<name>.open` and renamed when closed, so anything that
ships WARCs (the upload step) only ever sees finished files. A write that fails (a full
disk) raises WriteFailed; the file is cut back to the exchanges written whole and left
`.open`: a crawl that stopped there is unfinished, and its re-run starts over.
"""
from __future__ import annotations

import os
import socket
import zlib
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from warcio.warcwriter import WARCWriter

from newsarchive.errors import WriteFailed

OPEN_SUFFIX = ".open"
STORED_CODINGS = ("gzip", "x-gzip", "br", "deflate", "zstd")   # payloads deflate cannot shrink


@dataclass(frozen=True)
class RecordLocation:
    filename: str   # final file name (without the .open suffix)
    offset: int     # where the record's gzip member starts
    length: int     # compressed length of the member


class _GzipMember:
    """One gzip member around one record, for warcio to write into."""

    def __init__(self, out, level: int):
        self.out = out
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)

    def write(self, data: bytes) -> None:
        self.out.write(self.compressor.compress(data))

    def flush(self) -> None:
        self.out.write(self.compressor.flush())


class _LeveledWarcWriter(WARCWriter):
    """warcio deflates every record at level 9. A payload that came compressed (nearly every
    HTML page) does not shrink, and deflating it was most of the cost of writing it: such a
    record goes into its gzip member stored (level 0), about 1 % bigger; the rest at level 6."""

    def __init__(self, out):
        super().__init__(out, gzip=False, warc_version="1.1")    # the member is ours

    def write_record(self, record, params=None):
        self._write_warc_record(_GzipMember(self.out, _level(record)), record)


def _level(record) -> int:
    coding = record.http_headers.get_header("Content-Encoding") if record.http_headers else None
    stored = record.rec_type == "response" and (coding or "").strip().lower() in STORED_CODINGS
    return 0 if stored else 6


class RotatingWarcWriter:
    """Writes records to `{prefix}-{YYYYMMDDhhmmss}-{serial}-{host}.warc.gz`, starting a
    new file once the current one reaches `max_bytes`; each file opens with a warcinfo."""

    def __init__(self, directory: Path, prefix: str, warcinfo: dict[str, str],
                 max_bytes: int = 1_000_000_000, hostname: str | None = None):
        self.directory = Path(directory)
        self.prefix = prefix
        self.warcinfo = warcinfo
        self.max_bytes = max_bytes
        self.hostname = (hostname or socket.gethostname()).replace("-", "_")
        self.finished: list[Path] = []
        self._serial = 0
        self._file = None
        self._name = ""
        self._writer: WARCWriter | None = None

    def write(self, *records) -> list[RecordLocation]:
        """Write records back to back in one file (a request/response pair is never split)."""
        start = 0
        try:
            if self._file is None:
                self._open_next()
            start = self._file.tell()
            locations = [self._write_one(record) for record in records]
            self._file.flush()          # the exchange reaches the file whole, whatever happens next
        except OSError as exc:
            path = self._abandon(start)
            raise WriteFailed(path, exc) from exc
        if self._file.tell() >= self.max_bytes:
            self.close()
        return locations

    def _abandon(self, keep: int) -> Path:
        """Close the current file after a failed write, cut back to its first `keep` bytes."""
        path = self.directory / (self._name + OPEN_SUFFIX)
        if self._file is not None:
            with suppress(OSError):          # what could not be flushed is dropped with it
                self._file.close()
            with suppress(OSError):          # truncating frees space: it works on a full disk
                os.truncate(path, keep)
        self._file = self._writer = None
        return path

    def close(self) -> list[Path]:
        if self._file is not None:
            self._file.close()
            open_path = self.directory / (self._name + OPEN_SUFFIX)
            final = open_path.rename(self.directory / self._name)
            self.finished.append(final)
            self._file = self._writer = None
        return self.finished

    def _write_one(self, record) -> RecordLocation:
        start = self._file.tell()
        self._writer.write_record(record)
        return RecordLocation(self._name, start, self._file.tell() - start)

    def _open_next(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        self._name = f"{self.prefix}-{stamp}-{self._serial:05d}-{self.hostname}.warc.gz"
        self._serial += 1
        self._file = open(self.directory / (self._name + OPEN_SUFFIX), "wb")
        self._writer = _LeveledWarcWriter(self._file)
        self._writer.write_record(self._writer.create_warcinfo_record(self._name, self.warcinfo))
