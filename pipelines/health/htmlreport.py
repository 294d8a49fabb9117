"""`newsarchive report --html FILE`: one self-contained page (inline SVG and CSS, no script,
nothing fetched) with plots of each site's runs over time."""
from __future__ import annotations

from datetime import datetime
from html import escape
from itertools import groupby

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 560, 220, 48, 12, 28, 36
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
STATUS_SERIES = {"2xx": "status_2xx", "3xx": "status_3xx", "4xx": "status_4xx", "5xx": "status_5xx",
                 "fetch errors": "fetch_errors", "robots": "blocked_robots"}
STEP_SERIES = {step: f"seconds_{step}" for step in ("crawl", "upload", "clean", "publish")}
CSS = """body{font:14px system-ui,sans-serif;margin:24px;color:#222}h2{margin-top:32px}
.plots{display:flex;flex-wrap:wrap;gap:16px}.plot{border:1px solid #ddd;background:#fff}
.legend text,.axis text{font-size:11px;fill:#555}.title{font-size:13px;font-weight:600}
.failed{fill:#fde2e2}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee;
text-align:left}.bad{color:#b00;font-weight:600}"""


def render_report(runs: list[dict], now: datetime) -> str:
    sections = [_site_section(site, list(rows)) for site, rows in groupby(runs, key=lambda r: r["site"])]
    body = "".join(sections) or "<p>No runs have been checked yet.</p>"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>newsarchive runs</title>'
            f"<style>{CSS}</style></head><body><h1>newsarchive runs</h1>"
            f"<p>Generated {now:%Y-%m-%d %H:%M} UTC; failed runs are shaded red.</p>{body}</body></html>\n")


def _site_section(site: str, rows: list[dict]) -> str:
    labels = [f"{r['published_at']:%m-%d %H:%M}" for r in rows]
    failed = [r["result"] == "failed" for r in rows]

    def series(columns: dict[str, str], scale: float = 1) -> dict[str, list[float | None]]:
        return {name: [None if r[c] is None else r[c] * scale for r in rows] for name, c in columns.items()}

    plots = [
        line_plot("articles", "Articles per run", labels, failed,
                  series({"articles seen": "articles_seen", "new versions": "new_versions"})),
        bar_plot("responses", "Responses by status class", labels, failed, series(STATUS_SERIES)),
        line_plot("empty-body", "Article pages without a body (%)", labels, failed,
                  series({"no body": "empty_body_share"}, 100)),
        line_plot("words", "Median words per article", labels, failed, series({"median words": "median_words"})),
        bar_plot("duration", "Run duration by step (s)", labels, failed, series(STEP_SERIES)),
    ]
    return (f'<section class="site" data-site="{escape(site)}"><h2>{escape(site)}</h2>'
            f'<div class="plots">{"".join(plots)}</div>{_last_runs(rows[-10:])}</section>')


def _last_runs(rows: list[dict]) -> str:
    lines = "".join(
        f'<tr><td>{escape(r["run_id"])}</td><td class="{"bad" if r["result"] == "failed" else ""}">'
        f'{escape(r["result"] or "")}</td><td>{escape(r["message"] or "")}</td></tr>' for r in reversed(rows))
    return f"<table><tr><th>run</th><th>result</th><th>what changed</th></tr>{lines}</table>"


def _frame(plot_id: str, title: str, labels: list[str], failed: list[bool], top: float, names: list[str]) -> list[str]:
    """Background, failed-run shading, axes with the top value and the first/last run, legend."""
    step = (W - PAD_L - PAD_R) / max(len(labels), 1)
    parts = [f'<svg class="plot" data-plot="{plot_id}" xmlns="http://www.w3.org/2000/svg" width="{W}" '
             f'height="{H}" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">',
             f'<text class="title" x="{PAD_L}" y="16">{escape(title)}</text>']
    parts += [f'<rect class="failed" x="{PAD_L + i * step:.1f}" y="{PAD_T}" width="{step:.1f}" '
              f'height="{H - PAD_T - PAD_B}"/>' for i, bad in enumerate(failed) if bad]
    parts.append(f'<g class="axis"><line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" '
                 f'stroke="#999"/><line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{H - PAD_B}" stroke="#999"/>'
                 f'<text x="{PAD_L - 4}" y="{PAD_T + 4}" text-anchor="end">{top:.4g}</text>'
                 f'<text x="{PAD_L - 4}" y="{H - PAD_B}" text-anchor="end">0</text>')
    if labels:
        parts.append(f'<text x="{PAD_L}" y="{H - PAD_B + 14}">{escape(labels[0])}</text>'
                     f'<text x="{W - PAD_R}" y="{H - PAD_B + 14}" text-anchor="end">{escape(labels[-1])}</text>')
    parts.append('</g><g class="legend">')
    parts += [f'<rect x="{PAD_L + i * 84}" y="{H - 12}" width="10" height="10" fill="{COLORS[i % len(COLORS)]}"/>'
              f'<text x="{PAD_L + i * 84 + 14}" y="{H - 3}">{escape(name)}</text>' for i, name in enumerate(names)]
    parts.append("</g>")
    return parts


def _scale(top: float):
    return lambda value: H - PAD_B - (value / top) * (H - PAD_T - PAD_B) if top else H - PAD_B


def line_plot(plot_id: str, title: str, labels: list[str], failed: list[bool],
              series: dict[str, list[float | None]]) -> str:
    values = [v for vs in series.values() for v in vs if v is not None]
    top = max(values, default=0) or 1
    y, step = _scale(top), (W - PAD_L - PAD_R) / max(len(labels), 1)
    parts = _frame(plot_id, title, labels, failed, top, list(series))
    for i, (name, points) in enumerate(series.items()):
        xy = [(PAD_L + (j + 0.5) * step, y(v)) for j, v in enumerate(points) if v is not None]
        color = COLORS[i % len(COLORS)]
        parts.append(f'<polyline class="series" data-series="{escape(name)}" fill="none" stroke="{color}" '
                     f'stroke-width="2" points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in xy)}"/>')
        parts += [f'<circle class="point" cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{color}"/>' for a, b in xy]
    return "".join(parts) + "</svg>"


def bar_plot(plot_id: str, title: str, labels: list[str], failed: list[bool],
             series: dict[str, list[float | None]]) -> str:
    """Stacked bars, one per run."""
    totals = [sum(vs[j] or 0 for vs in series.values()) for j in range(len(labels))]
    top = max(totals, default=0) or 1
    y, step = _scale(top), (W - PAD_L - PAD_R) / max(len(labels), 1)
    parts = _frame(plot_id, title, labels, failed, top, list(series))
    for j in range(len(labels)):
        base = 0.0
        for i, (name, values) in enumerate(series.items()):
            value = values[j] or 0
            if value:
                parts.append(f'<rect class="bar" data-series="{escape(name)}" x="{PAD_L + j * step + step * 0.15:.1f}" '
                             f'y="{y(base + value):.1f}" width="{step * 0.7:.1f}" height="{y(base) - y(base + value):.1f}" '
                             f'fill="{COLORS[i % len(COLORS)]}"/>')
            base += value
    return "".join(parts) + "</svg>"
