"""`newsarchive verify`: re-read every stored WARC, check its block and payload
digests (warcio's checker), and check that every row of the archive's tables
points at a real record (WARC key, offset, length and record id).

warcio stops quietly where a file ends early, so each WARC is also read at the
gzip level, member by member, to its last byte: a member cut short, a bad CRC
or corrupt deflate data, and bytes that are not gzip are reported; and every
record must hold as many bytes as its Content-Length says. Nothing is written:
read access to the store suffices."""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Callable

from warcio.archiveiterator import ArchiveIterator

from pipelines.archive import tables
from pipelines.archive.writer import Archive
from pipelines.store import Store, StoreError, layout

# table -> the column that holds the WARC-Record-ID its row points at
ROW_RECORD_ID = {tables.CAPTURES_TABLE: "record_id", tables.ARTICLES_TABLE: "warc_record_id"}
Location = tuple[str, int, int]          # (warc key, offset, length)


@dataclass
class Report:
    warcs: int = 0
    records: int = 0
    digests_passed: int = 0
    rows_checked: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def readable_store(uri: str) -> Store:
    """The store, checked for reading only: verify writes nothing, so a read-only mount or
    read-only credentials suffice."""
    from pipelines.store.local import LocalStore
    from pipelines.store import open_store
    store = open_store(uri)
    if isinstance(store, LocalStore):
        if not store.root.is_dir():
            raise StoreError(f"store {store.uri} is not a readable directory")
    else:
        store.check()                 # S3: a HEAD of the bucket, which reading needs anyway
    return store


def stored_warc_keys(store: Store, site: str | None = None) -> list[str]:
    return [o.key for o in store.list(layout.warc_prefix(site)) if layout.is_warc(o.key)]


def verify(store: Store, site: str | None = None, progress: Callable[[str], None] | None = None) -> Report:
    report = Report()
    records: dict[Location, str] = {}
    for key in stored_warc_keys(store, site):
        check_warc(store, key, report, records)
        if progress:
            progress(key)
    for table in ROW_RECORD_ID:
        check_rows(store, table, site, records, report)
    return report


def check_warc(store: Store, key: str, report: Report, records: dict[Location, str]) -> None:
    """Read one WARC to the end of every record, as `warcio check` does, and to the end of
    every gzip member."""
    report.warcs += 1
    if problem := gzip_problem(store, key):
        report.problems.append(f"{key}: {problem}")
    try:
        with store.open(key) as stream:
            it = ArchiveIterator(stream, check_digests=True)
            for record in it:
                _read_all(record.content_stream())
                it.read_to_end(record)
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                records[(key, it.get_record_offset(), it.get_record_length())] = record_id
                report.records += 1
                where = f"{key} offset {it.get_record_offset()} {record_id}"
                if getattr(record.raw_stream, "limit", 0) > 0:
                    report.problems.append(f"{where}: truncated record ({record.raw_stream.limit} bytes "
                                           "short of its Content-Length)")
                if record.digest_checker.passed is False:
                    report.problems += [f"{where}: {p}" for p in record.digest_checker.problems]
                elif record.digest_checker.passed:
                    report.digests_passed += 1
    except StoreError:
        raise
    except Exception as exc:          # noqa: BLE001 - damaged bytes make warcio fail in any way
        report.problems.append(f"{key}: not a readable WARC after {report.records} records "
                               f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]})")


def gzip_problem(store: Store, key: str, chunk: int = 1024 * 1024) -> str | None:
    """What is wrong with the file as a series of gzip members, or None when each one is
    whole (its CRC and length checked by zlib)."""
    offset = member_start = 0
    inflater = zlib.decompressobj(31)
    try:
        with store.open(key) as stream:
            while data := stream.read(chunk):
                while data:
                    if inflater.eof:
                        inflater, member_start = zlib.decompressobj(31), offset
                    inflater.decompress(data, chunk)
                    # keep memory flat: drain what the member inflates to
                    while inflater.unconsumed_tail and not inflater.eof:
                        inflater.decompress(inflater.unconsumed_tail, chunk)
                    used = len(data) - len(inflater.unused_data)
                    offset += used
                    data = inflater.unused_data if inflater.eof else b""
    except zlib.error as exc:
        return f"bad gzip member at offset {member_start}: {exc}"
    if not inflater.eof and offset > member_start:
        return f"truncated: the gzip member at offset {member_start} ends early, at byte {offset}"
    return None


def _read_all(stream) -> None:
    while stream.read(1024 * 1024):
        pass


def check_rows(store: Store, table: str, site: str | None, records: dict[Location, str],
               report: Report) -> None:
    delta = Archive(store).table(table)
    if delta is None:
        report.rows_checked[table] = 0
        return
    id_column = ROW_RECORD_ID[table]
    columns = ["site", "warc_key", "warc_offset", "warc_length", id_column]
    rows = delta.to_pyarrow_table(columns=columns).to_pylist()
    rows = [row for row in rows if site is None or row["site"] == site]
    for row in rows:
        found = records.get((row["warc_key"], row["warc_offset"], row["warc_length"]))
        if found != row[id_column]:
            where = f"{row['warc_key']} offset {row['warc_offset']} length {row['warc_length']}"
            why = "no record there" if found is None else f"the record there is {found}"
            report.problems.append(f"{table} row for {row[id_column]} points at {where}: {why}")
    report.rows_checked[table] = len(rows)
