"""Leave-one-set-out scoring of the cleaning step's thresholds and switchable rules.

Every setting of GRID is scored on every set; for each set, the setting that scores best on the
other sets (their F1 averaged, each set weighing the same) is chosen and scored on it. A full
cleaning run per setting would take the whole grid times the benchmark's time, so settings that
act only on the extracted body (boilerplate.prune's thresholds and rules) are replayed: each
full run records, per page, what prune was handed (the body, the page's links, its repeated
blocks), and each such setting prunes a copy of that body and
renders it again, as extract_article would. The menu check is replayed too: a full run takes
the lowest menu share of the grid, and keeps the fast mode's body of every page it reads as a
menu, for the settings under which that page would not be one. The site template's page count
changes which blocks are repeated: each of its values gets a full run.
"""
from __future__ import annotations

import functools
import itertools
from contextlib import contextmanager
from copy import deepcopy

from bench.shingles import page_counts, score
from pipelines.clean import boilerplate, extract, markdown, savedpages, sitetemplate

# (module, attribute): values; the project's own value is among them
FULL = {(sitetemplate, "MIN_PAGES"): (2, 3)}
REPLAYED = {(boilerplate, "MENU_SHARE"): (0.5, 1.01), (boilerplate, "LINK_SHARE"): (0.6, 0.8, 1.01),
            (boilerplate, "SHORT"): (20, 40, 60), (boilerplate, "URL_LINE"): (0, 20)}
MENU_SHARES = REPLAYED[(boilerplate, "MENU_SHARE")]


def settings(grid: dict) -> list[dict]:
    return [dict(zip(grid, values)) for values in itertools.product(*grid.values())]


def label(setting: dict) -> str:
    return ", ".join(f"{attr}={value}" for (_, attr), value in setting.items())


@contextmanager
def applied(setting: dict):
    saved = {key: getattr(*key) for key in setting}
    for (module, attr), value in setting.items():
        setattr(module, attr, value)
    try:
        yield
    finally:
        for (module, attr), value in saved.items():
            setattr(module, attr, value)


class Recorder:
    """Runs extract_files, keeping per page what prune was handed (a page always has a title once it
    has a body: extract_article titles it by its body when it states none)."""

    def __init__(self):
        self.current = None
        self.pruned: dict[str, tuple] = {}
        self.menus: dict[str, tuple[float, object]] = {}     # page -> (menu share, fast mode's body)
        self.memo: dict[str, dict] = {}
        self.bases: dict[tuple[str, str], tuple] = {}
        self.order: dict[tuple[str, str], dict[int, int]] = {}
        self.alive: list = []

    def run(self, inputs: list[tuple[bytes, str, str]]) -> list[dict]:
        originals = savedpages.extract_file, boilerplate.prune, boilerplate.is_menu

        def extract_file(data, url, path="-", template=None, tree=None):
            self.current = path
            return originals[0](data, url, path, template, tree)

        def prune(body, links, repeated=frozenset()):
            self.pruned[self.current] = (deepcopy(body), links, repeated)
            return originals[1](body, links, repeated)

        def is_menu(body):
            share = boilerplate.menu_share(body)
            if share > boilerplate.MENU_SHARE:
                self.menus[self.current] = (share, deepcopy(body))
            return share > boilerplate.MENU_SHARE

        patched = extract_file, prune, is_menu
        try:
            with applied({(boilerplate, "MENU_SHARE"): min(MENU_SHARES)}):
                savedpages.extract_file, boilerplate.prune, boilerplate.is_menu = patched
                return savedpages.extract_files(inputs)
        finally:
            savedpages.extract_file, boilerplate.prune, boilerplate.is_menu = originals

    def replay(self, page_id: str) -> str:
        """The page's text under the settings now applied, as extract_article would give it.
        prune runs on the recorded body with its removals noted rather than made, and its
        tests of a block memoised for the page; the body is copied and rendered only for a set
        of removals not seen before on the page."""
        if page_id not in self.pruned:
            return ""
        share, fast = self.menus.get(page_id, (0.0, None))
        base = "slow" if fast is None or share > boilerplate.MENU_SHARE else "fast"
        body, links, repeated = self._base(page_id, base)
        memo = self.memo.setdefault(page_id, {})
        removed: list = []
        patches = {(boilerplate, "remove"): removed.append,
                   (boilerplate, "words"): _memoised(memo, "words", boilerplate.words, lambda t: t),
                   (boilerplate, "_is_links"): _memoised(memo, "links", boilerplate._is_links,
                                                         lambda t, _: (t, boilerplate.LINK_SHARE)),
                   (boilerplate, "_is_call_to_action"): _memoised(
                       memo, "cta", boilerplate._is_call_to_action,
                       lambda t, n: (t, boilerplate.SHORT, boilerplate.URL_LINE))}
        with applied(patches):
            boilerplate.prune(body, links, repeated)
        order = self.order[(page_id, base)]
        key = (base, tuple(sorted({order[id(el)] for el in removed})))
        if key not in memo:
            copy = deepcopy(body)
            elements = list(copy.iter())
            for index in key[1]:
                boilerplate.remove(elements[index])
            text = markdown.normalise_text(markdown.xmltotxt(copy, False))
            memo[key] = text if len(text) >= extract.MIN_TEXT_CHARS else ""
        return memo[key]

    def _base(self, page_id: str, base: str):
        """The body prune was handed (or the fast mode's, for a page read as a menu), its leading
        headings dropped once as prune drops them, so that a dry run of prune sees what it would."""
        if (page_id, base) not in self.bases:
            body, links, repeated = self.pruned[page_id]
            body = deepcopy(body if base == "slow" else self.menus[page_id][1])
            boilerplate._drop_leading_headings(body)
            self.bases[(page_id, base)] = body, links, repeated
            # the element proxies are kept alive with the body, so that their ids stay theirs
            elements = list(body.iter())
            self.order[(page_id, base)] = {id(el): i for i, el in enumerate(elements)}
            self.alive.append(elements)
        return self.bases[(page_id, base)]


def _memoised(memo: dict, name: str, function, key):
    table = memo.setdefault(name, {})

    def call(*args):
        k = key(*args)
        if k not in table:
            table[k] = function(*args)
        return table[k]
    return call


def texts_by_setting(pages) -> tuple[list[dict], list[list[str]], list[dict]]:
    """Every setting, the page texts under each, and the rows of the project's own setting."""
    inputs = [(html, url, page_id) for page_id, url, _, html in pages]
    grid, texts, own_rows = [], [], None
    for full in settings(FULL):
        recorder = Recorder()
        with applied(full):
            rows = recorder.run(inputs)
        if all(getattr(*key) == value for key, value in full.items()):
            own_rows = rows
        for replayed in settings(REPLAYED):
            with applied(replayed):
                texts.append([recorder.replay(page_id) for page_id, *_ in pages])
            grid.append(full | replayed)
    return grid, texts, own_rows


def leave_one_set_out(truths: dict[str, list[str]], grid: list[dict], texts: dict[str, list[list[str]]]):
    """{set: (F1 of the setting chosen on the other sets, that setting)}; `texts[set][s]` are
    the set's page texts under grid[s]."""
    counts = functools.lru_cache(maxsize=None)(page_counts)       # most settings leave most pages alike
    f1 = {name: [score(zip(truths[name], run), counts).f1 for run in texts[name]] for name in truths}
    chosen = {}
    for name in truths:
        others = [other for other in truths if other != name]
        best = max(range(len(grid)), key=lambda s: sum(f1[other][s] for other in others) / len(others))
        chosen[name] = (f1[name][best], grid[best])
    return chosen
