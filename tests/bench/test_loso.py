"""Leave-one-set-out scoring: the replayed settings give what a full cleaning run gives, and a
set's figure comes from the setting chosen on the other sets."""
import pytest

from bench import loso
from pipelines.clean import boilerplate, savedpages

PROSE = ("The council met on Tuesday to discuss the budget for the coming year, and members "
         "argued for several hours about the cost of repairing the old bridge over the river. ")


def page(site: str, n: int) -> tuple[bytes, str, str]:
    teasers = "".join(f'<p><a href="/other/{n}/{k}">Another story about the town number {k}</a></p>'
                      for k in range(3))
    html = f"""<html><head><title>Story {n} of {site}</title></head><body>
    <nav><a href="/">Home</a> <a href="/news">News</a></nav>
    <article><h1>Story {n} of {site}</h1>
    <p>{PROSE * 3} This is story {n}.</p>
    <p>Subscribe to our newsletter for the latest news from {site}.</p>
    <p>Follow the coverage at https://{site}/live/{n} and nowhere else today</p>
    {teasers}
    <p>{PROSE * 2} Its second paragraph, number {n}, is plain prose.</p>
    <p>Tags: council budget bridge river</p>
    </article><footer><p>Copyright {site} all rights reserved</p></footer></body></html>"""
    return html.encode(), f"https://{site}/story/{n}", f"{site}-{n}"


SETTINGS = [
    {(boilerplate, "LINK_SHARE"): 0.6, (boilerplate, "SHORT"): 20, (boilerplate, "URL_LINE"): 0,
     (boilerplate, "MENU_SHARE"): 1.01},
    {(boilerplate, "LINK_SHARE"): 1.01, (boilerplate, "SHORT"): 60, (boilerplate, "URL_LINE"): 20,
     (boilerplate, "MENU_SHARE"): 0.5},
    {(boilerplate, "LINK_SHARE"): 0.8, (boilerplate, "SHORT"): 5, (boilerplate, "URL_LINE"): 20,
     (boilerplate, "MENU_SHARE"): 0.5},
]


@pytest.mark.parametrize("setting", SETTINGS, ids=loso.label)
def test_a_replayed_setting_gives_the_full_runs_texts(setting):
    inputs = [page(site, n) for site in ("a.example", "b.example") for n in range(4)]
    recorder = loso.Recorder()
    recorder.run(inputs)
    with loso.applied(setting):
        full = [row.get("text") or "" for row in savedpages.extract_files(inputs)]
        replayed = [recorder.replay(path) for _, _, path in inputs]
    assert any(full) and replayed == full


def test_settings_differ_where_the_thresholds_act():
    inputs = [page("a.example", n) for n in range(2)]
    recorder = loso.Recorder()
    recorder.run(inputs)
    texts = {}
    for short in (5, 60):
        with loso.applied({(boilerplate, "SHORT"): short}):
            texts[short] = recorder.replay(inputs[0][2])
    assert "Subscribe to our newsletter" in texts[5] and "Subscribe to our newsletter" not in texts[60]


def test_each_set_is_scored_with_the_setting_best_on_the_others():
    truths = {"a": ["one two three four five"], "b": ["six seven eight nine ten"], "c": ["red green blue cyan pink"]}
    grid = [{"s": 0}, {"s": 1}]
    texts = {"a": [["one two three four five"], ["nothing of it here"]],      # setting 0 best on a
             "b": [["six seven eight nine ten"], ["six seven eight nine ten"]],
             "c": [["nothing of it here"], ["red green blue cyan pink"]]}      # setting 1 best on c
    chosen = loso.leave_one_set_out(truths, grid, texts)
    assert chosen["a"] == (0.0, {"s": 1})        # b ties, c prefers 1: a is scored under 1
    assert chosen["c"] == (0.0, {"s": 0})        # a prefers 0
    assert chosen["b"][0] == 1.0
