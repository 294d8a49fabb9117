"""`newsarchive verify`: re-read every stored WARC, check its block and payload
digests (warcio's checker), and check that every row of the archive's tables
points at a real record (WARC key, offset, length and record id)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from . import tables
from .archive import Archive
from .store import Store
from .storecheck import StoreFindings, check_store

# table -> the column that holds the WARC-Record-ID its row points at
ROW_RECORD_ID = {tables.CAPTURES_KEY: "record_id", tables.ARTICLES_KEY: "warc_record_id"}
Location = tuple[str, int, int]          # (warc key, offset, length)


@dataclass
class Report:
    warcs: int = 0
    records: int = 0
    digests_passed: int = 0
    rows_checked: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    findings: StoreFindings = field(default_factory=StoreFindings)   # orphans, unpublished runs, leftovers

    @property
    def ok(self) -> bool:
        return not self.problems


def stored_warc_keys(store: Store, site: str | None = None) -> list[str]:
    prefix = f"warcs/{site}/" if site else "warcs/"
    return [o.key for o in store.list(prefix) if o.key.endswith(".warc.gz")]


def verify(store: Store, site: str | None = None,
           progress: Callable[[str], None] | None = None, staging_dir: Path | None = None) -> Report:
    report = Report()
    records: dict[Location, str] = {}
    warc_keys = stored_warc_keys(store, site)
    for key in warc_keys:
        check_warc(store, key, report, records)
        if progress:
            progress(key)
    for table in ROW_RECORD_ID:
        check_rows(store, table, site, records, report)
    report.findings = check_store(store, warc_keys, site, staging_dir)
    report.problems += report.findings.problems()
    return report


def check_warc(store: Store, key: str, report: Report, records: dict[Location, str]) -> None:
    """Read one WARC to the end of every record, as `warcio check` does."""
    report.warcs += 1
    try:
        with store.open(key) as stream:
            it = ArchiveIterator(stream, check_digests=True)
            for record in it:
                _read_all(record.content_stream())
                it.read_to_end(record)
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                records[(key, it.get_record_offset(), it.get_record_length())] = record_id
                report.records += 1
                if record.digest_checker.passed is False:
                    report.problems += [f"{key} offset {it.get_record_offset()} {record_id}: {p}"
                                        for p in record.digest_checker.problems]
                elif record.digest_checker.passed:
                    report.digests_passed += 1
    except ArchiveLoadFailed as exc:
        report.problems.append(f"{key}: not a readable WARC ({' '.join(str(exc).split())})")


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
