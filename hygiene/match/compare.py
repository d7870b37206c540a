"""Comparisons as ordered lists of levels, evaluated over arrays of candidate pairs.

A comparison turns each pair into a level: 0 ("else"), higher = more alike, -1 = a value is
missing (no evidence either way), as in Splink, where a comparison is built from an ordered
list of comparison levels. Each `Level` here is defined once: its label (the evidence text),
its condition, and what cheap code-equality tests say about whether it is possible (for
screening, `possible_levels`). Conditions are small vectorised functions of a `Pairs` batch;
a pair's level is the highest level whose condition holds.

Adding a level or a comparison is one entry in `COMPARISONS` (and its weights are learnt).

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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hygiene.runtime import parallel_map

from .features import Features, encode_frames
from .similarity import (
    JW,
    OSA,
    WORDS_CUTOFF,
    one_edit_possible,
    orient,
    pair_scores,
    swapped_names,
    vocab_shape,
    words_similarity,
)

#: Pairs compared per chunk: bounds the temporaries at a million rows.
CHUNK = 1_000_000
#: Fewer pairs than twice this are compared on one thread.
PARALLEL_MIN = 50_000


class Pairs:
    """A batch of record pairs (left[k], right[k]): row numbers into coded features, and
    which pairs have first and last names swapped (`similarity.swapped_names`). Per-pair
    arrays several levels read (both present, a similarity) are computed once per batch
    through `once`."""

    def __init__(
        self, f: Features, left: np.ndarray, right: np.ndarray, swap: np.ndarray | None = None
    ) -> None:
        self.f, self.left, self.right = f, left, right
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


def _scored(
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


def _similarity(column: str) -> Condition:
    """Jaro-Winkler similarity of a column's differing values."""

    def sim(p: Pairs) -> np.ndarray:
        col = p.f.cols[column]
        cl, cr = p.codes(column)
        return _scored(p, f"jw:{column}", cl, cr, lambda a, b: pair_scores(col, a, b, JW))

    return sim


def _at_least(score: Condition, cut: float) -> Condition:
    return lambda p: score(p) >= cut


def _words(column: str) -> Condition:
    """`words_similarity` (0-100) of a column's differing values."""

    def sim(p: Pairs) -> np.ndarray:
        cl, cr = p.codes(column)
        return _scored(
            p, f"words:{column}", cl, cr, lambda a, b: words_similarity(p.f, column, a, b)
        )

    return sim


def _one_edit(column: str) -> Condition:
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


def _both(column: str) -> Condition:
    return lambda p: p.both(column)


def _equal(column: str) -> Condition:
    return lambda p: p.equal(column)


def _not_both(column: str) -> Condition:
    return lambda p: ~p.both(column)


# Email ------------------------------------------------------------------------------------


def _named(p: Pairs) -> np.ndarray:
    """Both mailbox names spelt from the person's own names (benjamin.rogers at two
    employers): they agree because the names do, which is no evidence of its own."""
    nl = p.f.name_like_local
    return p.once("named", lambda: nl[p.left] & nl[p.right])


def _local_equal(p: Pairs) -> np.ndarray:
    return p.both("email") & p.equal("email_local") & ~_named(p)


def _email_typo(p: Pairs) -> np.ndarray:
    def run() -> np.ndarray:
        el, er = p.codes("email")
        # One typo changes the local part or the domain, not both: test only those pairs.
        same_part = p.equal("email_local") | p.equal("email_domain")
        todo = np.flatnonzero(p.both("email") & ~p.equal("email_key") & same_part)
        todo = todo[one_edit_possible(p.f, "email", el[todo], er[todo])]
        typo = np.zeros(len(p), dtype=bool)
        col = p.f.cols["email"]
        typo[todo] = pair_scores(col, el[todo], er[todo], OSA, np.int32, score_cutoff=2) <= 1
        return typo & ~_named(p)

    return p.once("email_typo", run)


def _email_typo_possible(p: Pairs) -> np.ndarray:
    el, er = p.codes("email")
    near = np.zeros(len(p), dtype=bool)
    todo = np.flatnonzero(p.both("email") & (p.equal("email_domain") | p.equal("email_local")))
    near[todo] = one_edit_possible(p.f, "email", el[todo], er[todo])
    return near & ~_named(p) & (p.equal("email_local") | p.equal("email_domain"))


def _key_equal(p: Pairs) -> np.ndarray:
    return p.both("email") & p.equal("email_key")


#: "Equal under provider rules": the email levels from here up mean one mailbox.
_MAILBOX = Level(
    "email equal under provider rules (dots, +tag)", _key_equal, _key_equal, _key_equal
)

EMAIL = Comparison(
    "email",
    ("email",),
    (
        Level("email differs", None, _both("email")),
        Level(
            "email local part equal (not spelt from the name)",
            _local_equal,
            _local_equal,
            _local_equal,
        ),
        Level("email one typo apart", _email_typo, _email_typo_possible),
        _MAILBOX,
        Level(
            "email equal after normalisation",
            _equal("email"),
            _equal("email"),
            _equal("email"),
        ),
    ),
    _not_both("email"),
    # A mailbox name shared by many (info@, the bare first name) says less.
    tf=((1, "email_local"),),
)
#: Email levels at or above this one mean "one mailbox" (`strong.py`).
EMAIL_SAME = EMAIL.levels.index(_MAILBOX)


# Names ------------------------------------------------------------------------------------

_OTHER_NAME = {"first_name": "last_name", "last_name": "first_name"}


def _name_codes(column: str) -> Callable[[Pairs], tuple[np.ndarray, np.ndarray]]:
    """The codes a name comparison compares: pairs with names swapped put in one order
    (`similarity.orient`), their name against the other's other name."""

    def codes(p: Pairs) -> tuple[np.ndarray, np.ndarray]:
        def run() -> tuple[np.ndarray, np.ndarray]:
            li, ri = orient(p.f, p.left, p.right, p.swap)
            cr = np.where(
                p.swap, p.f.cols[_OTHER_NAME[column]].codes[ri], p.f.cols[column].codes[ri]
            )
            return p.f.cols[column].codes[li], cr

        return p.once(f"name:{column}", run)

    return codes


def _name_both(column: str) -> Condition:
    def both(p: Pairs) -> np.ndarray:
        cl, cr = _name_codes(column)(p)
        return (cl >= 0) & (cr >= 0)

    return both


def _name_equal(column: str) -> Condition:
    def equal(p: Pairs) -> np.ndarray:
        cl, cr = _name_codes(column)(p)
        return (cl >= 0) & (cr >= 0) & (cl == cr)

    return equal


def _name_similarity(column: str) -> Condition:
    def sim(p: Pairs) -> np.ndarray:
        col = p.f.cols[column]
        cl, cr = _name_codes(column)(p)
        return _scored(p, f"jw:{column}", cl, cr, lambda a, b: pair_scores(col, a, b, JW))

    return sim


def _name_possible(column: str) -> Condition:
    """The name present on both records, in the straight or the swapped order."""
    other = _OTHER_NAME[column]

    def possible(p: Pairs) -> np.ndarray:
        cl, _ = p.codes(column)
        _, orr = p.codes(other)
        return p.both(column) | ((cl >= 0) & (orr >= 0))

    return possible


def _name_top_possible(column: str) -> Condition:
    """Equal in the straight order, or across the two orders (a swap may compare them)."""
    other = _OTHER_NAME[column]

    def possible(p: Pairs) -> np.ndarray:
        cl, _ = p.codes(column)
        _, orr = p.codes(other)
        return p.equal(column) | ((cl >= 0) & (orr >= 0) & (cl == orr))

    return possible


def _initial(p: Pairs) -> np.ndarray:
    """ "J" against "John": an initial agrees with the full name it abbreviates."""
    col = p.f.cols["first_name"]
    cl, cr = _name_codes("first_name")(p)
    both = (cl >= 0) & (cr >= 0)
    lens, init = p.f.cached("shape:names", lambda: vocab_shape(col))
    if not len(lens):
        return np.zeros(len(p), dtype=bool)
    a, b = np.where(both, cl, 0), np.where(both, cr, 0)
    return both & ((lens[a] == 1) | (lens[b] == 1)) & (init[a] == init[b])


def _nickname(p: Pairs) -> np.ndarray:
    cl, cr = _name_codes("first_name")(p)
    v = np.int64(len(p.f.cols["first_name"].vocab))
    lo, hi = np.minimum(cl, cr).astype(np.int64), np.maximum(cl, cr).astype(np.int64)
    return _name_both("first_name")(p) & (cl != cr) & np.isin(lo * v + hi, p.f.nick_keys)


def _name_comparison(column: str, title: str) -> Comparison:
    """Differs, Jaro-Winkler >= 0.80 (or an initial, for first names), >= 0.92 (scores
    shown), a nickname (first names), equal; compared across the two orders where the
    names are swapped."""
    sim = _name_similarity(column)
    possible = _name_possible(column)
    top = _name_top_possible(column)
    low = _at_least(sim, 0.80)
    first = column == "first_name"
    levels = [
        Level(f"{title} differs", None, possible),
        Level(
            f"{title} {{score}}",
            (lambda p: low(p) | _initial(p)) if first else low,
            possible,
            score=sim,
        ),
        Level(f"{title} {{score}}", _at_least(sim, 0.92), possible, score=sim),
    ]
    if first:
        levels.append(
            Level("first name nickname ({a}/{b})", _nickname, possible, names=_name_codes(column))
        )
    levels.append(Level(f"{title} equal", _name_equal(column), top, top))
    both = _name_both(column)
    return Comparison(column, (column,), tuple(levels), lambda p: ~both(p), tf=((-1, column),))


FIRST_NAME = _name_comparison("first_name", "first name")
LAST_NAME = _name_comparison("last_name", "last name")


# Phone ------------------------------------------------------------------------------------


def _phone_sides(p: Pairs) -> tuple[np.ndarray, np.ndarray]:
    pl, pr = p.codes("phone")
    ml, mr = p.codes("mobile_phone")
    return p.once("phone_sides", lambda: ((pl >= 0) | (ml >= 0), (pr >= 0) | (mr >= 0)))


def _phone_equal(p: Pairs) -> np.ndarray:
    """Any number of one record equal to any number of the other (phone or mobile)."""

    def run() -> np.ndarray:
        pl, pr = p.codes("phone")
        ml, mr = p.codes("mobile_phone")
        eq = np.zeros(len(p), dtype=bool)
        for a, b in ((pl, pr), (pl, mr), (ml, pr), (ml, mr)):
            eq |= (a >= 0) & (a == b)
        return eq

    return p.once("phone_equal", run)


def _phone_pairs(p: Pairs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs with numbers on both sides and none equal, that may be one typo apart, and
    the first number each side holds (the one the typo test compares)."""

    def run() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pl, pr = p.codes("phone")
        ml, mr = p.codes("mobile_phone")
        any_l, any_r = _phone_sides(p)
        a, b = np.where(pl >= 0, pl, ml), np.where(pr >= 0, pr, mr)
        todo = np.flatnonzero(any_l & any_r & ~_phone_equal(p))
        todo = todo[one_edit_possible(p.f, "phone", a[todo], b[todo])]
        return todo, a[todo], b[todo]

    return p.once("phone_pairs", run)


def _phone_typo(p: Pairs) -> np.ndarray:
    todo, a, b = _phone_pairs(p)
    typo = np.zeros(len(p), dtype=bool)
    typo[todo] = pair_scores(p.f.cols["phone"], a, b, OSA, np.int32, score_cutoff=2) <= 1
    return typo


def _phone_typo_possible(p: Pairs) -> np.ndarray:
    near = np.zeros(len(p), dtype=bool)
    near[_phone_pairs(p)[0]] = True
    return near


def _phone_both(p: Pairs) -> np.ndarray:
    any_l, any_r = _phone_sides(p)
    return any_l & any_r


PHONE = Comparison(
    "phone",
    ("phone", "mobile_phone"),
    (
        Level("phone differs", None, _phone_both),
        Level("phone one digit apart", _phone_typo, _phone_typo_possible),
        Level("phone equal (E.164)", _phone_equal, _phone_equal, _phone_equal),
    ),
    lambda p: ~_phone_both(p),
)


# Company, street --------------------------------------------------------------------------


def _words_comparison(column: str, title: str, top: str) -> Comparison:
    """Differs, similarity >= 80 and >= 95 (scores shown), equal."""
    words = _words(column)

    def shown(p: Pairs) -> np.ndarray:
        return words(p) / 100.0

    both = _both(column)
    return Comparison(
        column,
        (column,),
        (
            Level(f"{title} differs", None, both),
            Level(f"{title} {{score}}", _at_least(words, WORDS_CUTOFF), both, score=shown),
            Level(f"{title} {{score}}", _at_least(words, 95.0), both, score=shown),
            Level(top, _equal(column), _equal(column), _equal(column)),
        ),
        _not_both(column),
    )


COMPANY = _words_comparison("company", "company", "company equal without legal form")
STREET = _words_comparison("street", "street", "street equal")


# Place ------------------------------------------------------------------------------------

_CITY_SIM = _similarity("city")
_CITY_CUT = 0.88


def _city_alike(p: Pairs) -> np.ndarray:
    return p.equal("city") | (_CITY_SIM(p) >= _CITY_CUT)


_POSTCODE_NEAR = _one_edit("postal_code")


def _postcode_typo_possible(p: Pairs) -> np.ndarray:
    """Postcodes one edit apart keep their first or last (len - 1) // 2 characters, or
    differ in length by one (the derived keys of `features.derive`)."""
    same_len = p.derived("postal_code_len")
    head, tail = p.derived("postal_code_head"), p.derived("postal_code_tail")
    return p.both("postal_code") & (head | tail | ~same_len)


def _place_present(p: Pairs) -> np.ndarray:
    return p.both("postal_code") | p.both("city")


# City and postcode are one comparison with joint levels: in a real export they move
# together (two comparisons would count one agreement twice), and where they do not
# (FEBRL), "both equal" learns its own, higher weight.
PLACE = Comparison(
    "place",
    ("postal_code", "city"),
    (
        Level("postcode and city differ", None, _place_present),
        Level("city {score}", _at_least(_CITY_SIM, _CITY_CUT), _place_present, score=_CITY_SIM),
        Level("city equal", _equal("city"), _equal("city"), _equal("city")),
        Level(
            "postcode one character apart",
            _POSTCODE_NEAR,
            lambda p: _postcode_typo_possible(p) & ~p.equal("city"),
        ),
        Level(
            "postcode one character apart, city alike",
            lambda p: _POSTCODE_NEAR(p) & _city_alike(p),
            _postcode_typo_possible,
        ),
        Level(
            "postcode equal", _equal("postal_code"), _equal("postal_code"), _equal("postal_code")
        ),
        Level(
            "postcode and city equal",
            lambda p: p.equal("postal_code") & _city_alike(p),
            _equal("postal_code"),
            lambda p: p.equal("postal_code") & p.equal("city"),
        ),
    ),
    lambda p: ~_place_present(p),
    tf=((6, "postal_code"), (5, "postal_code"), (2, "city")),
)


# Birth date -------------------------------------------------------------------------------

_BIRTH_NEAR = _one_edit("birth_date")


def _day_month_swapped(p: Pairs) -> np.ndarray:
    """Day and month transposed (05/04 vs 04/05): the classic date-entry slip."""
    col = p.f.cols["birth_date"]

    def ymd_of() -> np.ndarray:
        parts = pd.Series(col.vocab.tolist(), dtype=object).str.extract(
            r"^(\d{4})-(\d{2})-(\d{2})$"
        )
        return parts.fillna(-1).astype(np.int64).to_numpy()

    ymd = p.f.cached("ymd:birth_date", ymd_of)
    cl, cr = p.codes("birth_date")
    todo = np.flatnonzero(p.both("birth_date") & ~p.equal("birth_date") & ~_BIRTH_NEAR(p))
    a, b = ymd[cl[todo]], ymd[cr[todo]]
    flip = (a[:, 0] >= 0) & (a[:, 0] == b[:, 0]) & (a[:, 1] == b[:, 2]) & (a[:, 2] == b[:, 1])
    out = np.zeros(len(p), dtype=bool)
    out[todo[flip]] = True
    return out


BIRTH_DATE = Comparison(
    "birth_date",
    ("birth_date",),
    (
        Level("birth date differs", None, _both("birth_date")),
        Level(
            "birth date one typo apart",
            lambda p: _BIRTH_NEAR(p) | _day_month_swapped(p),
            _both("birth_date"),
        ),
        Level("birth date equal", _equal("birth_date"), _equal("birth_date"), _equal("birth_date")),
    ),
    _not_both("birth_date"),
)


COMPARISONS: tuple[Comparison, ...] = (
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    PHONE,
    COMPANY,
    STREET,
    PLACE,
    BIRTH_DATE,
)


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
