"""Evidence in words for matched pairs: "email equal after normalisation", "last name 0.93".

Only pairs that end up in a cluster or a link are described, one comparison at a time over
arrays, so the words cost little even with many duplicates.
"""

from __future__ import annotations

import numpy as np

from .compare import JW, Comparison, pair_scores, words_similarity
from .features import Features

#: Comparisons whose "{score}" levels show a similarity, with the scorer's scale.
_SCORED = {"first_name": 1.0, "last_name": 1.0, "company": 100.0, "street": 100.0, "place": 1.0}


def _scores(
    f: Features, c: Comparison, left: np.ndarray, right: np.ndarray, swap: np.ndarray
) -> np.ndarray:
    col = f.cols["city" if c.name == "place" else c.fields[0]]
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
    words: list[list[str]] = [["first and last name swapped"] if s else [] for s in swap]
    for k, c in enumerate(comps):
        g = gammas[:, k]
        hit = np.flatnonzero(g > 0)
        if len(hit) == 0:
            continue
        template = np.asarray(c.levels, dtype=object)[g[hit]]
        need_score = np.fromiter(("{score}" in t for t in template), bool, len(hit))
        scores = np.zeros(len(hit), dtype=np.float32)
        if need_score.any() and c.name in _SCORED:
            sub = hit[need_score]
            scores[need_score] = _scores(f, c, left[sub], right[sub], swap[sub])
        col = f.cols[c.fields[0]]
        for j, (i, t, sc) in enumerate(
            zip(hit.tolist(), template.tolist(), scores.tolist(), strict=True)
        ):
            if "{a}" in t:
                a = col.vocab[col.codes[left[i]]]
                b_code = (f.cols["last_name"] if swap[i] else col).codes[right[i]]
                t = t.format(a=a, b=col.vocab[b_code])
            elif need_score[j]:
                t = t.format(score=f"{sc:.2f}")
            words[i].append(t)
    return words
