"""Small numpy helpers shared by the steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    # Only for the annotation: `hygiene history` imports this module and stays pandas-free.
    import pandas as pd


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted: `np.unique(values)` without its cost. numpy 2.4's
    `np.unique` hashes integers when asked for the values alone, far slower on millions
    of distinct int64 than a sort and a neighbour test."""
    out = np.sort(np.asarray(values).reshape(-1))
    if len(out) < 2:
        return out
    keep = np.empty(len(out), dtype=bool)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]


def objects(values: pd.Series) -> np.ndarray:
    """The values as an object array, every missing marker (NaN, NA, NaT) as None."""
    # pandas-stubs 3.1 types na_value as a non-None scalar; pandas documents it as Any
    # and None is what the callers rely on.
    return values.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]


def index_type(n: int) -> type[np.signedinteger]:
    """int32 for positions below 2**31: half the memory of int64 for millions of pairs."""
    return np.int32 if n < 2**31 else np.int64


def run_ranks(sizes: np.ndarray) -> np.ndarray:
    """0, 1, ... within each run of the given sizes, concatenated (int32 while it fits)."""
    total = int(sizes.sum(dtype=np.int64))
    it = index_type(total)
    sizes = sizes.astype(it, copy=False)
    first = np.cumsum(sizes, dtype=it) - sizes
    out = np.arange(total, dtype=it)
    out -= np.repeat(first, sizes)
    return out


def rank_within(keys: np.ndarray) -> np.ndarray:
    """0, 1, 2 ... for each element among the earlier ones with its key: pandas'
    `groupby().cumcount()` on integer codes, without a frame or a hash table."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    if len(sk):
        starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
    else:
        starts = np.empty(0, dtype=np.int64)
    out = np.empty(len(sk), dtype=np.int64)
    out[order] = run_ranks(np.diff(np.r_[starts, len(sk)]))
    return out
