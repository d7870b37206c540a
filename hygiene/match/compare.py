"""Named comparisons with ordered levels, computed over arrays of candidate pairs.

Each comparison turns a pair into a level (0 = "else", higher = more alike, -1 = a value is
missing, which counts as no evidence either way), like Splink's comparison levels, so every
pair can say why it matched. Fuzzy scores come from rapidfuzz's `cpdist` over the distinct
pairs of values, never from a Python loop over pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import distance, fuzz, process

from hygiene.normalize.base import TEXT
from hygiene.runtime import parallel_map

from .features import Coded, Features, Vocab

#: Pairs compared per chunk: bounds the temporaries at a million rows.
CHUNK = 1_000_000
#: Fewer pairs than twice this are compared on one thread.
PARALLEL_MIN = 50_000

Scorer = Callable[..., float]
JW = distance.JaroWinkler.normalized_similarity
#: Optimal string alignment: a transposed pair of characters ("6180" / "6108") is one edit.
OSA = distance.OSA.distance


@dataclass(frozen=True)
class Comparison:
    """A named comparison: `levels[k]` is the evidence text of level k (0 is "else")."""

    name: str
    fields: tuple[str, ...]
    levels: tuple[str, ...]
    #: (level, column): agreement at that level weighs by how common the agreed value of
    #: the column is (Splink's term-frequency adjustment); level -1 is the top level.
    tf: tuple[tuple[int, str], ...] = ()

    def tf_levels(self) -> list[tuple[int, str]]:
        """`tf` with -1 resolved to the top level."""
        return [(lv if lv >= 0 else len(self.levels) - 1, col) for lv, col in self.tf]


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "email",
        ("email",),
        (
            "email differs",
            "email local part equal (not spelt from the name)",
            "email one typo apart",
            "email equal under provider rules (dots, +tag)",
            "email equal after normalisation",
        ),
        # A mailbox name shared by many (info@, the bare first name) says less.
        tf=((1, "email_local"),),
    ),
    Comparison(
        "first_name",
        ("first_name",),
        (
            "first name differs",
            "first name {score}",
            "first name {score}",
            "first name nickname ({a}/{b})",
            "first name equal",
        ),
        tf=((-1, "first_name"),),
    ),
    Comparison(
        "last_name",
        ("last_name",),
        ("last name differs", "last name {score}", "last name {score}", "last name equal"),
        tf=((-1, "last_name"),),
    ),
    Comparison(
        "phone",
        ("phone", "mobile_phone"),
        ("phone differs", "phone one digit apart", "phone equal (E.164)"),
    ),
    Comparison(
        "company",
        ("company",),
        (
            "company differs",
            "company {score}",
            "company {score}",
            "company equal without legal form",
        ),
    ),
    Comparison(
        "street",
        ("street",),
        ("street differs", "street {score}", "street {score}", "street equal"),
    ),
    # City and postcode are one comparison with joint levels: in a real export they move
    # together (two comparisons would count one agreement twice), and where they do not
    # (FEBRL), "both equal" learns its own, higher weight.
    Comparison(
        "place",
        ("postal_code", "city"),
        (
            "postcode and city differ",
            "city {score}",
            "city equal",
            "postcode one character apart",
            "postcode one character apart, city alike",
            "postcode equal",
            "postcode and city equal",
        ),
        tf=((6, "postal_code"), (5, "postal_code"), (2, "city")),
    ),
    Comparison(
        "birth_date",
        ("birth_date",),
        (
            "birth date differs",
            "birth date one typo apart",
            "birthday (month and day) equal, one has no year",
            "birth date equal",
        ),
    ),
)


def active(f: Features, comparisons: tuple[Comparison, ...] = COMPARISONS) -> list[Comparison]:
    """The comparisons whose fields hold data in these sources."""
    return [c for c in comparisons if any(f.has(x) for x in c.fields)]


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
    # A hash table, not np.unique's sort: 4-6x faster on millions of pairs.
    inv, uk = pd.factorize(key)
    a = col.vocab[uk // v]
    b = col.vocab[uk % v]
    run: Any = process.cpdist  # rapidfuzz's overloads do not cover object arrays
    s = run(a, b, scorer=scorer, workers=-1, dtype=dtype, score_cutoff=score_cutoff)
    return np.asarray(s).reshape(-1)[inv]


def _levels(conds: list[np.ndarray], n: int) -> np.ndarray:
    """Level = index of the strongest true condition (conds ordered weakest first), else 0."""
    g = np.zeros(n, dtype=np.int8)
    for k, c in enumerate(conds, start=1):
        g[c] = k
    return g


def _fuzzy(
    col: Coded, cl: np.ndarray, cr: np.ndarray, scorer: Scorer, cuts: tuple[float, ...]
) -> np.ndarray:
    """Levels for exact (top) and `cuts` (ascending) of a similarity, else 0; -1 if missing."""
    n = len(cl)
    both = (cl >= 0) & (cr >= 0)
    exact = both & (cl == cr)
    todo = np.flatnonzero(both & ~exact)
    sim = np.zeros(n, dtype=np.float32)
    sim[todo] = pair_scores(col, cl[todo], cr[todo], scorer)
    g = _levels([sim >= c for c in cuts] + [exact], n)
    g[~both] = -1
    return g


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


#: The lowest similarity level of company and street; see `_words`.
WORDS_CUTOFF = 80.0


def compact_vocab(col: Coded) -> Vocab:
    """The vocabulary with spaces removed, position for position."""
    return Vocab(pc.replace_substring(col.text(), " ", ""))


def _words(f: Features, name: str, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    col = f.cols[name]
    cl, cr = col.codes[li], col.codes[ri]
    both = (cl >= 0) & (cr >= 0)
    exact = both & (cl == cr)
    todo = np.flatnonzero(both & ~exact)
    sim = np.zeros(len(li), dtype=np.float32)
    sim[todo] = words_similarity(f, name, cl[todo], cr[todo])
    g = _levels([sim >= WORDS_CUTOFF, sim >= 95.0, exact], len(li))
    g[~both] = -1
    return g


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


def _email(f: Features, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    em, key, local = f.cols["email"], f.cols["email_key"], f.cols["email_local"]
    el, er = em.codes[li], em.codes[ri]
    kl, kr = key.codes[li], key.codes[ri]
    both = (el >= 0) & (er >= 0)
    exact = both & (el == er)
    keyeq = both & (kl >= 0) & (kl == kr)
    lc_l, lc_r = local.codes[li], local.codes[ri]
    dom = f.cols["email_domain"]
    same_dom = (dom.codes[li] >= 0) & (dom.codes[li] == dom.codes[ri])
    # One typo changes the local part or the domain, not both: test only those pairs.
    todo = np.flatnonzero(both & ~keyeq & (((lc_l >= 0) & (lc_l == lc_r)) | same_dom))
    todo = todo[one_edit_possible(f, "email", el[todo], er[todo])]
    typo = np.zeros(len(li), dtype=bool)
    typo[todo] = pair_scores(em, el[todo], er[todo], OSA, np.int32, score_cutoff=2) <= 1
    # Two mailbox names spelt from the same person's name (namesakes: benjamin.rogers at two
    # employers, sebastienpetit / sebastien.petit) agree because the names do: no evidence.
    named = f.name_like_local[li] & f.name_like_local[ri]
    typo &= ~named
    local_eq = both & (lc_l >= 0) & (lc_l == lc_r) & ~named
    g = _levels([local_eq, typo, keyeq, exact], len(li))
    g[~both] = -1
    return g


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


def _first_name(f: Features, li: np.ndarray, ri: np.ndarray, swap: np.ndarray) -> np.ndarray:
    col = f.cols["first_name"]
    li, ri = orient(f, li, ri, swap)
    cl = col.codes[li]
    cr = np.where(swap, f.cols["last_name"].codes[ri], col.codes[ri])
    both = (cl >= 0) & (cr >= 0)
    exact = both & (cl == cr)
    todo = np.flatnonzero(both & ~exact)
    sim = np.zeros(len(li), dtype=np.float32)
    sim[todo] = pair_scores(col, cl[todo], cr[todo], JW)
    v = np.int64(len(col.vocab))
    lo, hi = np.minimum(cl, cr).astype(np.int64), np.maximum(cl, cr).astype(np.int64)
    nick = both & ~exact & np.isin(lo * v + hi, f.nick_keys)
    # "J" against "John": an initial agrees with the full name it abbreviates.
    lens, init = f.cached("shape:names", lambda: vocab_shape(col))
    if len(lens):
        a, b = np.where(both, cl, 0), np.where(both, cr, 0)
        initial = both & ((lens[a] == 1) | (lens[b] == 1)) & (init[a] == init[b])
    else:
        initial = np.zeros(len(li), dtype=bool)
    g = _levels([(sim >= 0.80) | initial, sim >= 0.92, nick, exact], len(li))
    g[~both] = -1
    return g


def _last_name(f: Features, li: np.ndarray, ri: np.ndarray, swap: np.ndarray) -> np.ndarray:
    col = f.cols["last_name"]
    li, ri = orient(f, li, ri, swap)
    cr = np.where(swap, f.cols["first_name"].codes[ri], col.codes[ri])
    return _fuzzy(col, col.codes[li], cr, JW, (0.80, 0.92))


def _phone(f: Features, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    p, m = f.cols["phone"], f.cols["mobile_phone"]
    pl, pr, ml, mr = p.codes[li], p.codes[ri], m.codes[li], m.codes[ri]
    any_l, any_r = (pl >= 0) | (ml >= 0), (pr >= 0) | (mr >= 0)
    eq = np.zeros(len(li), dtype=bool)
    for a, b in ((pl, pr), (pl, mr), (ml, pr), (ml, mr)):
        eq |= (a >= 0) & (a == b)
    # Typo test on the first number each side holds.
    a = np.where(pl >= 0, pl, ml)
    b = np.where(pr >= 0, pr, mr)
    todo = np.flatnonzero(any_l & any_r & ~eq)
    todo = todo[one_edit_possible(f, "phone", a[todo], b[todo])]
    typo = np.zeros(len(li), dtype=bool)
    typo[todo] = pair_scores(p, a[todo], b[todo], OSA, np.int32, score_cutoff=2) <= 1
    g = _levels([typo, eq], len(li))
    g[~(any_l & any_r)] = -1
    return g


def _edit1(f: Features, name: str, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    col = f.cols[name]
    cl, cr = col.codes[li], col.codes[ri]
    both = (cl >= 0) & (cr >= 0)
    exact = both & (cl == cr)
    todo = np.flatnonzero(both & ~exact)
    todo = todo[one_edit_possible(f, name, cl[todo], cr[todo])]
    near = np.zeros(len(li), dtype=bool)
    near[todo] = pair_scores(col, cl[todo], cr[todo], OSA, np.int32, score_cutoff=2) <= 1
    g = _levels([near, exact], len(li))
    g[~both] = -1
    return g


def _place(f: Features, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    pc = _edit1(f, "postal_code", li, ri)  # -1 missing, 0 differs, 1 one edit, 2 equal
    city = f.cols["city"]
    c = _fuzzy(city, city.codes[li], city.codes[ri], JW, (0.88,))  # -1, 0, 1 similar, 2 eq
    alike = c >= 1
    g = np.select(
        [pc == 2, pc == 1, c == 2, c == 1],
        [np.where(alike, 6, 5), np.where(alike, 4, 3), 2, 1],
        default=0,
    ).astype(np.int8)
    g[(pc < 0) & (c < 0)] = -1
    return g


def _birth_date(f: Features, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    col = f.cols["birth_date"]
    g = _edit1(f, "birth_date", li, ri)
    g[g == 2] = 3
    # Values are "YYYY-MM-DD", or "--MM-DD" for a birthday with no year (year -2 below).
    parts = pd.Series(col.vocab.tolist(), dtype=object).str.extract(
        r"^(\d{4}|--)-?(\d{2})-(\d{2})$"
    )
    parts[0] = parts[0].replace("--", "-2")
    ymd = parts.fillna(-1).astype(np.int64).to_numpy()
    todo = np.flatnonzero((g == 0) | (g == 1))
    a, b = ymd[col.codes[li][todo]], ymd[col.codes[ri][todo]]
    # A birthday with no year agrees with a birth date on the same month and day, and
    # disagrees with one on another: the year is unknown, never guessed.
    no_year = ((a[:, 0] == -2) != (b[:, 0] == -2)) & (a[:, 0] != -1) & (b[:, 0] != -1)
    g[todo[no_year]] = np.where((a[no_year, 1] == b[no_year, 1]) & (a[no_year, 2] == b[no_year, 2]),
                                2, 0)
    # Day and month transposed (05/04 vs 04/05) is the classic date-entry slip.
    flip = (a[:, 0] >= 0) & (a[:, 0] == b[:, 0]) & (a[:, 1] == b[:, 2]) & (a[:, 2] == b[:, 1])
    flip |= (a[:, 0] == -2) & (b[:, 0] == -2) & (a[:, 1] == b[:, 2]) & (a[:, 2] == b[:, 1])
    g[todo[flip & ~no_year & (g[todo] == 0)]] = 1
    return g


def vocab_shape(col: Coded) -> tuple[np.ndarray, np.ndarray]:
    """Length and first-character code of each vocabulary value (-1 for empty)."""
    arr = col.text()
    lens = np.asarray(pc.utf8_length(arr).to_numpy(zero_copy_only=False), dtype=np.int64)
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    init, _ = pd.factorize(pd.Series(pd.array(first, dtype=TEXT)), use_na_sentinel=True)
    return lens, init


def compare(
    f: Features, li: np.ndarray, ri: np.ndarray, comps: list[Comparison]
) -> tuple[np.ndarray, np.ndarray]:
    """Levels of every comparison for pairs (li[k], ri[k]) as int8 [pairs, comparisons], and
    which pairs had their first and last names swapped. Many pairs (the 300k random pairs
    for u, the 300k training pairs) are compared in two halves side by side."""
    if len(li) < 2 * PARALLEL_MIN:
        return _compare(f, li, ri, comps)
    half = (len(li) + 1) // 2
    parts = parallel_map(
        lambda s: _compare(f, li[s : s + half], ri[s : s + half], comps), [0, half]
    )
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _compare(
    f: Features, li: np.ndarray, ri: np.ndarray, comps: list[Comparison]
) -> tuple[np.ndarray, np.ndarray]:
    out = np.empty((len(li), len(comps)), dtype=np.int8)
    swap_all = np.zeros(len(li), dtype=bool)
    for s in range(0, len(li), CHUNK):
        cl, cr = li[s : s + CHUNK], ri[s : s + CHUNK]
        swap = swapped_names(f, cl, cr)
        swap_all[s : s + CHUNK] = swap
        for k, c in enumerate(comps):
            out[s : s + CHUNK, k] = level(f, c, cl, cr, swap)
    return out, swap_all


def possible_levels(
    f: Features, comps: list[Comparison], li: np.ndarray, ri: np.ndarray
) -> np.ndarray:
    """For screening: per pair and comparison, a bit mask of the levels still possible
    after the cheap code-equality tests (bit k = level k; 0 = a value is missing). Fuzzy
    scores are not computed; a pair whose best possible levels cannot reach the threshold
    is dropped before they are."""
    out = np.empty((len(li), len(comps)), dtype=np.uint16)
    for s in range(0, len(li), CHUNK):
        cl, cr = li[s : s + CHUNK], ri[s : s + CHUNK]
        for k, c in enumerate(comps):
            out[s : s + CHUNK, k] = _possible(f, c, cl, cr)
    return out


def _bits(*levels: int) -> int:
    return sum(1 << k for k in levels)


def _eq(col: Coded, li: np.ndarray, ri: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both present; equal (by code)."""
    cl, cr = col.codes[li], col.codes[ri]
    both = (cl >= 0) & (cr >= 0)
    return both, both & (cl == cr)


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
    # no Python string per value (1M emails and 1M phones: 1.2 s as Python strings).
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


def _possible(f: Features, c: Comparison, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    top = len(c.levels) - 1
    m = np.zeros(len(li), dtype=np.uint16)
    if c.name == "email":
        em = f.cols["email"]
        both, exact = _eq(em, li, ri)
        _, key = _eq(f.cols["email_key"], li, ri)
        _, local = _eq(f.cols["email_local"], li, ri)
        _, dom = _eq(f.cols["email_domain"], li, ri)
        near = np.zeros(len(li), dtype=bool)
        todo = np.flatnonzero(both & (dom | local))
        near[todo] = one_edit_possible(f, "email", em.codes[li[todo]], em.codes[ri[todo]])
        # One typo changes the local part or the domain, never both.
        m[both] = _bits(0)
        m[both & dom & near] = _bits(0, 2)
        named = f.name_like_local[li] & f.name_like_local[ri]
        m[both & local & ~named] = _bits(1)
        m[both & local & ~named & near] = _bits(1, 2)
        m[both & named & (local | dom)] = _bits(0)
        m[both & key] = _bits(3)
        m[exact] = _bits(4)
    elif c.name == "place":
        pboth, peq = _eq(f.cols["postal_code"], li, ri)
        cboth, ceq = _eq(f.cols["city"], li, ri)
        # Levels: 0 differ, 1 city similar, 2 city equal, 3 postcode one typo, 4 postcode
        # one typo and city alike, 5 postcode equal, 6 postcode equal and city alike.
        d = f.derived
        _, head = _eq(d["postal_code_head"], li, ri)
        _, tail = _eq(d["postal_code_tail"], li, ri)
        _, same_len = _eq(d["postal_code_len"], li, ri)
        typo = pboth & (head | tail | ~same_len)
        m[cboth] = _bits(0, 1)
        m[ceq] = _bits(2)
        m[pboth & ~typo] = _bits(0, 1)
        m[pboth & ~typo & ceq] = _bits(2)
        m[typo] = _bits(0, 1, 3, 4)
        m[typo & ceq] = _bits(2, 4)
        m[peq] = _bits(5, 6)
        m[peq & ceq] = _bits(6)
    elif c.name == "phone":
        p, mob = f.cols["phone"], f.cols["mobile_phone"]
        pl, pr, ml, mr = p.codes[li], p.codes[ri], mob.codes[li], mob.codes[ri]
        eq = np.zeros(len(li), dtype=bool)
        for a, b in ((pl, pr), (pl, mr), (ml, pr), (ml, mr)):
            eq |= (a >= 0) & (a == b)
        both = ((pl >= 0) | (ml >= 0)) & ((pr >= 0) | (mr >= 0))
        # The typo test compares the first number each side holds (see `_phone`).
        todo = np.flatnonzero(both & ~eq)
        a, b = np.where(pl >= 0, pl, ml)[todo], np.where(pr >= 0, pr, mr)[todo]
        near = np.zeros(len(li), dtype=bool)
        near[todo] = one_edit_possible(f, "phone", a, b)
        m[both] = _bits(0)
        m[both & near] = _bits(0, 1)
        m[eq] = _bits(top)
    else:
        col = f.cols[c.fields[0]]
        cl, cr = col.codes[li], col.codes[ri]
        both = (cl >= 0) & (cr >= 0)
        m[both] = _bits(*range(top))
        m[both & (cl == cr)] = _bits(top)
        if c.name in ("first_name", "last_name"):
            # Names may be compared swapped (see swapped_names): allow either order.
            other = f.cols["last_name" if c.name == "first_name" else "first_name"].codes[ri]
            sboth = (cl >= 0) & (other >= 0)
            m[sboth & ~both] = _bits(*range(top))
            m[sboth & (cl == other)] = _bits(top)
    return m


def level(
    f: Features, c: Comparison, li: np.ndarray, ri: np.ndarray, swap: np.ndarray
) -> np.ndarray:
    """The levels of one comparison for pairs (li, ri)."""
    if c.name == "email":
        return _email(f, li, ri)
    if c.name == "first_name":
        return _first_name(f, li, ri, swap)
    if c.name == "last_name":
        return _last_name(f, li, ri, swap)
    if c.name == "phone":
        return _phone(f, li, ri)
    if c.name in ("company", "street"):
        return _words(f, c.name, li, ri)
    if c.name == "place":
        return _place(f, li, ri)
    if c.name == "birth_date":
        return _birth_date(f, li, ri)
    raise ValueError(f"unknown comparison {c.name!r}")
