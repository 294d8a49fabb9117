"""The benchmark metric on hand-made examples whose figures can be worked out by hand."""
from collections import Counter

import pytest

from bench.shingles import page_counts, score, shingles


def test_shingles_are_four_word_windows_counted_as_a_multiset():
    assert shingles("a b c d e") == Counter({"a b c d": 1, "b c d e": 1})
    assert shingles("x y z w x y z w") == Counter({"x y z w": 2, "y z w x": 1, "z w x y": 1, "w x y z": 1})
    assert shingles("Short one") == Counter({"Short one": 1})          # fewer than 4 tokens: one shingle
    assert shingles("") == Counter() and shingles("?!") == Counter()
    assert shingles("Ünïcode, wörds-are tokens; Case Kept") == Counter(
        {"Ünïcode wörds are tokens": 1, "wörds are tokens Case": 1, "are tokens Case Kept": 1})


def test_page_counts_are_normalised():
    truth = "one two three four five six"              # 3 shingles
    assert page_counts(truth, truth) == (1.0, 0.0, 0.0)
    tp, fp, fn = page_counts(truth, "one two three four five seven")     # 2 shared, 1 extra, 1 missed
    assert (tp, fp, fn) == pytest.approx((0.5, 0.25, 0.25))
    assert page_counts("", "") == (0.0, 0.0, 0.0)


def test_score_averages_per_page_then_takes_the_harmonic_mean():
    truth = "one two three four five six"
    pages = [(truth, truth),                                   # P 1, R 1
             (truth, truth + " seven eight nine ten"),         # 3 TP, 4 FP: P 3/7, R 1
             (truth, "")]                                      # P undefined, R 0
    s = score(pages)
    precision, recall = (1 + 3 / 7) / 2, (1 + 1 + 0) / 3
    assert s.precision == pytest.approx(precision) and s.recall == pytest.approx(recall)
    assert s.f1 == pytest.approx(2 * precision * recall / (precision + recall))
    assert s.pages == 3
