"""value.placeholder: filler typed into a real field ("test", "asdf", "N/A", "xxx", 1234567890)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..normalize._arrow import ascii_digits, flat, to_numpy_mask
from ..normalize.base import arrow, unique_map_sampled
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
    """True for values made of one character repeated at least `min_len` times ("xxxx")."""
    length = pc.utf8_length(arr)
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    same = pc.and_(
        pc.equal(pc.binary_repeat(first, length), arr), pc.greater_equal(length, min_len)
    )
    return to_numpy_mask(same)


def is_placeholder(values: pd.Series, params: Mapping[str, Any], kind: str = "text") -> pd.Series:
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
        out |= repeated_char(subject, repeat_min) & to_numpy_mask(
            pc.greater(pc.utf8_length(subject), 0)
        )
    if patterns:
        joined = "^(?:" + "|".join(f"(?:{p})" for p in patterns) + ")$"
        out |= to_numpy_mask(pc.match_substring_regex(subject, joined))
    return pd.Series(out, index=values.index)


def _placeholder_hits(
    prep: Prepared, params: Mapping[str, Any], fields: Sequence[str]
) -> pd.DataFrame:
    frames = []
    for field in fields:
        raw = prep.raw(field)
        if raw is None:
            continue
        kind = field_kind(field, params)

        def flag_unique(u: pd.Series, k: str = kind) -> pd.Series:
            return is_placeholder(u, params, k)

        flag = unique_map_sampled(raw, flag_unique)
        pos = np.flatnonzero(flag.fillna(False).to_numpy(dtype=bool))
        frames.append(hits(pos, field))
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
