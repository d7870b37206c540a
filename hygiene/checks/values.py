"""value.placeholder: filler typed into a real field ("test", "asdf", "N/A", "xxx", 1234567890)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..normalize._arrow import ascii_digits, flat, string_layout, to_numpy_mask
from ..normalize.base import arrow, unique_flags
from ..prepared import Prepared
from .registry import CheckOptions, check, hits, no_hits
from .rules import Rule


def field_kind(field: str, params: Mapping[str, Any]) -> str:
    """Which extra lists of the rule's params apply: email, phone, name or plain text."""
    if field == "email":
        return "email"
    if field in ("phone", "mobile_phone"):
        return "phone"
    if field in params.get("name_fields", ()):
        return "name"
    return "text"


def repeated_char(arr: pa.Array, min_len: int) -> np.ndarray:
    """True for values made of one character repeated at least `min_len` times ("xxxx").

    Read on the UTF-8 buffer: a value is one character repeated when each byte after the
    first character equals the byte one character width before it (a string built and
    compared per value is far slower)."""
    arr = flat(arr)
    n = len(arr)
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    starts, ends, data = string_layout(arr)
    base = int(starts[0])
    data = data[base : int(ends[-1])]
    s, e = starts.astype(np.int64) - base, ends.astype(np.int64) - base
    lead = data[np.minimum(s, max(len(data) - 1, 0))] if len(data) else np.zeros(n, np.uint8)
    width = 1 + (lead >= 0xC0).astype(np.int64) + (lead >= 0xE0) + (lead >= 0xF0)
    long = (e - s >= width * max(min_len, 1)) & to_numpy_mask(pc.is_valid(arr))
    for step in np.unique(width[long]).tolist():
        rows = np.flatnonzero(long & (width == step))
        differ = np.zeros(len(data) + 1, dtype=np.int32)
        # Summed as int32, not bool: numpy holds the GIL while it casts inside cumsum.
        np.cumsum((data[step:] != data[:-step]).astype(np.int32), out=differ[step + 1 :])
        out[rows] = differ[e[rows]] == differ[s[rows] + step]
    return out


def is_placeholder(values: pd.Series, params: Mapping[str, Any], kind: str = "text") -> np.ndarray:
    """Boolean per value: trimmed, lower-cased value is a known filler or matches a pattern.

    Runs in pyarrow kernels; patterns use RE2 (no back-references), so "one character
    repeated" is a separate test (`repeat_min`, `phone_repeat_min`; 0 switches it off).
    """
    known = {str(v).lower() for v in params.get("values", ())}
    known |= {str(v).lower() for v in params.get(f"{kind}_values", ())}
    patterns = [*params.get("patterns", ()), *params.get(f"{kind}_patterns", ())]
    folded = flat(pc.utf8_lower(pc.utf8_trim_whitespace(arrow(values))))
    subject = ascii_digits(folded) if kind == "phone" else folded
    value_set = pa.array(sorted(known), type=folded.type)
    out = to_numpy_mask(pc.is_in(folded, value_set=value_set))
    if kind == "phone":
        out |= to_numpy_mask(pc.is_in(subject, value_set=value_set.cast(subject.type)))
    repeat_min = int(params.get(f"{kind}_repeat_min", params.get("repeat_min", 3)))
    if repeat_min > 0:
        out |= repeated_char(subject, repeat_min)
    if patterns:
        joined = "^(?:" + "|".join(f"(?:{p})" for p in patterns) + ")$"
        out |= to_numpy_mask(pc.match_substring_regex(subject, joined))
    return out


def _placeholder_hits(
    prep: Prepared, params: Mapping[str, Any], fields: Sequence[str]
) -> pd.DataFrame:
    frames = []
    for field in fields:
        raw = prep.raw(field)
        if raw is None:
            continue
        kind = field_kind(field, params)

        def flag(u: pd.Series, k: str = kind) -> np.ndarray:
            return is_placeholder(u, params, k)

        frames.append(hits(np.flatnonzero(unique_flags(raw, flag)), field))
    if not frames:
        return no_hits()
    return pd.concat(frames, ignore_index=True)


def placeholder_positions(prep: Prepared, field: str) -> np.ndarray:
    """Rows whose `field` is a placeholder, as found by the run's value.placeholder rule."""
    found = prep.memo(("hits", "value.placeholder"), no_hits)
    return np.sort(found.loc[found["field"] == field, "pos"].to_numpy(dtype=np.int64))


@check("placeholder")
def placeholder(prep: Prepared, rule: Rule, options: CheckOptions) -> pd.DataFrame:
    return _placeholder_hits(prep, rule.params, rule.fields)
