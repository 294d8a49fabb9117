"""The page pywb serves for a withheld capture (status 451): pywb's own error template
stays in use for every other error."""
from __future__ import annotations

from pathlib import Path

WITHHELD_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Withheld</title>
<style>body{font:17px/1.5 Georgia,serif;max-width:40em;margin:3em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}code{word-break:break-all;background:#f4f4f4;padding:0 .2em}</style></head>
<body><h1>This capture is withheld</h1>
<p>The archive holds <code>{url}</code>, but it is not shown: a takedown is in force
(a legal request, a privacy request or a correction). The capture is kept unchanged and comes
back if the takedown is lifted.</p>
<p>HTTP status 451 (Unavailable For Legal Reasons).</p></body></html>
"""
# pywb's error template: ours for 451, pywb's own otherwise
WITHHELD = ("{% if err_status == 451 %}" + WITHHELD_HTML.replace("{url}", "{{ err_msg }}")
            + '{% else %}{% include "pywb_error.html" %}{% endif %}\n')


def write_templates(workdir: Path) -> Path:
    """pywb reads `templates/` in its working folder before its own: our error.html there."""
    import pywb

    folder = Path(workdir) / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    original = Path(pywb.__file__).parent / "templates" / "error.html"
    (folder / "pywb_error.html").write_text(original.read_text())
    (folder / "error.html").write_text(WITHHELD)
    return folder
