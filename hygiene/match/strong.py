"""Strong matches beside Fellegi-Sunter: one mailbox with names that do not contradict.

Weights learnt from a noisy file can leave "same email" below the threshold when the
other fields are typed badly or left empty (Splink's fake_20000: 745 missed pairs shared
an identical address). An identical address is rarely shared by two people whose names
agree, so a pair with the same email after normalisation (or under provider rules) and
compatible names is a match whatever the other fields say; names that disagree (a family
or role address: john and mary at smith.family@) leave the pair to the model.
Compatibility is read from the comparison levels the pair already has: no per-pair work.
"""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz

from .compare import EMAIL_SAME, Comparison
from .features import Coded, Features, Vocab
from .similarity import JW, pair_scores, vocab_shape


def _column(comps: list[Comparison], name: str) -> int | None:
    return next((k for k, c in enumerate(comps) if c.name == name), None)


def compatible_names(comps: list[Comparison], gammas: np.ndarray) -> np.ndarray:
    """Names that do not contradict: each of first and last name is missing on a side
    (level -1) or alike at some level (exact, nickname, Jaro-Winkler >= 0.80, an initial);
    names compared swapped count as their swapped levels."""
    ok = np.ones(len(gammas), dtype=bool)
    for name in ("first_name", "last_name"):
        k = _column(comps, name)
        if k is not None:
            ok &= gammas[:, k] != 0
    return ok


def same_mailbox(comps: list[Comparison], gammas: np.ndarray) -> np.ndarray:
    """Pairs whose email is one mailbox (equal after normalisation or under provider rules)."""
    k = _column(comps, "email")
    if k is None:
        return np.zeros(len(gammas), dtype=bool)
    return gammas[:, k] >= EMAIL_SAME


def email_name_matches(
    f: Features, comps: list[Comparison], gammas: np.ndarray, left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    """One mailbox and compatible names: a strong match. Names the levels call different
    are looked at again across the two orders (a swap with one name left empty)."""
    mailbox = same_mailbox(comps, gammas)
    out = mailbox & compatible_names(comps, gammas)
    again = np.flatnonzero(mailbox & ~out)
    if len(again) and f.has("first_name") and f.has("last_name"):
        la, ra = left[again], right[again]
        out[again] = ~different_names(f, la, ra, "first_name") & ~different_names(
            f, la, ra, "last_name"
        )
    return out


def floor_weight(probability: float) -> float:
    """log2 odds of a probability (the weight a strong match is raised to)."""
    p = min(max(probability, 1e-12), 1 - 1e-12)
    return float(np.log2(p / (1 - p)))


#: Two spellings whose letters, sorted, are this alike (0-100) are one name typed badly
#: ("Eamm" / "Emma", "ymilE" / "Emily"), not two names ("John" / "Mary": 0).
LETTERS_ALIKE = 80.0


def _sorted_letters(col: Coded) -> Vocab:
    """Each vocabulary value's characters sorted, position for position (once per value)."""
    return Vocab(["".join(sorted(v)) for v in col.vocab.tolist()])


def _alike(f: Features, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Name codes `a`, `b` (shared first/last vocabulary; -1 missing) that are one name:
    equal, a nickname, an initial, Jaro-Winkler >= 0.80 or the same letters in another
    order (as the first-name comparison's levels, plus anagrams). Missing: False."""
    out = np.zeros(len(a), dtype=bool)
    both = np.flatnonzero((a >= 0) & (b >= 0))
    if len(both) == 0:
        return out
    a, b = a[both], b[both]
    col = f.cols["first_name"]
    v = np.int64(len(col.vocab))
    lens, init = f.cached("shape:names", lambda: vocab_shape(col))
    # Equal; else a nickname (Bob / Robert), an initial (J / John), or close by Jaro-Winkler.
    # Each test looks only at the pairs the ones before left undecided.
    alike = a == b
    rest = np.flatnonzero(~alike)
    ar, br = a[rest], b[rest]
    lo, hi = np.minimum(ar, br).astype(np.int64), np.maximum(ar, br).astype(np.int64)
    alike[rest] = np.isin(lo * v + hi, f.nick_keys) | (
        ((lens[ar] == 1) | (lens[br] == 1)) & (init[ar] == init[br])
    )
    rest = np.flatnonzero(~alike)
    alike[rest] = pair_scores(col, a[rest], b[rest], JW) >= 0.80
    rest = np.flatnonzero(~alike)
    if len(rest):
        letters = f.cached("letters:names", lambda: Coded(col.codes, _sorted_letters(col)))
        alike[rest] = pair_scores(letters, a[rest], b[rest], fuzz.ratio) >= LETTERS_ALIKE
    out[both] = alike
    return out


def different_names(
    f: Features, left: np.ndarray, right: np.ndarray, name: str = "first_name"
) -> np.ndarray:
    """`name` (first_name or last_name) present on both records, and two names: neither
    is alike (equal, close, or the same letters in another order) to any name of the other
    record, so first and last name swapped, with or without one of them left empty, is
    not a difference."""
    other = "last_name" if name == "first_name" else "first_name"
    nl, nr = f.cols[name].codes[left], f.cols[name].codes[right]
    ol, or_ = f.cols[other].codes[left], f.cols[other].codes[right]
    out = (nl >= 0) & (nr >= 0)
    at = np.flatnonzero(out)
    nl, nr, ol, or_ = nl[at], nr[at], ol[at], or_[at]
    alike = _alike(f, nl, nr)
    # Most pairs of one mailbox share the name: the swapped orders only for the rest.
    rest = np.flatnonzero(~alike)
    alike[rest] = _alike(f, nl[rest], or_[rest]) | _alike(f, nr[rest], ol[rest])
    out[at] = ~alike
    return out


def mailbox_conflict(
    f: Features, left: np.ndarray, right: np.ndarray, email_level: np.ndarray
) -> np.ndarray:
    """One mailbox (`email_level` >= EMAIL_SAME) under two different first names (a family
    or role address: john and mary at smith.family@), with neither phone nor birth date
    equal to say they are one person after all. Such records are two people."""
    out = np.zeros(len(left), dtype=bool)
    at = np.flatnonzero(email_level >= EMAIL_SAME)
    if len(at) == 0 or not f.has("first_name"):
        return out
    la, ra = left[at], right[at]
    differ = different_names(f, la, ra, "first_name")
    same = np.zeros(len(at), dtype=bool)
    for name in ("phone", "mobile_phone", "birth_date"):
        col = f.cols[name]
        same |= (col.codes[la] >= 0) & (col.codes[la] == col.codes[ra])
    if f.has("phone") and f.has("mobile_phone"):  # phone on one record, mobile on the other
        p, m = f.cols["phone"].codes, f.cols["mobile_phone"].codes
        same |= ((p[la] >= 0) & (p[la] == m[ra])) | ((m[la] >= 0) & (m[la] == p[ra]))
    out[at] = differ & ~same
    return out
