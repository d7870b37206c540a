"""Comparisons as ordered lists of levels, evaluated over arrays of candidate pairs.

A comparison turns each pair into a level: 0 ("else"), higher = more alike, -1 = a value is
missing (no evidence either way), as in Splink, where a comparison is built from an ordered
list of comparison levels. Each `Level` (levels.py) is defined once: its label (the
evidence text), its condition, and what cheap code-equality tests say about whether it is
possible (for screening, `possible_levels`). Conditions are small vectorised functions of a
`Pairs` batch; a pair's level is the highest level whose condition holds.

The comparisons are defined in comparisons.py: adding a level is one `Level(...)` there,
adding a comparison one entry in `COMPARISONS` (its weights are learnt). This module runs
them; other modules import comparisons, levels and the entry points from here.

Two entry points evaluate the same definitions:

- `compare(f, left, right, comps)`: pairs as row numbers into one file's coded features
  (the local engine; values are coded once, fuzzy scores are computed once per distinct
  pair of values);
- `compare_batch(left, right)`: a batch of pairs given as two prepared match frames, row k
  of one against row k of the other. It needs nothing but the batch, and a pair's levels do
  not depend on the other pairs in it, so another engine can call it on its own batches (a
  Spark `mapInPandas` over pandas batches of pairs) and get the levels the local engine gets.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hygiene.runtime import parallel_map

from .comparisons import (
    BIRTH_DATE,
    COMPANY,
    COMPARISONS,
    EMAIL,
    EMAIL_SAME,
    FIRST_NAME,
    LAST_NAME,
    PHONE,
    PLACE,
    STREET,
)
from .features import Features, encode_frames
from .levels import Comparison, Condition, Level, Pairs
from .similarity import one_edit_possible, swapped_names

__all__ = [
    "BIRTH_DATE",
    "COMPANY",
    "COMPARISONS",
    "EMAIL",
    "EMAIL_SAME",
    "FIRST_NAME",
    "LAST_NAME",
    "PHONE",
    "PLACE",
    "STREET",
    "Comparison",
    "Condition",
    "Level",
    "Pairs",
    "active",
    "compare",
    "compare_batch",
    "level",
    "one_edit_possible",
    "possible_levels",
]

#: Pairs compared per chunk: bounds the temporaries at a million rows.
CHUNK = 1_000_000
#: Fewer pairs than twice this are compared on one thread.
PARALLEL_MIN = 50_000


def active(f: Features, comparisons: tuple[Comparison, ...] = COMPARISONS) -> list[Comparison]:
    """The comparisons whose fields hold data in these sources."""
    return [c for c in comparisons if any(f.has(x) for x in c.fields)]


def level(
    f: Features, c: Comparison, li: np.ndarray, ri: np.ndarray, swap: np.ndarray
) -> np.ndarray:
    """The levels of one comparison for pairs (li, ri) with names swapped where `swap`."""
    return c.level_of(Pairs(f, li, ri, swap))


def compare(
    f: Features, li: np.ndarray, ri: np.ndarray, comps: Sequence[Comparison]
) -> tuple[np.ndarray, np.ndarray]:
    """Levels of every comparison for pairs (li[k], ri[k]) as int8 [pairs, comparisons], and
    which pairs had their first and last names swapped. Many pairs (the random pairs for u,
    the training pairs) are compared in two halves side by side."""
    if len(li) < 2 * PARALLEL_MIN:
        return _compare(f, li, ri, comps)
    half = (len(li) + 1) // 2
    parts = parallel_map(
        lambda s: _compare(f, li[s : s + half], ri[s : s + half], comps), [0, half]
    )
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _compare(
    f: Features, li: np.ndarray, ri: np.ndarray, comps: Sequence[Comparison]
) -> tuple[np.ndarray, np.ndarray]:
    out = np.empty((len(li), len(comps)), dtype=np.int8)
    swap_all = np.zeros(len(li), dtype=bool)
    for s in range(0, len(li), CHUNK):
        cl, cr = li[s : s + CHUNK], ri[s : s + CHUNK]
        swap = swapped_names(f, cl, cr)
        swap_all[s : s + CHUNK] = swap
        pairs = Pairs(f, cl, cr, swap)
        for k, c in enumerate(comps):
            out[s : s + CHUNK, k] = c.level_of(pairs)
    return out, swap_all


def possible_levels(
    f: Features, comps: Sequence[Comparison], li: np.ndarray, ri: np.ndarray
) -> np.ndarray:
    """For screening: per pair and comparison, a bit mask of the levels still possible
    after the cheap code-equality tests (bit k = level k; 0 = a value is missing), from
    each level's `possible` and `sure`. Fuzzy scores are not computed; a pair whose best
    possible levels cannot reach the threshold is dropped before they are."""
    out = np.empty((len(li), len(comps)), dtype=np.uint16)
    for s in range(0, len(li), CHUNK):
        pairs = Pairs(f, li[s : s + CHUNK], ri[s : s + CHUNK])
        for k, c in enumerate(comps):
            out[s : s + CHUNK, k] = c.possible(pairs)
    return out


def compare_batch(
    left: pd.DataFrame,
    right: pd.DataFrame,
    comparisons: Sequence[Comparison] = COMPARISONS,
) -> pd.DataFrame:
    """The level of every pair (left row k, right row k) in each comparison.

    `left` and `right` are prepared match frames of equal length (`frame.prepare`: the
    columns of `features.MATCH_COLUMNS`, text, missing as NaN; absent columns count as
    missing). Returns one int8 column per comparison, named after it (-1 = a value is
    missing, 0 = differs, higher = more alike; the labels are `Comparison.labels`), and
    `swapped_names` (bool). A pair's levels depend on its two records only, so batches can
    be any size and order: this is what an engine other than the local one calls per batch.
    """
    if len(left) != len(right):
        raise ValueError(f"left has {len(left)} rows and right {len(right)}: pairs need both")
    n = len(left)
    f = encode_frames([left.reset_index(drop=True), right.reset_index(drop=True)], ["l", "r"])
    li = np.arange(n, dtype=np.int64)
    g, swap = compare(f, li, li + n, comparisons)
    out = pd.DataFrame({c.name: g[:, k] for k, c in enumerate(comparisons)})
    out["swapped_names"] = swap
    return out
