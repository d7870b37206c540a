"""The parts of a comparison: a batch of pairs, the level object, the comparison that
orders levels, and the conditions most levels are made of.

A condition is a vectorised function of a `Pairs` batch (one bool, or one score, per pair).
The batch reads coded features (`features.Features`), so the same definitions run on one
file's pairs (`compare.compare`) and on a batch of pairs given as two frames
(`compare.compare_batch`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .features import Features
from .similarity import JW, OSA, one_edit_possible, pair_scores, words_similarity


class Pairs:
    """A batch of record pairs (left[k], right[k]): row numbers into coded features, and
    which pairs have first and last names swapped (`similarity.swapped_names`). Per-pair
    arrays several levels read (both present, a similarity) are computed once per batch
    through `once`."""

    def __init__(
        self, f: Features, left: np.ndarray, right: np.ndarray, swap: np.ndarray | None = None
    ) -> None:
        # As numpy's index type: an int32 index array is cast to it on every gather, and
        # a batch gathers a dozen columns on each side.
        self.f = f
        self.left = np.asarray(left, dtype=np.intp)
        self.right = np.asarray(right, dtype=np.intp)
        self.swap = np.zeros(len(left), dtype=bool) if swap is None else swap
        self._memo: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.left)

    def fresh(self) -> Pairs:
        """The same pairs with nothing computed yet (one comparison's arrays are let go
        before the next comparison's are made)."""
        return Pairs(self.f, self.left, self.right, self.swap)

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """The column's codes on each side (-1 missing)."""
        codes = self.f.cols[column].codes
        return self.once(f"codes:{column}", lambda: (codes[self.left], codes[self.right]))

    def both(self, column: str) -> np.ndarray:
        """Both sides hold a value."""
        cl, cr = self.codes(column)
        return self.once(f"both:{column}", lambda: (cl >= 0) & (cr >= 0))

    def equal(self, column: str) -> np.ndarray:
        """Both sides hold the same value."""
        cl, cr = self.codes(column)
        return self.once(f"equal:{column}", lambda: self.both(column) & (cl == cr))

    def derived(self, column: str) -> np.ndarray:
        """Both sides hold the same value of a derived key (`features.derive`)."""
        codes = self.f.derived[column].codes

        def eq() -> np.ndarray:
            cl, cr = codes[self.left], codes[self.right]
            return (cl >= 0) & (cr >= 0) & (cl == cr)

        return self.once(f"derived:{column}", eq)


#: A vectorised test over a batch of pairs: one bool per pair.
Condition = Callable[[Pairs], np.ndarray]


@dataclass(frozen=True)
class Level:
    """One level of a comparison.

    `when`: the pairs at this level or above it (None for level 0, "else"). `possible`:
    from code equality alone (no fuzzy score), the pairs that may be at this level;
    `sure`: the pairs known from it to be at this level or above, so no lower level is
    possible for them. `score`: the similarity (0-1) a "{score}" label shows; `names`: the
    two names (codes into the first-name vocabulary) a "{a}/{b}" label shows."""

    label: str
    when: Condition | None
    possible: Condition
    sure: Condition | None = None
    score: Condition | None = None
    names: Callable[[Pairs], tuple[np.ndarray, np.ndarray]] | None = None


@dataclass(frozen=True)
class Comparison:
    """A named comparison: ordered levels (0 is "else"), and which pairs have a value
    missing (level -1)."""

    name: str
    fields: tuple[str, ...]
    levels: tuple[Level, ...]
    missing: Condition
    #: (level, column): agreement at that level weighs by how common the agreed value of
    #: the column is (Splink's term-frequency adjustment); level -1 is the top level.
    tf: tuple[tuple[int, str], ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        """Each level's evidence text."""
        return tuple(lv.label for lv in self.levels)

    def tf_levels(self) -> list[tuple[int, str]]:
        """`tf` with -1 resolved to the top level."""
        return [(lv if lv >= 0 else len(self.levels) - 1, col) for lv, col in self.tf]

    def level_of(self, pairs: Pairs) -> np.ndarray:
        """The level of each pair (int8): the highest level whose condition holds, 0 if
        none does, -1 where a value is missing."""
        p = pairs.fresh()
        g = np.zeros(len(p), dtype=np.int8)
        for k, lv in enumerate(self.levels):
            if lv.when is not None:
                g[lv.when(p)] = k
        g[self.missing(p)] = -1
        return g

    def possible(self, pairs: Pairs) -> np.ndarray:
        """Per pair, a bit mask of the levels still possible after the cheap code-equality
        tests (bit k = level k): possible and below no level that is sure."""
        p = pairs.fresh()
        done: dict[int, np.ndarray] = {}

        def ev(cond: Condition) -> np.ndarray:
            # Levels share conditions (every partial level of a name is possible where
            # both names are present): each is evaluated once.
            if id(cond) not in done:
                done[id(cond)] = cond(p)
            return done[id(cond)]

        # Levels with one condition and the same sure levels above them: one bit group.
        groups: dict[tuple[int, int], int] = {}
        masked: dict[tuple[int, int], np.ndarray] = {}
        above: np.ndarray | None = None
        version = 0
        for k in range(len(self.levels) - 1, -1, -1):
            lv = self.levels[k]
            key = (id(lv.possible), version)
            if key not in masked:
                cond = ev(lv.possible)
                masked[key] = cond if above is None else cond & ~above
                groups[key] = 0
            groups[key] |= 1 << k
            if lv.sure is not None:
                sure = ev(lv.sure)
                above = sure if above is None else above | sure
                version += 1
        m = np.zeros(len(p), dtype=np.uint16)
        for key, bits in groups.items():
            m |= masked[key] * np.uint16(bits)
        return m


def scored(
    p: Pairs, key: str, cl: np.ndarray, cr: np.ndarray, score: Callable[..., np.ndarray]
) -> np.ndarray:
    """`score(todo, cl, cr)` where both values are present and differ, else 0 (float32)."""

    def run() -> np.ndarray:
        both = (cl >= 0) & (cr >= 0)
        todo = np.flatnonzero(both & (cl != cr))
        sim = np.zeros(len(cl), dtype=np.float32)
        sim[todo] = score(cl[todo], cr[todo])
        return sim

    return p.once(key, run)


def similarity(column: str) -> Condition:
    """Jaro-Winkler similarity of a column's differing values."""

    def sim(p: Pairs) -> np.ndarray:
        col = p.f.cols[column]
        cl, cr = p.codes(column)
        return scored(p, f"jw:{column}", cl, cr, lambda a, b: pair_scores(col, a, b, JW))

    return sim


def at_least(score: Condition, cut: float) -> Condition:
    return lambda p: score(p) >= cut


def words(column: str) -> Condition:
    """`words_similarity` (0-100) of a column's differing values."""

    def sim(p: Pairs) -> np.ndarray:
        cl, cr = p.codes(column)
        return scored(
            p, f"words:{column}", cl, cr, lambda a, b: words_similarity(p.f, column, a, b)
        )

    return sim


def one_edit(column: str) -> Condition:
    """Differing values one edit (or one transposition) apart."""

    def near(p: Pairs) -> np.ndarray:
        def run() -> np.ndarray:
            col = p.f.cols[column]
            cl, cr = p.codes(column)
            todo = np.flatnonzero(p.both(column) & ~p.equal(column))
            todo = todo[one_edit_possible(p.f, column, cl[todo], cr[todo])]
            out = np.zeros(len(p), dtype=bool)
            out[todo] = pair_scores(col, cl[todo], cr[todo], OSA, np.int32, score_cutoff=2) <= 1
            return out

        return p.once(f"edit1:{column}", run)

    return near


def both(column: str) -> Condition:
    return lambda p: p.both(column)


def equal(column: str) -> Condition:
    return lambda p: p.equal(column)


def not_both(column: str) -> Condition:
    return lambda p: ~p.both(column)


def equal_level(label: str, column: str) -> Level:
    """A level that holds where both values of `column` are equal: a code test, so it is
    its own `possible` and `sure`."""
    eq = equal(column)
    return Level(label, eq, eq, eq)
