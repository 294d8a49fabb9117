"""Word-level differences between two versions of an article, for a terminal or a browser."""
from __future__ import annotations

from rich.markup import escape

import difflib
import html
import re
from dataclasses import dataclass

TOKEN = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Change:
    op: str       # equal | insert | delete
    text: str


def word_diff(old: str, new: str) -> list[Change]:
    """Changes in reading order; white space travels with the words around it."""
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    changes: list[Change] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            changes.append(Change("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            changes.append(Change("delete", "".join(a[i1:i2])))
        if j2 > j1:
            changes.append(Change("insert", "".join(b[j1:j2])))
    return changes


def counts(changes: list[Change]) -> dict[str, int]:
    words = {"insert": 0, "delete": 0}
    for change in changes:
        if change.op in words:
            words[change.op] += len(change.text.split())
    return words


def to_markup(changes: list[Change], context: int | None = 12) -> str:
    """rich markup: deletions struck in red as [-…-], insertions green as {+…+}; long
    unchanged runs are shortened to `context` words either side."""
    parts = []
    for change in changes:
        text = escape(change.text)        # page text is never read as markup
        if change.op == "delete":
            parts.append(f"[red strike][-{text}-][/]")
        elif change.op == "insert":
            parts.append(f"[green]{{+{text}+}}[/]")
        else:
            parts.append(_shorten(text, context))
    return "".join(parts)


def _shorten(text: str, context: int | None) -> str:
    words = text.split(" ")
    if context is None or len(words) <= 2 * context + 1:
        return text
    return " ".join(words[:context]) + " … " + " ".join(words[-context:])


def to_html(changes: list[Change], title: str) -> str:
    body = "".join(
        f"<del>{html.escape(c.text)}</del>" if c.op == "delete" else
        f"<ins>{html.escape(c.text)}</ins>" if c.op == "insert" else html.escape(c.text)
        for c in changes)
    return (f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font:16px/1.5 Georgia,serif;max-width:44em;margin:2em auto;white-space:pre-wrap}"
            "del{background:#fdd;color:#900}ins{background:#dfd;color:#060;text-decoration:none}</style>"
            f"<h1>{html.escape(title)}</h1>{body}\n")
