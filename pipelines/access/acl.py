"""pywb access-control rules from the active takedowns: each withheld page is a `block` rule
(pywb answers 451), in the ACL file format of `wb-manager acl` (one CDXJ-like line per rule,
SURT keys, sorted in reverse so that pywb's binary search finds the longest prefix first).

An exact takedown blocks its URL and every URL the archive fetched the same article from
(its `url` and `canonical_url` rows); a prefix takedown blocks everything under the prefix."""
from __future__ import annotations

import json
import os
from pathlib import Path

from pipelines.access.rules import Rule

EXACT_SUFFIX = "###"         # pywb's marker of an exact-match rule


def surt(url: str) -> str:
    from pywb.utils.canonicalize import canonicalize

    return canonicalize(url)


def rule_lines(rules: list[Rule], article_urls: dict[str, set[str]] | None = None) -> list[str]:
    """ACL lines for `rules`; `article_urls` maps an exact rule's id to the other URLs of its article."""
    lines = set()
    for rule in rules:
        if rule.prefix:
            bare = rule.target[:-1]
            key = surt(bare) + ("/" if bare.endswith("/") and not surt(bare).endswith("/") else "")
            lines.add(_line(key, rule))
            continue
        for url in {rule.target} | (article_urls or {}).get(rule.takedown_id, set()):
            lines.add(_line(surt(url) + EXACT_SUFFIX, rule))
    return sorted(lines, reverse=True)


def _line(key: str, rule: Rule) -> str:
    return f"{key} - " + json.dumps({"access": "block", "url": rule.target, "takedown": rule.takedown_id})


def write_acl(path: Path, lines: list[str]) -> bool:
    """Replace the ACL file atomically (pywb opens it on every lookup); True if it changed."""
    text = "".join(line + "\n" for line in lines)
    if path.is_file() and path.read_text() == text:
        return False
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    os.replace(partial, path)
    return True
