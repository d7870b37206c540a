"""Evidence in words for matched pairs: "email equal after normalisation", "last name 0.93".

Only pairs that end up in a cluster or a link are described, one comparison at a time over
arrays, so the words cost little even with many duplicates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .compare import JW, Comparison, orient, pair_scores, words_similarity
from .features import Features

#: Comparisons whose "{score}" levels show a similarity, with the scorer's scale.
_SCORED = {"first_name": 1.0, "last_name": 1.0, "company": 100.0, "street": 100.0, "place": 1.0}


def _scores(
    f: Features, c: Comparison, left: np.ndarray, right: np.ndarray, swap: np.ndarray
) -> np.ndarray:
    col = f.cols["city" if c.name == "place" else c.fields[0]]
    if c.name in ("first_name", "last_name"):
        left, right = orient(f, left, right, swap)
    cl = col.codes[left]
    cr = col.codes[right]
    if c.name in ("first_name", "last_name"):
        other = f.cols["last_name" if c.name == "first_name" else "first_name"].codes[right]
        cr = np.where(swap, other, cr)
    ok = (cl >= 0) & (cr >= 0)
    out = np.zeros(len(left), dtype=np.float32)
    idx = np.flatnonzero(ok)
    if _SCORED[c.name] == 100.0:
        out[idx] = words_similarity(f, c.fields[0], cl[idx], cr[idx]) / 100.0
    else:
        out[idx] = pair_scores(col, cl[idx], cr[idx], JW)
    return out


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
        col = f.cols[c.fields[0]]
        for level in np.unique(g[hit]).tolist():
            t = c.levels[level]
            at = hit[g[hit] == level]
            if "{a}" in t:
                lo, ro = orient(f, left[at], right[at], swap[at])
                other = np.where(swap[at], f.cols["last_name"].codes[ro], col.codes[ro])
                texts = [t.format(a=col.vocab[a], b=col.vocab[b])
                         for a, b in zip(col.codes[lo].tolist(), other.tolist(),
                                         strict=True)]
                uniq, inv = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
                texts_u = uniq.tolist()
            elif "{score}" in t:
                sc = (_scores(f, c, left[at], right[at], swap[at]) if c.name in _SCORED
                      else np.zeros(len(at), dtype=np.float32))
                uniq_sc, inv = np.unique(sc, return_inverse=True)
                texts_u = [t.format(score=f"{v:.2f}") for v in uniq_sc.tolist()]
            else:
                texts_u, inv = [t], np.zeros(len(at), dtype=np.int64)
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
