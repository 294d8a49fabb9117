"""The research page's HTML: plain pages with inline styles, no script and no external
asset, so that what a researcher opens makes no request beyond this server."""
from __future__ import annotations

import html
from datetime import datetime, timezone
from urllib.parse import urlencode

STYLE = """body{font:16px/1.5 Georgia,serif;max-width:54em;margin:1.5em auto;padding:0 1em;color:#222}
a{color:#1a4f8b}h1{font-size:1.5em;margin:.2em 0}form{background:#f5f5f0;padding:.8em;border-radius:4px}
form input,form select,form button{font:inherit;margin:.2em .4em .2em 0}input[name=q]{width:28em}
.hit{margin:1.2em 0}.hit .meta{color:#555;font-size:.9em}.hit .snippet b{background:#ffef9e}
table{border-collapse:collapse}td,th{padding:.2em .6em;text-align:left;border-bottom:1px solid #ddd}
del{background:#fdd;color:#900}ins{background:#dfd;color:#060;text-decoration:none}
.diff{white-space:pre-wrap}.note{color:#555}"""


def page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><p class='note'><a href='/research/'>Search the archive</a></p>"
            f"{body}</body></html>")


def escape(value) -> str:
    return html.escape("" if value is None else str(value))


def when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def replay_href(site: str, fetched_at: datetime, url: str) -> str:
    return f"/{site}/{fetched_at.astimezone(timezone.utc):%Y%m%d%H%M%S}/{url}"


def history_href(url: str) -> str:
    return "/research/history?" + urlencode({"url": url})


def diff_href(url: str, old: int, new: int) -> str:
    return "/research/diff?" + urlencode({"url": url, "from": old, "to": new})


def search_form(params: dict, sites: list[str]) -> str:
    def value(name):
        return escape(params.get(name, ""))
    options = "".join(f"<option{' selected' if params.get('site') == s else ''}>{escape(s)}</option>" for s in sites)
    checked = " checked" if params.get("all_versions") else ""
    return (f"<form method='get' action='/research/'><input name='q' value='{value('q')}' "
            f"placeholder='words, \"a phrase\", title:word, author:name' autofocus>"
            f"<select name='site'><option value=''>all sites</option>{options}</select><button>Search</button><br>"
            f"<label>since <input name='since' type='date' value='{value('since')}'></label>"
            f"<label>until <input name='until' type='date' value='{value('until')}'></label>"
            f"<label>as of <input name='as_of' value='{value('as_of')}' placeholder='ISO time or table version' "
            f"size='18'></label><label><input type='checkbox' name='all_versions' value='1'{checked}> "
            f"every version</label></form>")


def results(hits, query_text: str) -> str:
    if not hits:
        return f"<p>No article matches <b>{escape(query_text)}</b>.</p>"
    items = []
    for hit in hits:
        links = [f"<a class='history' href='{escape(history_href(hit.url))}'>history</a>"]
        if hit.version > 1:
            links.append(f"<a class='diff' href='{escape(diff_href(hit.url, hit.version - 1, hit.version))}'>"
                         f"changes in version {hit.version}</a>")
        items.append(
            f"<div class='hit'><a class='capture' href='{escape(hit.replay_path)}'>{escape(hit.title) or escape(hit.url)}</a>"
            f"<div class='snippet'>{hit.snippet_html}</div>"
            f"<div class='meta'>{escape(hit.site)} · published {escape(when(hit.published))} · version {hit.version}, "
            f"captured {escape(when(hit.fetched_at))} · {' · '.join(links)}</div></div>")
    return f"<p class='note'>{len(hits)} results</p>" + "".join(items)


def history(frame) -> str:
    rows, previous = [], None
    for _, row in frame.iterrows():
        diff = (f"<a href='{escape(diff_href(row['url'], previous, row['version']))}'>diff</a>"
                if previous is not None else "")
        rows.append(f"<tr><td>{row['version']}</td><td>{escape(row['change'])}</td><td>{escape(when(row['first_seen']))}</td>"
                    f"<td>{escape(when(row['last_seen']))}</td><td><a href='{escape(replay_href(row['site'], row['fetched_at'], row['url']))}'>"
                    f"{escape(row['title'])}</a></td><td>{diff}</td></tr>")
        previous = row["version"]
    url = frame["canonical_url"].iloc[0] or frame["url"].iloc[0]
    return (f"<h1>History of {escape(url)}</h1><table><tr><th>version</th><th>change</th><th>first seen</th>"
            f"<th>last seen</th><th>title (replayed capture)</th><th></th></tr>{''.join(rows)}</table>")


def diff(title: str, old: int, new: int, changes) -> str:
    body = "".join(f"<del>{escape(c.text)}</del>" if c.op == "delete" else
                   f"<ins>{escape(c.text)}</ins>" if c.op == "insert" else escape(c.text) for c in changes)
    return f"<h1>{escape(title)}</h1><p class='note'>version {old} → {new}</p><div class='diff'>{body}</div>"


def message(title: str, text: str) -> str:
    return page(title, f"<h1>{escape(title)}</h1><p>{escape(text)}</p>")
