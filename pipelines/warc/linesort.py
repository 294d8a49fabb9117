"""Sorting and merging text lines that may not fit in memory (CDXJ indexes grow with a
site's history): lines are sorted a bounded run at a time into local files, and files are
merged with heapq.merge, at most FAN_IN open at once. Lines are compared without their
newline, as Python sorts str; files hold one line per "\\n"."""
from __future__ import annotations

import heapq
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

RUN_LINES = 20_000       # lines sorted in memory at once (~10 MB of CDXJ lines)
FAN_IN = 64              # files merged at once


def write_lines(lines: Iterable[str], path: Path) -> int:
    """Write `lines` (without newlines) to `path`; the number written."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for line in lines:
            out.write(line)
            out.write("\n")
            count += 1
    return count


def read_lines(path: Path) -> Iterator[str]:
    """The lines of a file written by `write_lines`, a buffer at a time."""
    with open(path, encoding="utf-8", newline="\n") as f:
        for line in f:
            yield line[:-1] if line.endswith("\n") else line


def unique(lines: Iterable[str]) -> Iterator[str]:
    """Sorted lines with repeats dropped."""
    previous = None
    for line in lines:
        if line != previous:
            yield line
        previous = line


class SortedRuns:
    """Collects lines and sorts them into runs of `run_lines` in `folder`; `finish` merges
    the runs into one sorted file."""

    def __init__(self, folder: Path, run_lines: int | None = None):
        self.folder = Path(folder)
        self.run_lines = run_lines or RUN_LINES
        self._lines: list[str] = []
        self._runs: list[Path] = []

    def add(self, line: str) -> None:
        self._lines.append(line)
        if len(self._lines) >= self.run_lines:
            self._spill()

    def finish(self, dest: Path) -> int:
        """Write every line added, sorted (repeats kept), to `dest`; the number of lines."""
        if not self._runs:
            self._lines.sort()
            count = write_lines(self._lines, dest)
        else:
            self._spill()
            count = merge_files(self._runs, dest, dedupe=False)
            _remove(self._runs)
        self._lines, self._runs = [], []
        return count

    def _spill(self) -> None:
        if self._lines:
            self._lines.sort()
            path = scratch(self.folder)
            write_lines(self._lines, path)
            self._runs.append(path)
            self._lines = []


def merge_files(paths: list[Path], dest: Path, dedupe: bool, fan_in: int | None = None) -> int:
    """Merge sorted files into `dest` (repeated lines dropped when `dedupe`); the number of
    lines written. More than `fan_in` files are merged in rounds through scratch files beside
    `dest`, each round's removed once the next one is written."""
    fan_in = max(2, fan_in or FAN_IN)
    paths, owned = list(paths), []
    try:
        while len(paths) > fan_in:
            merged = []
            for start in range(0, len(paths), fan_in):
                merged.append(scratch(dest.parent))
                write_lines(_merged(paths[start:start + fan_in], dedupe), merged[-1])
            _remove(owned)
            paths = owned = merged
        return write_lines(_merged(paths, dedupe), dest)
    finally:
        _remove(owned)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _merged(paths: list[Path], dedupe: bool) -> Iterator[str]:
    lines = heapq.merge(*(read_lines(path) for path in paths))
    return unique(lines) if dedupe else lines


def scratch(folder: Path, prefix: str = "run-") -> Path:
    """A new empty file in `folder`."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".lines", dir=folder)
    os.close(fd)
    return Path(name)
