"""Run ids become file names (staging) and key names (store): one safe form only."""
from __future__ import annotations

import re

RUN_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def check_run_id(run_id: str) -> str:
    """`run_id` when it is safe as a file and key name, else ValueError saying what is allowed."""
    if not isinstance(run_id, str) or not RUN_ID_RE.fullmatch(run_id) or ".." in run_id:
        raise ValueError(f"invalid run id {run_id!r}: use 1 to 128 letters, digits, '.', '_' or '-', "
                         "starting with a letter or digit, without '..'")
    return run_id


def run_id_arg(value: str) -> str:
    """argparse type: the same check, reported as a usage error."""
    import argparse
    try:
        return check_run_id(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
