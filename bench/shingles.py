"""The article-extraction-benchmark metric (Scrapinghub/Zyte), as its README states it.

Tokens are `\\w+` matches (Unicode, case kept); a text is a multiset of 4-token
shingles. Per page TP, FP and FN are counted on those multisets and normalised
to sum to 1; precision and recall are means over the pages where they are
defined, and F1 is the harmonic mean of those two means.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE = 4


def shingles(text: str, n: int = SHINGLE) -> Counter:
    """The multiset of n-token shingles; a text shorter than n tokens is one shingle."""
    tokens = TOKEN.findall(text or "")
    return Counter(" ".join(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def page_counts(truth: str, predicted: str) -> tuple[float, float, float]:
    """(TP, FP, FN) for one page, normalised to sum to 1 (all 0 when both are empty)."""
    true, pred = shingles(truth), shingles(predicted)
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


@dataclass
class Score:
    precision: float
    recall: float
    f1: float
    pages: int


def score(pairs: Iterable[tuple[str, str]], counts=page_counts) -> Score:
    """Score (truth, predicted) text pairs, one per page (`counts`: page_counts or a cache of it)."""
    precisions, recalls = [], []
    pages = 0
    for truth, predicted in pairs:
        pages += 1
        tp, fp, fn = counts(truth, predicted)
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1, pages)
