"""Run ids become file names (staging) and key names (store): one safe form only. An id is
checked once where it enters (a command-line argument, a DAG run) and carried as a `RunId`
from there, so the steps do not check it again."""
from __future__ import annotations

import re
from datetime import datetime, timezone

RUN_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class RunId(str):
    """A run id known to be safe as a file and key name: make one with `RunId.of`."""

    __slots__ = ()

    @classmethod
    def of(cls, value: str) -> "RunId":
        """`value` as a RunId, checked unless it already is one; ValueError saying what is allowed."""
        return value if isinstance(value, RunId) else cls(check_run_id(value))

    @classmethod
    def new(cls, now: datetime | None = None) -> "RunId":
        """run-<UTC time>, the id of a run started by hand."""
        return cls((now or datetime.now(timezone.utc)).strftime("run-%Y%m%dT%H%M%SZ"))

    @classmethod
    def from_airflow(cls, run_id: str) -> "RunId":
        """Airflow run ids carry ':' and '+'; keep them usable as file and key names."""
        return cls.of(re.sub(r"[^A-Za-z0-9._-]+", "_", run_id).strip("_")[:128])


def check_run_id(run_id: str) -> str:
    """`run_id` when it is safe as a file and key name, else ValueError saying what is allowed."""
    if not isinstance(run_id, str) or not RUN_ID_RE.fullmatch(run_id) or ".." in run_id:
        raise ValueError(f"invalid run id {run_id!r}: use 1 to 128 letters, digits, '.', '_' or '-', "
                         "starting with a letter or digit, without '..'")
    return run_id


def run_id_arg(value: str) -> RunId:
    """argparse type: the same check, reported as a usage error."""
    import argparse
    try:
        return RunId.of(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
