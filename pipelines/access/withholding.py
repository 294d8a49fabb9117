"""Withholding applied to what the archive shows: the rules of the active takedowns, the
URLs of the withheld articles (for pywb's ACL) and the refusal one-liner of the research
commands."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.access import acl, takedowns
from pipelines.access.rules import Withheld
from newsarchive.errors import WithheldError
from pipelines.archive.ids import article_id
from pipelines.store import Store


def refuse_if_withheld(rules: Withheld, url: str, *other_urls: str | None) -> None:
    if rules.withholds(url, *other_urls):
        raise WithheldError(f"{url} is withheld (a takedown is in force; `newsarchive takedown list`)")


def drop_withheld(rules: Withheld, data: pa.Table | pa.RecordBatch):
    """`data` without its withheld rows (its `url` and `canonical_url` columns decide)."""
    if not rules or not data.num_rows:
        return data
    keep = pa.array([not w for w in rules.mask(data.column("url"), data.column("canonical_url"))])
    return data.filter(keep)


def article_urls(dataset, rules: Withheld) -> dict[str, set[str]]:
    """For each exact rule, the fetch and canonical URLs of the article it names."""
    exact = {article_id(r.target): r.takedown_id for r in rules.rules if not r.prefix}
    if dataset is None or not exact:
        return {}
    rows = dataset.to_table(columns=["article_id", "url", "canonical_url"],
                            filter=pc.field("article_id").cast(pa.string()).isin(list(exact))).to_pylist()
    found: dict[str, set[str]] = {}
    for row in rows:
        urls = found.setdefault(exact[row["article_id"]], set())
        urls.update(u for u in (row["url"], row["canonical_url"]) if u)
    return found


def refresh_acl(store: Store, path: Path) -> bool:
    """Write pywb's ACL file for the store's active takedowns; True if it changed."""
    from pipelines.archive import tables

    rules = takedowns.withheld(store)
    table = tables.open_table(store, tables.ARTICLES_TABLE) if rules else None
    dataset = table.to_pyarrow_dataset() if table is not None else None
    return acl.write_acl(path, acl.rule_lines(rules.rules, article_urls(dataset, rules)))
