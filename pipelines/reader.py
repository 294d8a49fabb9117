"""Kept so that `from pipelines.reader import open_archive` (cited in docs and notebooks)
goes on working; the archive's read side lives in pipelines.archive.reader."""
from pipelines.archive.reader import ArchiveNotFound, ArchiveReader, open_archive

__all__ = ["ArchiveNotFound", "ArchiveReader", "open_archive"]
