"""The crawl step's child process: `python -m spiders.crawl` (Twisted's reactor cannot
restart, so every crawl gets a process of its own). Its progress and error events come on
a pipe of their own; its output is logged line by line meanwhile."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Callable

from spiders.progress import FAILED, read_events

log = logging.getLogger("newsarchive")


def crawl_command(site: str, run_id: str, out: Path, sites_dir: Path, base_url: str | None = None,
                  window: tuple[datetime, datetime] | None = None, recheck_file: Path | None = None,
                  dedup_index: Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "spiders.crawl", site, "--out", str(out), "--run-id", run_id,
           "--sites-dir", str(sites_dir)]
    if base_url:
        cmd += ["--base-url", base_url]
    if window:
        cmd += ["--since", window[0].isoformat(), "--until", window[1].isoformat()]
    if recheck_file:
        cmd += ["--recheck", str(recheck_file)]
    if dedup_index:
        cmd += ["--dedup-index", str(dedup_index)]           # revisits need the digest index
    return cmd + ["--parent-pid", str(os.getpid())]      # it dies with this process: no crawler left writing


def run_crawler(cmd: list[str], on_event: Callable[[dict], None] | None) -> tuple[int, str | None]:
    """Run the crawl process; (its exit code, the reason it gave for failing)."""
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.Popen(cmd + ["--progress-fd", str(write_end)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1, pass_fds=(write_end,))
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)                        # the crawl holds it now: EOF when it ends
    output = threading.Thread(target=_log_lines, args=(proc.stdout,), daemon=True)
    output.start()
    failure = None
    with open(read_end, encoding="utf-8") as channel:
        for event in read_events(channel):
            if event["event"] == FAILED:
                failure = event.get("reason")
            elif on_event:
                on_event(event)
    code = proc.wait()
    output.join()
    return code, failure


def _log_lines(stream) -> None:
    for line in stream:
        log.info("%s", line.rstrip("\n"))
