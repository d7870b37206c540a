"""Small per-value text helpers shared by the normalisers (run once per distinct value)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
from cleanco.non_nfkd_map import NON_NFKD_MAP

#: Letters NFKD does not decompose: cleanco's table (ø, ł, đ, ...) plus ligatures it lacks.
_FOLD_EXTRA = {"æ": "ae", "œ": "oe", "þ": "th", "ð": "d", "ı": "i", "ĸ": "k"}
_FOLD_TABLE = str.maketrans({**NON_NFKD_MAP, **_FOLD_EXTRA})
_NON_ALNUM = re.compile(r"[\W_]+")
_SPACES = re.compile(r"\s+")


def strip_accents(value: str) -> str:
    """Drop diacritics (NFKD + combining marks) and map letters NFKD keeps (ø -> o, ł -> l)."""
    if value.isascii():
        return value  # most values; nothing to decompose or map
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.translate(_FOLD_TABLE)


def fold(value: str) -> str:
    """Case- and accent-insensitive form of a value: casefold, then accents stripped."""
    return strip_accents(value.casefold())


def alnum_key(value: str) -> str:
    """`fold`, then everything but letters and digits removed ("Marketing-Qualified" -> ...)."""
    return _NON_ALNUM.sub("", fold(value))


def words_key(value: str) -> str:
    """`fold`, punctuation removed, "&" read as "and", single spaces ("Côte d'Ivoire")."""
    v = fold(value).replace("&", " and ")
    v = re.sub(r"['’`´.]", "", v)
    v = _NON_ALNUM.sub(" ", v)
    return _SPACES.sub(" ", v).strip()


def pair_unique_map(
    a: pd.Series, b: pd.Series, fn: Callable[[pd.Series, pd.Series], pd.DataFrame]
) -> pd.DataFrame:
    """Like `unique_map` over the distinct (a, b) pairs; rows where `a` is missing stay missing.

    `fn` gets the distinct pairs as two aligned Series (b may hold missing values) and returns
    a DataFrame of the same length.
    """
    codes_a, uniq_a = pd.factorize(a, use_na_sentinel=True)
    codes_b, uniq_b = pd.factorize(b, use_na_sentinel=True)
    width = len(uniq_b) + 1
    combined = codes_a.astype(np.int64) * width + (codes_b.astype(np.int64) + 1)
    # Hash factorisation: faster than np.unique's sort on a million keys.
    inverse, keys = pd.factorize(combined)
    ka, kb = keys // width, keys % width - 1
    valid = ka >= 0
    ua = pd.Series(uniq_a).take(ka[valid])
    # One trailing None stands for a missing `b` (code -1).
    ub_all = np.concatenate([np.asarray(uniq_b, dtype=object), np.array([None], dtype=object)])
    ub = pd.Series(ub_all[kb[valid]], dtype=object)
    out = fn(ua.reset_index(drop=True), ub.reset_index(drop=True))
    if len(out) != len(ua):
        raise ValueError(f"{fn!r} returned {len(out)} rows for {len(ua)} pairs")
    # Map each key (valid ones first) to its row in `out`; missing `a` -> an all-missing row.
    row_of_key = np.full(len(keys), len(out), dtype=np.int64)
    row_of_key[np.flatnonzero(valid)] = np.arange(len(out))
    pad = out.iloc[:0].reindex([len(out)])
    padded = pd.concat([out.reset_index(drop=True), pad]) if len(out) else pad
    result = padded.iloc[row_of_key[inverse]]
    result.index = a.index
    return result
