"""value.placeholder: filler typed into a real field ("test", "asdf", "N/A", "xxx", 1234567890)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..normalize.base import arrow, unique_map
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


def repeated_char(values: pd.Series, min_len: int) -> pd.Series:
    """True for values made of one character repeated at least `min_len` times ("xxxx")."""
    arr = arrow(values)
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    length = pc.utf8_length(arr)
    same = pc.equal(pc.binary_repeat(first, length), arr)
    out = pc.and_(same, pc.greater_equal(length, min_len))
    return (
        pd.Series(out.to_numpy(zero_copy_only=False), index=values.index).fillna(False).astype(bool)
    )


def is_placeholder(values: pd.Series, params: Mapping[str, Any], kind: str = "text") -> pd.Series:
    """Boolean per value: trimmed, lower-cased value is a known filler or matches a pattern.

    Patterns run in pyarrow's RE2 (no back-references), so "one character repeated" is a
    separate test (`repeat_min`, `phone_repeat_min`).
    """
    known = {str(v).lower() for v in params.get("values", ())}
    known |= {str(v).lower() for v in params.get(f"{kind}_values", ())}
    patterns = [*params.get("patterns", ()), *params.get(f"{kind}_patterns", ())]
    folded = values.str.strip().str.lower()
    subject = folded.str.replace(r"\D", "", regex=True) if kind == "phone" else folded
    out = folded.isin(known) | subject.isin(known)
    repeat_min = int(params.get(f"{kind}_repeat_min", params.get("repeat_min", 3)))
    out |= repeated_char(subject.fillna(""), repeat_min) & subject.str.len().gt(0)
    if patterns:
        joined = "|".join(f"(?:{p})" for p in patterns)
        out |= subject.str.fullmatch(joined).fillna(False).astype(bool)
    return out.fillna(False).astype(bool)


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

        flag = unique_map(raw, flag_unique)
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
