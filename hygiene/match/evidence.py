"""Evidence in words for matched pairs: "email equal after normalisation", "last name 0.93".

Only pairs that end up in a cluster or a link are described, one comparison at a time over
arrays, so the words cost little even with many duplicates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .compare import Comparison, Pairs
from .features import Features


def _word_columns(
    f: Features,
    comps: list[Comparison],
    gammas: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    swap: np.ndarray,
) -> tuple[np.ndarray, list[list[str]]]:
    """The words of each pair as codes: one int32 column per comparison (after one for "first
    and last name swapped"), -1 where it says nothing, and each column's words. A word is
    formatted once per distinct score or name pair, not once per pair."""
    n = len(left)
    codes = np.full((n, len(comps) + 1), -1, dtype=np.int32)
    words: list[list[str]] = [["first and last name swapped"]]
    codes[np.asarray(swap, dtype=bool), 0] = 0
    for k, c in enumerate(comps, start=1):
        g = gammas[:, k - 1]
        hit = np.flatnonzero(g > 0)
        col_words: list[str] = []
        words.append(col_words)
        if len(hit) == 0:
            continue
        for level in np.unique(g[hit]).tolist():
            lv = c.levels[level]
            at = hit[g[hit] == level]
            pairs = Pairs(f, left[at], right[at], swap[at])
            if lv.names is not None:
                a, b = lv.names(pairs)
                vocab = f.cols[c.fields[0]].vocab
                texts = [
                    lv.label.format(a=vocab[x], b=vocab[y])
                    for x, y in zip(a.tolist(), b.tolist(), strict=True)
                ]
                uniq, inv = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
                texts_u = uniq.tolist()
            elif lv.score is not None:
                uniq_sc, inv = np.unique(lv.score(pairs), return_inverse=True)
                texts_u = [lv.label.format(score=f"{v:.2f}") for v in uniq_sc.tolist()]
            else:
                texts_u, inv = [lv.label], np.zeros(len(at), dtype=np.int64)
            codes[at, k] = len(col_words) + inv.reshape(-1)
            col_words.extend(texts_u)
    return codes, words


def _combinations(codes: np.ndarray, words: list[list[str]]) -> tuple[np.ndarray, list[list[str]]]:
    """Each pair's combination of words (an index) and the words of each combination: pairs
    repeat a few thousand combinations, so each is spelt out once."""
    key = np.zeros(len(codes), dtype=np.int64)
    for k in range(codes.shape[1]):  # one integer per combination (np.unique by rows is slow)
        key, _ = pd.factorize(key * (len(words[k]) + 1) + (codes[:, k] + 1))
        key = key.astype(np.int64)
    first = np.unique(key, return_index=True)[1]  # keys are 0..m-1
    spelt = [[words[k][c] for k, c in enumerate(row) if c >= 0] for row in codes[first].tolist()]
    return key, spelt


def describe(
    f: Features,
    comps: list[Comparison],
    gammas: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    swap: np.ndarray,
) -> list[list[str]]:
    """For each pair, the words of every comparison that agreed at some level (strongest
    comparisons first), with "first and last name swapped" where that happened."""
    key, spelt = _combinations(*_word_columns(f, comps, gammas, left, right, swap))
    return [list(spelt[k]) for k in key.tolist()]


def describe_joined(
    f: Features,
    comps: list[Comparison],
    gammas: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    swap: np.ndarray,
) -> np.ndarray:
    """`describe`'s words of each pair joined with "; ", as an object array."""
    key, spelt = _combinations(*_word_columns(f, comps, gammas, left, right, swap))
    return np.asarray(["; ".join(w) for w in spelt], dtype=object)[key]
