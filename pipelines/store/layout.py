"""Where things live in the store."""
from __future__ import annotations

import re

WARC_NAME = re.compile(r"-(\d{4})(\d{2})(\d{2})\d{6}-\d+-")


def warc_key(site: str, filename: str) -> str:
    """warcs/{site}/{YYYY}/{MM}/{DD}/{file}, dated by the file's own timestamp."""
    match = WARC_NAME.search(filename)
    if not match:
        raise ValueError(f"not a newsarchive WARC file name: {filename}")
    year, month, day = match.groups()
    return f"warcs/{site}/{year}/{month}/{day}/{filename}"


def staging_key(site: str, run_id: str, name: str) -> str:
    return f"staging/{site}/{run_id}/{name}"


def manifest_key(site: str, run_id: str) -> str:
    return f"runs/{site}/{run_id}.json"
