"""value.placeholder: filler typed into a real field ("test", "asdf", "N/A", "xxx", 1234567890)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..normalize._arrow import ascii_digits, flat, string_layout, to_numpy_mask
from ..normalize.base import arrow, unique_flags
from ..prepared import Prepared
from .registry import CheckOptions, FixProposal, check, fix, hits, no_hits
from .rules import Rule


@dataclass(frozen=True)
class Placeholder:
    """value.placeholder's parameters: fillers known by value or pattern (compared trimmed
    and lower-cased; patterns are RE2, whole value), per kind of field besides the common
    ones, and the run length of one repeated character that counts as filler (0: off)."""

    values: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    repeat_min: int = 3
    #: Fields that take the `name_*` lists besides the common ones.
    name_fields: tuple[str, ...] = ()
    name_values: tuple[str, ...] = ()
    name_patterns: tuple[str, ...] = ()
    name_repeat_min: int | None = None
    email_values: tuple[str, ...] = ()
    email_patterns: tuple[str, ...] = ()
    email_repeat_min: int | None = None
    #: Phone values are compared on their digits too.
    phone_values: tuple[str, ...] = ()
    phone_patterns: tuple[str, ...] = ()
    phone_repeat_min: int | None = None

    def kind_lists(self, kind: str) -> tuple[tuple[str, ...], tuple[str, ...], int]:
        """The values, patterns and repeat run of one kind of field (common ones included)."""
        if kind == "text":
            return self.values, self.patterns, self.repeat_min
        repeat = getattr(self, f"{kind}_repeat_min")
        return (
            (*self.values, *getattr(self, f"{kind}_values")),
            (*self.patterns, *getattr(self, f"{kind}_patterns")),
            self.repeat_min if repeat is None else repeat,
        )


def field_kind(field: str, params: Placeholder) -> str:
    """Which extra lists of the rule's params apply: email, phone, name or plain text."""
    if field == "email":
        return "email"
    if field in ("phone", "mobile_phone"):
        return "phone"
    if field in params.name_fields:
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


def is_placeholder(values: pd.Series, params: Placeholder, kind: str = "text") -> np.ndarray:
    """Boolean per value: trimmed, lower-cased value is a known filler or matches a pattern.

    Runs in pyarrow kernels; patterns use RE2 (no back-references), so "one character
    repeated" is a separate test (`repeat_min`, `phone_repeat_min`; 0 switches it off).
    """
    listed, patterns, repeat_min = params.kind_lists(kind)
    known = {v.lower() for v in listed}
    folded = flat(pc.utf8_lower(pc.utf8_trim_whitespace(arrow(values))))
    subject = ascii_digits(folded) if kind == "phone" else folded
    value_set = pa.array(sorted(known), type=folded.type)
    out = to_numpy_mask(pc.is_in(folded, value_set=value_set))
    if kind == "phone":
        out |= to_numpy_mask(pc.is_in(subject, value_set=value_set.cast(subject.type)))
    if repeat_min > 0:
        out |= repeated_char(subject, repeat_min)
    if patterns:
        joined = "^(?:" + "|".join(f"(?:{p})" for p in patterns) + ")$"
        out |= to_numpy_mask(pc.match_substring_regex(subject, joined))
    return out


def _placeholder_hits(prep: Prepared, params: Placeholder, fields: Sequence[str]) -> pd.DataFrame:
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


#: The code of the placeholder rule, whose hits the value checks after it leave out.
PLACEHOLDER = "value.placeholder"


@check("value.placeholder", params=Placeholder, row_local=True)
def placeholder(prep: Prepared, rule: Rule[Placeholder], options: CheckOptions) -> pd.DataFrame:
    return _placeholder_hits(prep, rule.params, rule.fields)



@fix("value.placeholder")
def clear_placeholder(prep: Prepared, rule: Rule[Placeholder], found: pd.DataFrame) -> FixProposal:
    """`hygiene clean` empties a placeholder, so it counts as missing."""
    every = np.ones(len(found), dtype=bool)
    return FixProposal(np.full(len(found), None, dtype=object), every, every)
