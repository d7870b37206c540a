"""Similarity of coded values over arrays of pairs: the scorers the comparison levels use.

Fuzzy scores come from rapidfuzz's `cpdist` over the distinct pairs of values, never from
a Python loop over pairs; the cheap shape tests here rule most pairs out before any score.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import distance, fuzz, process

from hygiene.normalize.base import TEXT

from .features import Coded, Features, Vocab

Scorer = Callable[..., float]
JW = distance.JaroWinkler.normalized_similarity
#: Optimal string alignment: a transposed pair of characters ("6180" / "6108") is one edit.
OSA = distance.OSA.distance
#: The lowest similarity level of company and street; see `words_similarity`.
WORDS_CUTOFF = 80.0


def pair_scores(
    col: Coded,
    cl: np.ndarray,
    cr: np.ndarray,
    scorer: Scorer,
    dtype: type = np.float32,
    score_cutoff: float | None = None,
) -> np.ndarray:
    """`scorer` on the values at codes `cl`/`cr`, computed once per distinct code pair."""
    if len(cl) == 0:
        return np.empty(0, dtype=dtype)
    v = np.int64(len(col.vocab) + 1)
    key = cl.astype(np.int64) * v + cr
    # A hash table, not np.unique's sort, which is slower on millions of pairs.
    inv, uk = pd.factorize(key)
    a = col.vocab[uk // v]
    b = col.vocab[uk % v]
    run: Any = process.cpdist  # rapidfuzz's overloads do not cover object arrays
    s = run(a, b, scorer=scorer, workers=-1, dtype=dtype, score_cutoff=score_cutoff)
    return np.asarray(s).reshape(-1)[inv]


def words_similarity(f: Features, name: str, cl: np.ndarray, cr: np.ndarray) -> np.ndarray:
    """0-100 similarity of multi-word values: token-set ratio (word order, extra words), or
    plain ratio with spaces removed ("kingscotecrescent" / "kingscote crescent"), the higher."""
    col = f.cols[name]
    # Scores under the lowest level (80) only need to be known as "below": the cutoff lets
    # rapidfuzz stop early, and the second scorer runs only where the first fell short.
    ts = pair_scores(col, cl, cr, fuzz.token_set_ratio, score_cutoff=WORDS_CUTOFF)
    key = f"compact:{name}"
    compact = f.cached(key, lambda: Coded(col.codes, compact_vocab(col)))
    low = np.flatnonzero(ts < 95.0)
    ts[low] = np.maximum(
        ts[low], pair_scores(compact, cl[low], cr[low], fuzz.ratio, score_cutoff=WORDS_CUTOFF)
    )
    return ts


def compact_vocab(col: Coded) -> Vocab:
    """The vocabulary with spaces removed, position for position."""
    return Vocab(pc.replace_substring(col.text(), " ", ""))


def vocab_shape(col: Coded) -> tuple[np.ndarray, np.ndarray]:
    """Length and first-character code of each vocabulary value (-1 for empty)."""
    arr = col.text()
    lens = np.asarray(pc.utf8_length(arr).to_numpy(zero_copy_only=False), dtype=np.int64)
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    init, _ = pd.factorize(pd.Series(pd.array(first, dtype=TEXT)), use_na_sentinel=True)
    return lens, init


def edit_shape(col: Coded) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per vocabulary value: its length, and codes of its first and of its last
    (length - 1) // 2 characters. Two values of one length one edit (or one transposition)
    apart agree on at least one of the two; values whose lengths differ by two or more are
    never one edit apart. So most pairs are ruled out without scoring them."""
    arr = col.text()
    lens = np.asarray(pc.utf8_length(arr).to_numpy(zero_copy_only=False), dtype=np.int64)
    head = np.empty(len(arr), dtype=np.int64)
    tail = np.empty(len(arr), dtype=np.int64)
    # Codes need agree only between values of one length (the only ones compared), so each
    # length's slices are dictionary-encoded on their own, offset past the previous ones:
    # no Python string per value.
    used = {"head": 0, "tail": 0}
    for n in np.unique(lens):
        at = np.flatnonzero(lens == n)
        part = arr.take(pa.array(at))
        k = max(int(n - 1) // 2, 0)
        for name, out, (lo, hi) in (("head", head, (0, k)), ("tail", tail, (int(n) - k, int(n)))):
            enc = pc.dictionary_encode(pc.utf8_slice_codeunits(part, lo, hi))
            out[at] = enc.indices.to_numpy(zero_copy_only=False) + used[name]
            used[name] += len(enc.dictionary)
    return lens, head, tail


def one_edit_possible(f: Features, name: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether the values at codes `a` and `b` (both present) can be one edit apart."""
    key = f"edit:{name}"
    lens, head, tail = f.cached(key, lambda: edit_shape(f.cols[name]))
    la, lb = lens[a], lens[b]
    same = (la == lb) & ((head[a] == head[b]) | (tail[a] == tail[b]))
    return same | (np.abs(la - lb) == 1)


def swapped_names(f: Features, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    """Pairs whose first and last names are swapped: exactly, or one name exactly and the
    other with a typo ("Erin Matthews" / "Matthew s, Erin"), while neither name agrees in
    the straight order. First and last names share one vocabulary, so codes compare."""
    col = f.cols["first_name"]
    fl, fr = col.codes[li], col.codes[ri]
    ll, lr = f.cols["last_name"].codes[li], f.cols["last_name"].codes[ri]
    present = (fl >= 0) & (ll >= 0) & (fr >= 0) & (lr >= 0) & (fl != ll)
    straight_differs = present & (fl != fr) & (ll != lr)
    out = straight_differs & (fl == lr) & (ll == fr)
    one = np.flatnonzero(straight_differs & ~out & ((fl == lr) | (ll == fr)))
    if len(one):
        # The other name of the swapped order: a typo apart?
        a = np.where(fl[one] == lr[one], ll[one], fl[one])
        b = np.where(fl[one] == lr[one], fr[one], lr[one])
        out[one] = pair_scores(col, a, b, JW) >= 0.88
    return out


def orient(
    f: Features, li: np.ndarray, ri: np.ndarray, swap: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs with names swapped, put in one order whichever record came first: the record
    whose first name sorts first is the left one (the name vocabulary is sorted, so codes
    compare as the text does). Their first-name comparison then pairs that record's first
    name with the other's last name, in either row order."""
    fc = f.cols["first_name"].codes
    flip = swap & (fc[li] > fc[ri])
    return np.where(flip, ri, li), np.where(flip, li, ri)
