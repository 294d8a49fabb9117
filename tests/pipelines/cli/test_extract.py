"""`newsarchive extract`: one JSON object per input, on the same code path as the clean step."""
import gzip
import io
import json
import sys

import pytest

from pipelines.cli.main import main

PARAGRAPHS = [f"Paragraph {i}: the harbour authority said ships would wait longer this winter, "
              f"and traders expect prices to rise by {i} percent." for i in range(5)]
LD = {"@type": "NewsArticle", "headline": "Harbour delays", "author": {"name": "Ann Lee"},
      "datePublished": "2024-01-02T03:04:05+01:00"}
HTML = (f'<html lang="en"><head><title>Harbour delays</title><script type="application/ld+json">{json.dumps(LD)}'
        f'</script></head><body><article><h1>Harbour delays</h1><h2>Why it matters</h2>'
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "<ul><li>First point about ships</li><li>Second point about ships</li></ul></article></body></html>")


def run(capsys, *argv) -> tuple[int, list[dict], str]:
    code = main(["extract", *argv])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_extract_prints_one_json_line_per_input(tmp_path, capsys):
    (tmp_path / "a.html").write_text(HTML, encoding="utf-8")
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(HTML.encode()))
    (tmp_path / "c.html").write_text("<html><body><nav>Home</nav></body></html>")
    code, rows, _ = run(capsys, str(tmp_path / "a.html"), str(tmp_path / "b.html.gz"), str(tmp_path / "c.html"),
                        "--url", "https://news.example/harbour")
    assert code == 0 and [r["input"] for r in rows] == [str(tmp_path / n) for n in ("a.html", "b.html.gz", "c.html")]
    a, b, c = rows
    assert a["text"] == b["text"] and a["text"].split("\n")[:5] == PARAGRAPHS
    assert a["title"] == "Harbour delays" and a["authors"] == ["Ann Lee"]
    assert a["published"] == "2024-01-02T02:04:05+00:00" and a["sources"]["published"] == "json-ld"
    assert a["canonical_url"] == "https://news.example/harbour" and a["skip_reason"] is None
    assert "- First point about ships" in a["markdown"]
    assert c["text"] == "" and c["skip_reason"].startswith("no article text")


def test_extract_reads_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(HTML.encode())))
    code, rows, _ = run(capsys, "-")
    assert code == 0 and rows[0]["input"] == "-" and rows[0]["title"] == "Harbour delays"


def test_a_missing_file_is_a_one_line_error(tmp_path, capsys):
    code, rows, err = run(capsys, str(tmp_path / "nope.html"))
    assert code == 2 and rows == [] and "cannot read" in err and len(err.strip().splitlines()) == 1


def test_a_broken_gzip_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "x.html.gz").write_bytes(gzip.compress(HTML.encode())[:30])
    code, _, err = run(capsys, str(tmp_path / "x.html.gz"))
    assert code == 2 and "cannot decompress" in err


@pytest.mark.parametrize("argv", [[], ["--url"]])
def test_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["extract", *argv])
    assert exit_.value.code == 2
