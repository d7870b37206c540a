"""The comparisons of duplicate matching, each an ordered list of levels (`levels.Level`).

Adding a level is one `Level(...)` in its comparison; adding a comparison is one entry in
`COMPARISONS` (DEVELOPERS.md, "Adding a comparison level").
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .levels import (
    Comparison,
    Condition,
    Level,
    Pairs,
    at_least,
    both,
    equal,
    equal_level,
    not_both,
    one_edit,
    scored,
    similarity,
    words,
)
from .similarity import JW, OSA, WORDS_CUTOFF, one_edit_possible, orient, pair_scores, vocab_shape

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
        Level("email differs", None, both("email")),
        Level(
            "email local part equal (not spelt from the name)",
            _local_equal,
            _local_equal,
            _local_equal,
        ),
        Level("email one typo apart", _email_typo, _email_typo_possible),
        _MAILBOX,
        equal_level("email equal after normalisation", "email"),
    ),
    not_both("email"),
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
        return scored(p, f"jw:{column}", cl, cr, lambda a, b: pair_scores(col, a, b, JW))

    return sim


def _name_possible(column: str) -> Condition:
    """The name present on both records, in the straight order or across the two orders
    in either direction (`orient` may put either record on the left)."""
    other = _OTHER_NAME[column]

    def possible(p: Pairs) -> np.ndarray:
        cl, cr = p.codes(column)
        ol, orr = p.codes(other)
        return p.both(column) | ((cl >= 0) & (orr >= 0)) | ((cr >= 0) & (ol >= 0))

    return possible


def _name_top_possible(column: str) -> Condition:
    """Equal in the straight order, or across the two orders in either direction: a swap
    compares this name with the other record's other name, and `orient` may put either
    record on the left."""
    other = _OTHER_NAME[column]

    def possible(p: Pairs) -> np.ndarray:
        cl, cr = p.codes(column)
        ol, orr = p.codes(other)
        across = ((cl >= 0) & (cl == orr)) | ((cr >= 0) & (cr == ol))
        return p.equal(column) | across

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
    low = at_least(sim, 0.80)
    first = column == "first_name"
    levels = [
        Level(f"{title} differs", None, possible),
        Level(
            f"{title} {{score}}",
            (lambda p: low(p) | _initial(p)) if first else low,
            possible,
            score=sim,
        ),
        Level(f"{title} {{score}}", at_least(sim, 0.92), possible, score=sim),
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
    sim = words(column)

    def shown(p: Pairs) -> np.ndarray:
        return sim(p) / 100.0

    present = both(column)
    return Comparison(
        column,
        (column,),
        (
            Level(f"{title} differs", None, present),
            Level(f"{title} {{score}}", at_least(sim, WORDS_CUTOFF), present, score=shown),
            Level(f"{title} {{score}}", at_least(sim, 95.0), present, score=shown),
            equal_level(top, column),
        ),
        not_both(column),
    )


COMPANY = _words_comparison("company", "company", "company equal without legal form")
STREET = _words_comparison("street", "street", "street equal")


# Place ------------------------------------------------------------------------------------

_CITY_SIM = similarity("city")
_CITY_CUT = 0.88


def _city_alike(p: Pairs) -> np.ndarray:
    return p.equal("city") | (_CITY_SIM(p) >= _CITY_CUT)


_POSTCODE_NEAR = one_edit("postal_code")


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
        Level("city {score}", at_least(_CITY_SIM, _CITY_CUT), _place_present, score=_CITY_SIM),
        equal_level("city equal", "city"),
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
        equal_level("postcode equal", "postal_code"),
        Level(
            "postcode and city equal",
            lambda p: p.equal("postal_code") & _city_alike(p),
            equal("postal_code"),
            lambda p: p.equal("postal_code") & p.equal("city"),
        ),
    ),
    lambda p: ~_place_present(p),
    tf=((6, "postal_code"), (5, "postal_code"), (2, "city")),
)


# Birth date -------------------------------------------------------------------------------

_BIRTH_NEAR = one_edit("birth_date")


def _ymd(p: Pairs) -> tuple[np.ndarray, np.ndarray]:
    """Year, month, day of both sides' birth dates: "YYYY-MM-DD", or "--MM-DD" for a
    birthday with no year (year -2); -1 where a value is neither or a side has none."""
    col = p.f.cols["birth_date"]

    def ymd_of() -> np.ndarray:
        parts = pd.Series(col.vocab.tolist(), dtype=object).str.extract(
            r"^(\d{4}|--)-?(\d{2})-(\d{2})$"
        )
        parts[0] = parts[0].replace("--", "-2")
        return parts.fillna(-1).astype(np.int64).to_numpy()

    def run() -> tuple[np.ndarray, np.ndarray]:
        ymd = p.f.cached("ymd:birth_date", ymd_of)
        cl, cr = p.codes("birth_date")
        have = np.flatnonzero(p.both("birth_date"))
        a = np.full((len(p), 3), -1, dtype=np.int64)
        b = a.copy()
        a[have], b[have] = ymd[cl[have]], ymd[cr[have]]
        return a, b

    return p.once("ymd", run)


def _one_without_year(p: Pairs) -> np.ndarray:
    """One side a birthday with no year, the other a full date: only month and day can be
    compared, and the year is never guessed."""

    def run() -> np.ndarray:
        a, b = _ymd(p)
        ok = p.both("birth_date") & (a[:, 0] != -1) & (b[:, 0] != -1)
        return ok & ((a[:, 0] == -2) != (b[:, 0] == -2))

    return p.once("birth_no_year", run)


def _birthday_equal(p: Pairs) -> np.ndarray:
    a, b = _ymd(p)
    return _one_without_year(p) & (a[:, 1] == b[:, 1]) & (a[:, 2] == b[:, 2])


def _day_month_swapped(p: Pairs) -> np.ndarray:
    """Day and month transposed (05/04 vs 04/05): the classic date-entry slip, within the
    same year or between two birthdays with no year."""
    a, b = _ymd(p)
    same_year = (a[:, 0] == b[:, 0]) & ((a[:, 0] >= 0) | (a[:, 0] == -2))
    flip = same_year & (a[:, 1] == b[:, 2]) & (a[:, 2] == b[:, 1])
    return p.both("birth_date") & ~p.equal("birth_date") & flip


BIRTH_DATE = Comparison(
    "birth_date",
    ("birth_date",),
    (
        Level("birth date differs", None, both("birth_date")),
        Level(
            "birth date one typo apart",
            lambda p: (_BIRTH_NEAR(p) | _day_month_swapped(p)) & ~_one_without_year(p),
            both("birth_date"),
        ),
        Level(
            "birthday (month and day) equal, one has no year",
            _birthday_equal,
            both("birth_date"),
        ),
        equal_level("birth date equal", "birth_date"),
    ),
    not_both("birth_date"),
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
