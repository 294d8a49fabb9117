"""`newsarchive search` as a table: the snippet's matches are highlighted, and a page's text
(brackets included) is printed as it is, never read as markup."""
from datetime import datetime, timezone

from pipelines.cli import search as search_cli
from pipelines.search.query import Hit


def hit(title: str, snippet: str) -> Hit:
    at = datetime(2024, 7, 19, 6, 0, tzinfo=timezone.utc)
    return Hit(score=1.0, title=title, site="demo", url="http://127.0.0.1:8765/a/", published=at, version=2,
               fetched_at=at, snippet=snippet, snippet_html="")


def test_matches_are_highlighted_and_brackets_kept(capsys):
    search_cli._print_table([hit("Prices [updated] rise", "the [[hryvnia]] weakens [sic] again"),
                             hit("Second", "no [/] markup here, [[Hryvnia]]")], "http://127.0.0.1:8080")
    out = "".join(capsys.readouterr().out.split())      # the table folds long cells over lines
    assert "thehryvniaweakens[sic]again" in out
    assert "Prices[updated]rise" in out and "no[/]markuphere,Hryvnia" in out
    assert "/demo/20240719060000/http://127.0.0.1:8765/a/" in out
