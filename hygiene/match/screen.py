"""Comparisons of candidate pairs in stages, dropping pairs that can no longer match.

Before any comparison runs, each pair's best reachable match weight is known from code
equality alone (`compare.possible_levels`, `fs.best_weight`). The comparisons then run in
stages, cheapest first; after each stage the best still-possible weight of every pair is
updated with the levels it actually got, and pairs below the floor are dropped. The screen
is exact: a pair that could reach the floor is never dropped, and a pair that is kept gets
every comparison, so the result is the one of comparing every pair in full.

On a large export most candidates are dropped before the costly company and street
similarities run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hygiene.runtime import parallel_map

from . import fs
from .compare import Comparison, level, possible_levels
from .features import Features
from .similarity import orient, swapped_names

#: Comparisons by cost: exact code tests and one-edit checks first, then the names
#: (Jaro-Winkler per distinct pair of a small vocabulary), then company and street
#: (token-set similarity of values that are nearly all distinct).
STAGES: tuple[tuple[str, ...], ...] = (
    ("email", "phone", "place", "birth_date"),
    ("first_name", "last_name"),
    ("company", "street"),
)


#: Candidate pairs per screening chunk. Small enough that two threads share the last chunks
#: evenly (5M candidates in 1M chunks left one thread idle for the fifth).
CHUNK = 250_000


@dataclass
class Compared:
    """The pairs that may still reach the floor, with every comparison's level."""

    index: np.ndarray  # positions in the candidate arrays
    gammas: np.ndarray  # int8 [pairs, comparisons]
    swap: np.ndarray  # first and last names swapped
    #: Comparison levels computed (pairs x comparisons, summed over stages).
    computed: int


def _stages(comps: Sequence[Comparison]) -> list[list[int]]:
    """Comparison positions per stage; any comparison no stage names runs last."""
    out = [[k for k, c in enumerate(comps) if c.name in names] for names in STAGES]
    staged = {k for ks in out for k in ks}
    out.append([k for k in range(len(comps)) if k not in staged])
    return [ks for ks in out if ks]


def compare_screened(
    f: Features,
    comps: list[Comparison],
    model: fs.Model,
    left: np.ndarray,
    right: np.ndarray,
    floor_weight: float,
    keep_same_mailbox: bool = False,
) -> Compared:
    """Compare candidate pairs (left[i], right[i]) in stages, keeping those whose match
    weight can still reach `floor_weight` (log2 odds). With `keep_same_mailbox`, pairs with
    one email key (possible strong matches, `strong.py`) are kept and compared in full
    whatever their weight.

    Chunks of pairs are compared on two threads: the work is numpy and rapidfuzz, which
    release the GIL, and in an audit this is the tail of matching, after the checks have
    given the second core back."""
    stages = _stages(comps)
    # Rounding of the running sums must never drop a pair exactly at the floor.
    floor = floor_weight - 1e-9

    def chunk(s0: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        return _screen_chunk(f, comps, model, stages, left, right, s0, floor, keep_same_mailbox)

    parts = parallel_map(chunk, range(0, len(left), CHUNK))
    if not parts:
        return Compared(
            np.empty(0, dtype=np.int64),
            np.empty((0, len(comps)), dtype=np.int8),
            np.empty(0, dtype=bool),
            0,
        )
    return Compared(
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        sum(p[3] for p in parts),
    )


def _screen_chunk(
    f: Features,
    comps: list[Comparison],
    model: fs.Model,
    stages: list[list[int]],
    left: np.ndarray,
    right: np.ndarray,
    s0: int,
    floor_weight: float,
    keep_same_mailbox: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """One chunk of `compare_screened`: positions kept, their levels, swaps, levels computed."""
    # As numpy's index type: every gather below would cast an int32 index array again.
    cl = left[s0 : s0 + CHUNK].astype(np.intp)
    cr = right[s0 : s0 + CHUNK].astype(np.intp)
    if keep_same_mailbox:
        key = f.cols["email_key"].codes
        mailbox = (key[cl] >= 0) & (key[cl] == key[cr])
    else:
        mailbox = np.zeros(len(cl), dtype=bool)
    possible = possible_levels(f, comps, cl, cr)
    bound = np.full(len(cl), fs.prior_weight(model))
    best = []
    for k in range(len(comps)):
        best.append(fs.best_weight(model, k, possible[:, k], cl, right=cr))
        bound += best[k]
    del possible
    alive = np.flatnonzero((bound >= floor_weight) | mailbox)
    la, ra, b = cl[alive], cr[alive], bound[alive]
    protect = mailbox[alive]
    swap = swapped_names(f, la, ra)
    ol, orr = orient(f, la, ra, swap)
    g = np.zeros((len(alive), len(comps)), dtype=np.int8)
    idx = np.arange(len(alive))  # pairs still alive, as positions in la/ra
    computed = 0
    for ks in stages:
        for k in ks:
            lv = level(f, comps[k], la[idx], ra[idx], swap[idx])
            g[idx, k] = lv
            b[idx] += (
                fs.level_weight(model, k, lv, ol[idx], right=orr[idx], swap=swap[idx])
                - best[k][alive[idx]]
            )
            computed += len(idx)
        idx = idx[(b[idx] >= floor_weight) | protect[idx]]
    return s0 + alive[idx], g[idx], swap[idx], computed
