"""trafilatura's extraction cascade (trafilatura.core.trafilatura_sequence) with the cleaning
step's options, comments off and balanced focus, run so that a second run with the comparison
pass does not repeat the first.

Cleaning extracts in fast mode and, when fast mode's pick reads as a menu, again with the
comparison pass (readability, jusText). Two calls of trafilatura_sequence would do twice the
stages that do not depend on the mode: pruning the page, the main extraction, the baseline
rescue, the page's text measure and the recall retry's main extraction. Fast mode changes only
one thing in these: in balanced focus, when the main extraction recovers stray text, blocks
whose class or id says "teaser" are kept (trafilatura's comparison pass would judge them
otherwise); so on a page with such blocks the main extraction is run again.
A `Cascade` computes each of these once, when a run first needs it, and hands each run its own
copy of what the run edits. The fast run also skips the copy of the cleaned page that only the
comparison reads. Every stage is trafilatura's own function,
called with the arguments and in the order trafilatura_sequence uses;
tests/pipelines/clean/test_cascade.py checks that both runs give trafilatura_sequence's body.
"""
from __future__ import annotations

from copy import copy
from functools import cached_property

from trafilatura.baseline import baseline, html2txt
from trafilatura.core import (ESCALATION_ACCEPT_RATIO, ESCALATION_JUSTEXT_RATIO, ESCALATION_MAX_LENGTH,
                              ESCALATION_PAGE_SHARE, _forum_thread_page)
from trafilatura.external import compare_extraction, justext_rescue
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.main_extractor import extract_content
from trafilatura.settings import Extractor
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH, TEASER_DISCARD_XPATH


class Cascade:
    """One page's cascade; `run(fast)` gives (body, text) as trafilatura_sequence(tree, options)
    does for that mode. The tree handed in is pruned in place, as trafilatura_sequence prunes it.
    A body that a run returns can be a stage's result that the next run reuses: edit it only once
    no further run is wanted (cleaning prunes the body after the menu check)."""

    def __init__(self, tree, url: str | None):
        self.url = url
        self._first = None            # the fast run's main extraction (body, text), unchanged after it
        self.min_output_size = self.options(True).min_output_size     # a body shorter is no document
        # comments off: the raw tree loses comment sections (and lists), except on a forum thread
        forum = _forum_thread_page(tree)
        self.tree = prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)
        if not forum:
            self.tree = prune_unwanted_nodes(self.tree, REMOVE_COMMENTS_AND_LISTS_XPATH)

    def options(self, fast: bool) -> Extractor:
        return Extractor(url=self.url, fast=fast, comments=False, tables=True, formatting=True, output_format="xml")

    def run(self, fast: bool):
        options = self.options(fast)
        cleaned = tree_cleaning(copy(self.tree), options)
        # the comparison reads the cleaned page before tag conversion; fast mode needs no such copy
        backup = None if fast else copy(cleaned)
        converted = convert_tags(cleaned, options, self.url)
        if fast or self._first is None or TEASER_DISCARD_XPATH[0](converted):
            body, text = extract_content(converted, options)
        else:          # the modes' main extractions differ only in teaser blocks, and the page has none
            body, text = self._first
        if fast:
            self._first = body, text
        else:
            body, text = compare_extraction(backup, copy(self.tree), body, text, options)
        # 3. the baseline on the pruned page, taken if it has more text
        if len(text) < options.min_extracted_size:
            b_body, b_text, b_len = self._baseline
            if b_len > len(text):
                body, text = b_body, b_text
        # 4. a short pick that covers little of the page: the recall retry, and jusText with the
        # comparison pass
        if 0 < len(text) < ESCALATION_MAX_LENGTH and len(text) < ESCALATION_PAGE_SHARE * self._page_length:
            body, text = self._escalate(body, text, options)
        return body, text

    def _escalate(self, body, text: str, options: Extractor):
        r_options = copy(options)
        r_options.focus = "recall"
        r_body, r_text = None, ""
        try:
            r_backup, r_body, r_text = self._recall
            if not options.fast:
                r_body, r_text = compare_extraction(copy(r_backup), copy(self.tree), r_body, r_text, r_options)
        except Exception:           # noqa: BLE001  (trafilatura_sequence's catch: the retry is optional)
            r_text = ""
        j_body, j_text = None, ""
        if not options.fast:
            try:
                j_body, j_text = justext_rescue(copy(self.tree), options)
            except Exception:       # noqa: BLE001  (likewise)
                j_text = ""
        if len(j_text) > len(r_text) and len(j_text) > ESCALATION_JUSTEXT_RATIO * len(text):
            return j_body, j_text
        if len(r_text) >= options.min_extracted_size and len(r_text) > ESCALATION_ACCEPT_RATIO * len(text):
            return r_body, r_text
        return body, text

    @cached_property
    def _baseline(self):
        return baseline(self.tree)            # it copies the tree

    @cached_property
    def _page_length(self) -> int:
        return len(html2txt(self.tree))       # likewise

    @cached_property
    def _recall(self):
        """The recall retry's cleaned page (for the comparison) and its main extraction."""
        options = self.options(True)
        options.focus = "recall"
        cleaned = tree_cleaning(copy(self.tree), options)
        backup = copy(cleaned)
        body, text = extract_content(convert_tags(cleaned, options, self.url), options)
        return backup, body, text
