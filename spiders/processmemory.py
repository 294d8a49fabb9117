"""Memory of a process and everything it started, as PSS (each shared page counted once, split
among the processes sharing it): the measure of a crawl with a browser, whose many Chromium
processes share most of their pages. Linux only (/proc); elsewhere 0."""
from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in PROC.glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def pss_bytes(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def tree_pss(pid: int | None = None) -> int:
    """PSS in bytes of `pid` (this process by default) and its descendants."""
    return sum(pss_bytes(p) for p in descendants(pid or os.getpid()))
