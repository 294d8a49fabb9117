"""The pipeline's expected failures: all derive from NewsarchiveError (spiders/errors.py)."""
from __future__ import annotations

from spiders.errors import NewsarchiveError


class StepError(NewsarchiveError):
    """A step failed; the message is one line that says why."""


__all__ = ["NewsarchiveError", "StepError"]
