"""Export article versions for research: Parquet, JSON lines or CSV, streamed in
batches. Every row carries where its capture lives (WARC key, offset, length, record
id), a replay path (`<timestamp>/<url>`, served by pywb under `/<collection>/`) and
what the captures say of its article (pipelines/archive/states.py): `current` (this is
the content the article's latest capture showed), `last_seen` (that capture's time),
`alternating` and `variants` (the version numbers it alternates between). Those come
from a summary of one row per article, held while the versions stream."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from pipelines.archive.reader import ArchiveReader, eq

FORMATS = ("parquet", "jsonl", "csv")
RowFilter = Callable[[pa.RecordBatch], pa.RecordBatch]
BATCH_ROWS = 20_000


def export(reader: ArchiveReader, out: Path, fmt: str, site: str | None = None,
           since: datetime | None = None, until: datetime | None = None,
           progress: Callable[[int], None] | None = None, current: bool = False,
           keep: RowFilter | None = None) -> int:
    """Write the matching versions to `out`; returns the number of rows.
    since/until select on publication time: [since, until); `current` keeps only each
    article's current content (the newest version as captured); `keep` drops rows from each
    batch (the command line's: withheld articles)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    dataset = reader.dataset(site=site)       # one site: its partition's files alone
    # no read-ahead: memory stays at about one row group, whatever the archive's size
    scanner = dataset.scanner(filter=_filter(reader, site, since, until), batch_size=BATCH_ROWS,
                              batch_readahead=0, fragment_readahead=0, use_threads=False,
                              fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=False))
    summary = _summary(reader, site)
    scanned = (keep(b) if keep else b for b in scanner.to_batches())
    batches = (_with_states(_with_replay_path(b), summary) for b in scanned if b.num_rows)
    if current:
        batches = (b.filter(b.column("current")) for b in batches)
        batches = (b for b in batches if b.num_rows)
    writer = {"parquet": _write_parquet, "jsonl": _write_jsonl, "csv": _write_csv}[fmt]
    return writer(out, batches, progress or (lambda n: None))


def count(reader: ArchiveReader, site=None, since=None, until=None, keep: RowFilter | None = None) -> int:
    expr, dataset = _filter(reader, site, since, until), reader.dataset(site=site)
    if keep is None:
        return dataset.count_rows(filter=expr)
    batches = dataset.to_batches(filter=expr, columns=["url", "canonical_url"], batch_size=BATCH_ROWS)
    return sum(keep(batch).num_rows for batch in batches)


def _filter(reader: ArchiveReader, site, since, until):
    expr = eq("extractor", reader.extractor())
    if site:
        expr &= eq("site", site)
    if since:
        expr &= pc.field("published") >= pa.scalar(since, pa.timestamp("us", tz="UTC"))
    if until:
        expr &= pc.field("published") < pa.scalar(until, pa.timestamp("us", tz="UTC"))
    return expr


def _with_replay_path(batch: pa.RecordBatch) -> pa.RecordBatch:
    # whole seconds: on a finer unit %S prints fractions, and pywb's timestamps have 14 digits
    seconds = pc.cast(batch.column("fetched_at"), pa.timestamp("s", tz="UTC"), safe=False)
    stamps = pc.strftime(seconds, format="%Y%m%d%H%M%S", locale="C")
    replay = pc.binary_join_element_wise(stamps, batch.column("url"), "/")
    return batch.append_column("replay_path", replay)


def _summary(reader: ArchiveReader, site: str | None) -> pa.Table:
    """One row per article: its current content, last sighting, alternation and variants."""
    now = reader.current(site)
    return pa.table({
        "key": pa.array((now["article_id"] + "\x1f" + now["content_hash"]).tolist(), pa.string()),
        "article_id": pa.array(now["article_id"].tolist(), pa.string()),
        "last_seen": pa.array(now["last_seen"].tolist(), pa.timestamp("us", tz="UTC")),
        "alternating": pa.array(now["alternating"].tolist(), pa.bool_()),
        "variants": pa.array(now["variants"].tolist(), pa.list_(pa.int32())),
    })


def _with_states(batch: pa.RecordBatch, summary: pa.Table) -> pa.RecordBatch:
    keys = pc.binary_join_element_wise(batch.column("article_id"), batch.column("content_hash"), "\x1f")
    current = pc.fill_null(pc.is_in(keys, value_set=summary["key"]), False)
    found = pc.index_in(batch.column("article_id"), value_set=summary["article_id"])
    for name in ("current", "last_seen", "alternating", "variants"):
        column = current if name == "current" else pc.take(summary[name], found)
        batch = batch.append_column(name, column.combine_chunks() if hasattr(column, "combine_chunks") else column)
    return batch


def _write_parquet(out: Path, batches, progress) -> int:
    return _write_with(out, batches, progress, lambda schema: pq.ParquetWriter(out, schema))


def _write_csv(out: Path, batches, progress) -> int:
    return _write_with(out, (_flatten_lists(b) for b in batches), progress,
                       lambda schema: pacsv.CSVWriter(str(out), schema))


def _write_with(out: Path, batches, progress, open_writer) -> int:
    """Stream batches into a writer opened on the first batch's schema."""
    total, writer = 0, None
    try:
        for batch in batches:
            writer = writer or open_writer(batch.schema)
            writer.write_batch(batch)
            total += batch.num_rows
            progress(batch.num_rows)
    finally:
        if writer:
            writer.close()
    if writer is None:
        out.write_bytes(b"")
    return total


def _write_jsonl(out: Path, batches, progress) -> int:
    total = 0
    with open(out, "w", encoding="utf-8") as fh:
        for batch in batches:
            for row in batch.to_pylist():
                fh.write(json.dumps(row, ensure_ascii=False, default=_iso) + "\n")
            total += batch.num_rows
            progress(batch.num_rows)
    return total


def _flatten_lists(batch: pa.RecordBatch) -> pa.RecordBatch:
    """CSV has no lists: authors become "A; B", variants "1; 2"."""
    columns = []
    for column in batch.columns:
        if pa.types.is_list(column.type):
            column = pa.array(["; ".join(map(str, v or [])) for v in column.to_pylist()], pa.string())
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
