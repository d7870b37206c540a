"""The two tools every normaliser is built on.

- `unique_map`: run an expensive per-value function once per distinct value and map the
  answer back (contact exports repeat countries, stages and domains thousands of times).
- `arrow` / `text`: move a text column between pandas and pyarrow without copying, so
  string work runs in pyarrow compute kernels rather than Python objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from pandas._typing import Dtype

#: The text dtype of every column we create: pyarrow-backed, NaN for missing.
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)

Out = TypeVar("Out", pd.Series, pd.DataFrame)


def as_text(s: pd.Series) -> pd.Series:
    """`s` as pyarrow-backed text (no copy when it already is)."""
    if s.dtype == TEXT:
        return s
    return s.astype(TEXT)


def arrow(s: pd.Series) -> pa.ChunkedArray:
    """The pyarrow array behind a text Series (zero-copy for pyarrow-backed text)."""
    s = as_text(s)
    arr = s.array._pa_array
    if isinstance(arr, pa.Array):
        return pa.chunked_array([arr])
    return arr


def text(arr: pa.Array | pa.ChunkedArray, index: pd.Index | None = None) -> pd.Series:
    """A pyarrow string array as a pandas text Series."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if pa.types.is_string_view(arr.type):
        arr = arr.cast(pa.large_string())
    # pandas keeps pyarrow text as large_string: casting to string first would be undone.
    return pd.Series(pd.array(arr, dtype=TEXT), index=index, copy=False)


def text_isin(s: pd.Series, values: Iterable[str]) -> np.ndarray:
    """`s.isin(values)` for text, as a numpy mask (missing: False). pandas converts the
    value set with one pyarrow scalar per value, GIL held, slow for the disposable
    domains; `pc.is_in` takes them as one array."""
    if not len(s):
        return np.zeros(0, dtype=bool)
    value_set = _value_set(values if isinstance(values, frozenset) else frozenset(values))
    arr = arrow(s)
    found = pc.fill_null(pc.is_in(arr, value_set=value_set.cast(arr.type)), False)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


@lru_cache(maxsize=64)
def _value_set(values: frozenset[str]) -> pa.Array:
    return pa.array([v for v in values if isinstance(v, str)], pa.large_string())


def _distinct(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Each row's code (-1 where missing) and the distinct values (text, RangeIndex)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, pd.Series(uniques, dtype=s.dtype if s.dtype != object else TEXT)


def _mostly_distinct(s: pd.Series, max_unique_share: float) -> bool:
    """Whether the share of distinct values, estimated on the first 20,000 present values,
    is above `max_unique_share` (then factorising costs as much as the work it saves)."""
    sample = s.iloc[: 20_000].dropna()
    return bool(len(sample)) and sample.nunique() / len(sample) > max_unique_share


def unique_map(s: pd.Series, fn: Callable[[pd.Series], Out]) -> Out:
    """Apply `fn` to the distinct non-missing values of `s` and spread the result back.

    `fn` receives a Series of unique values (RangeIndex) and returns a Series or DataFrame
    of the same length; the result is indexed like `s`, with missing rows where `s` is
    missing.
    """
    codes, uvals = _distinct(s)
    out = fn(uvals)
    if len(out) != len(uvals):
        raise ValueError(f"{fn!r} returned {len(out)} values for {len(uvals)} inputs")
    # One extra row of missing values stands for the input's missing rows (code -1).
    pad = out.iloc[:0].reindex([len(out)])
    padded = pd.concat([out.reset_index(drop=True), pad]) if len(out) else pad
    take = np.where(codes < 0, len(out), codes)
    result = padded.iloc[take]
    result.index = s.index
    return result


def unique_map_values(
    s: pd.Series, fn: Callable[[str], object], dtype: Dtype = TEXT
) -> pd.Series:
    """`unique_map` for a plain Python function of one value (for libraries with no array API)."""

    def apply(u: pd.Series) -> pd.Series:
        return pd.Series([fn(v) for v in u.tolist()], dtype=dtype)

    return unique_map(s, apply)


def unique_map_sampled(
    s: pd.Series, fn: Callable[[pd.Series], Out], max_unique_share: float = 0.3
) -> Out:
    """`unique_map` where values repeat, `fn(s)` directly where they are mostly distinct.

    Factorising a column of a million distinct emails costs as much as checking them, so the
    share of distinct values is estimated on a sample first.
    """
    if _mostly_distinct(s, max_unique_share):
        return fn(s)
    return unique_map(s, fn)


def unique_flags(
    s: pd.Series, fn: Callable[[pd.Series], np.ndarray], max_unique_share: float = 0.3
) -> np.ndarray:
    """A boolean per row of `s` (False where missing) from a test run once per distinct value
    (`fn` takes a Series of values, RangeIndex, and returns a boolean array), or on `s` itself
    where its values are mostly distinct (see `unique_map_sampled`).

    Looked up by code, not spread as a Series: a million-row Series of booleans with
    missing values is object dtype, and filling it cost more than the test."""
    if _mostly_distinct(s, max_unique_share):
        present = s.notna().to_numpy(dtype=bool)
        return np.asarray(fn(s.reset_index(drop=True)), dtype=bool) & present
    codes, uniques = _distinct(s)
    return np.append(np.asarray(fn(uniques), dtype=bool), False)[codes]
