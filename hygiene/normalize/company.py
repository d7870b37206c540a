"""Company names: cleaned for display, keyed for matching.

cleanco's legal-form term list drives `company_key`. cleanco compares each of its terms with
each name in Python (40 us per name); here the suffix loop runs once per distinct run of
trailing legal words ("Pty Ltd", "GmbH & Co. KG": a few hundred in a million contacts), and
names in printable ASCII (nearly all) are split, looked up and joined with Arrow kernels.
Other names take the same steps in Python; a test checks the two agree.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from cleanco.clean import normalized, prepare_default_terms, strip_punct, strip_tail

from ._arrow import flat, to_numpy_mask
from ._text import fold
from .base import arrow, text, unique_map
from .names import _nfkc_collapse
from .nulls import nullify

_SPACES = re.compile(r"\s+")
#: Printable ASCII only: the one white space is " ", casefold is lower(), no accents.
_PLAIN = r"^[\x20-\x7e]*$"
#: cleanco's strip_tail: trailing symbols other than letters, digits, "_" and ".".
_TAIL = r"[^.\w]+$"
#: Longest run of trailing legal words coded as one integer (cleanco's longest term has 4).
_MAX_RUN = 7
_NULL = pa.scalar(None, pa.string())


def clean_company(s: pd.Series) -> pd.Series:
    """NFKC and white space collapsed; casing kept as typed (brands choose their own)."""

    def apply(u: pd.Series) -> pd.Series:
        return text(_nfkc_collapse(u))

    return unique_map(nullify(s), apply)


@cache
def _legal_terms() -> list[tuple[int, dict[tuple[str, ...], list[int]]]]:
    """cleanco's default terms, per size (largest first): term -> its positions in order."""
    by_size: dict[int, dict[tuple[str, ...], list[int]]] = {}
    for pos, (size, parts) in enumerate(prepare_default_terms()):
        by_size.setdefault(size, {}).setdefault(tuple(parts), []).append(pos)
    return sorted(by_size.items(), key=lambda kv: -kv[0])


@cache
def _legal_words() -> pa.Array:
    """Every word of every term: only runs of these can be a legal form."""
    return pa.array(sorted({w for _, terms in _legal_terms() for t in terms for w in t}))


def _legal_removed(nparts: list[str]) -> int:
    """How many trailing words cleanco.basename removes from a name split into `nparts`
    (casefolded, accents and . , - removed).

    cleanco's loop, in its term order: each term size costs one dictionary look-up per
    removed suffix instead of a comparison with each of its 321 terms.
    """
    nparts = list(nparts)
    n = len(nparts)
    for size, positions in _legal_terms():
        cursor = 0
        while len(nparts) >= size:
            found = positions.get(tuple(nparts[-size:]))
            if not found:
                break
            k = bisect_left(found, cursor)
            if k == len(found):
                break
            del nparts[-size:]
            cursor = found[k] + 1
    return n - len(nparts)


def _legal_basename(name: str) -> str:
    """cleanco.basename(name): the name without trailing legal forms (Inc, GmbH, Pty Ltd)."""
    name = strip_tail(name)
    parts = name.split()
    # cleanco's normalized() decomposes and tests every character; ASCII needs casefold only.
    folded = name.casefold() if name.isascii() else normalized(name)
    removed = _legal_removed([strip_punct(p) for p in folded.split()])
    return strip_tail(" ".join(parts[: max(len(parts) - removed, 0)]))


def _company_key(value: str) -> str | None:
    base = _legal_basename(unicodedata.normalize("NFKC", value)) or value
    key = _SPACES.sub(" ", re.sub(r"[^\w\s]|_", "", fold(base))).strip()
    words = [w for w in key.split(" ") if w != "and"]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words) or None


class _Words:
    """The words of each value of a string array (split on spaces, empty words dropped),
    flat: `words[i]` belongs to value `row[i]`, and is `from_end[i]` words from its end."""

    def __init__(self, arr: pa.Array) -> None:
        lists = pc.split_pattern(arr, " ")
        words = lists.flatten()
        row = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)
        keep = to_numpy_mask(pc.greater(pc.utf8_length(words), 0))
        self.n = len(arr)
        self.words = words.filter(pa.array(keep))
        self.row = row[keep]
        self.count = np.bincount(self.row, minlength=self.n)
        starts = np.concatenate(([0], np.cumsum(self.count)[:-1]))
        self.from_end = self.count[self.row] - 1 - (np.arange(len(self.row)) - starts[self.row])

    def join(self, keep: np.ndarray) -> pa.Array:
        """Each value's kept words joined with one space."""
        counts = np.bincount(self.row[keep], minlength=self.n)
        offsets = pa.array(np.concatenate(([0], np.cumsum(counts))).astype(np.int32))
        lists = pa.ListArray.from_arrays(offsets, self.words.filter(pa.array(keep)))
        return pc.binary_join(lists, " ")


def _removed_plain(w: _Words) -> np.ndarray:
    """`_legal_removed` for every value, computed once per distinct run of trailing legal
    words; -1 where the run is too long to code (those values take the Python path)."""
    nparts = pc.replace_substring_regex(pc.ascii_lower(w.words), r"[.,\-]", "")
    code = np.asarray(pc.index_in(nparts, _legal_words()).fill_null(-1), dtype=np.int64)
    run = w.count.copy()
    outside = code < 0
    np.minimum.at(run, w.row[outside], w.from_end[outside])
    tail = ~outside & (w.from_end < run[w.row]) & (run[w.row] <= _MAX_RUN)
    base = len(_legal_words()) + 1
    key = np.zeros(w.n, dtype=np.int64)
    np.add.at(key, w.row[tail], (code[tail] + 1) * base ** w.from_end[tail])
    removed = np.zeros(w.n, dtype=np.int64)
    removed[run > _MAX_RUN] = -1
    some = (run > 0) & (run <= _MAX_RUN)
    if some.any():
        _, first, inverse = np.unique(key[some], return_index=True, return_inverse=True)
        rows = np.flatnonzero(some)[first]
        at = {r: i for i, r in enumerate(rows.tolist())}
        tails: list[list[str]] = [[] for _ in rows]
        picked = np.flatnonzero(tail & np.isin(w.row, rows))
        for r, word in zip(w.row[picked].tolist(), nparts.take(pa.array(picked)).to_pylist(),
                           strict=True):
            tails[at[r]].append(word)
        removed[some] = np.array([_legal_removed(t) for t in tails], dtype=np.int64)[inverse]
    return removed


def _company_keys_plain(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """`_company_key` of printable-ASCII values with Arrow kernels, and which values it
    left undone (a run of legal words longer than `_MAX_RUN`)."""
    w = _Words(pc.replace_substring_regex(arr, _TAIL, ""))
    removed = _removed_plain(w)
    base = pc.replace_substring_regex(w.join(w.from_end >= removed[w.row]), _TAIL, "")
    # cleanco leaves nothing of a name made of legal words only ("Inc"): keep it as typed.
    base = pc.if_else(pc.equal(base, ""), arr, base)
    k = _Words(pc.replace_substring_regex(pc.ascii_lower(base), r"[^a-z0-9 ]", ""))
    word_and = to_numpy_mask(pc.equal(k.words, "and"))
    # A leading "the" goes when another word follows it, "and"s aside.
    rest = np.flatnonzero(~word_and)
    lead = rest[np.unique(k.row[rest], return_index=True)[1]]
    the = np.zeros(len(k.row), dtype=bool)
    the[lead] = to_numpy_mask(pc.equal(k.words.take(pa.array(lead)), "the"))
    left = np.bincount(k.row[rest], minlength=k.n)
    key = k.join(~(word_and | (the & (left[k.row] > 1))))
    return pc.if_else(pc.equal(key, ""), _NULL, key), removed < 0


def _company_keys(u: pd.Series) -> pd.Series:
    arr = flat(arrow(u))
    out = pa.nulls(len(arr), pa.string())
    plain = to_numpy_mask(pc.match_substring_regex(arr, _PLAIN))
    if plain.any():
        keys, undone = _company_keys_plain(arr.filter(pa.array(plain)))
        out = pc.replace_with_mask(out, pa.array(plain), keys)
        plain[np.flatnonzero(plain)[undone]] = False
    rest = np.flatnonzero(~plain)
    if len(rest):
        values = arr.take(pa.array(rest)).to_pylist()
        keys = pa.array([_company_key(v) for v in values], pa.string())
        out = pc.replace_with_mask(out, pa.array(~plain), keys)
    return text(out)


def company_key(s: pd.Series) -> pd.Series:
    """Matching key of a company: legal forms (cleanco), a leading "The", "&"/"and" and
    punctuation dropped, casefolded, accents stripped ("ACME, Inc" -> "acme")."""
    return unique_map(nullify(s), _company_keys)
