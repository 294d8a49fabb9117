"""Content fingerprints that ignore trivia, so only real edits make new versions.

Trivia: white space, Unicode forms (NFKC, zero-width characters, non-breaking
spaces), and a page's own relative time stamps ("Updated 5 minutes ago").
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
RELATIVE_TIME = re.compile(
    r"\b(?:(?:updated|published|posted|last updated)\s*:?\s*)?"
    r"(?:\d+|an?|one|a few)\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?)\s+ago\b",
    re.IGNORECASE)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(ZERO_WIDTH)
    text = RELATIVE_TIME.sub(" ", text)
    return " ".join(text.split())


def fingerprint(content: dict[str, Any]) -> str:
    """sha256 over the normalised fields (strings and lists of strings normalised)."""
    def clean(value):
        if isinstance(value, str):
            return normalise(value)
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value
    canonical = {k: clean(v) for k, v in content.items()}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()
