"""What each member of a duplicate cluster would give up in the merge, field by field.

Follows how `hygiene clean` merges (rules/survivorship.yaml `fields:`): a field takes the
survivor's value, or where the survivor's is empty the first filled value of the others;
date fields listed under most_recent / oldest take the latest / earliest date any member
holds; opt-out fields keep an opt-out of any member (shown, not judged here: which value
is an opt-out depends on the platform's consent fields). A member gives up a filled value
that differs from the one kept. Values are compared trimmed and case-folded, as the
side-by-side table highlights them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import pandas as pd

from ..normalize import parse_dates
from ..resources import rules_yaml

#: The state of one cell: the value kept (from the survivor, or filling its empty field),
#: a value given up, or nothing to say (empty, or the same as the one kept).
KEPT, FILLS, LOST, SAME = "kept", "fills", "lost", ""


@cache
def field_strategies() -> dict[str, str]:
    """Canonical field -> merge strategy, from rules/survivorship.yaml's `fields:`."""
    doc: Any = rules_yaml("survivorship.yaml") or {}
    out: dict[str, str] = {}
    for strategy, names in (doc.get("fields") or {}).items():
        for name in names or ():
            out[str(name)] = str(strategy)
    return out


def _key(value: str) -> str:
    return value.strip().casefold()


def is_dated(strategy: str) -> bool:
    """Whether a strategy compares its field's values as dates."""
    return strategy in ("most_recent", "oldest")


def _keys(
    values: Sequence[str], strategy: str, dates: Sequence[object] | None = None
) -> list[object]:
    """What makes two values the same: the instant for a date field (where it reads as a
    date; `dates` when the caller parsed them already), else the trimmed, case-folded text."""
    keys: list[object] = [_key(v) for v in values]
    if is_dated(strategy):
        if dates is None:
            dates = parse_dates(pd.Series(list(values), dtype=object)).tolist()
        keys = [k if pd.isna(t) else t for k, t in zip(keys, dates, strict=True)]
    return keys


def _kept_index(values: Sequence[str], keys: Sequence[object], strategy: str) -> int | None:
    """Index of the member whose value the merged record keeps (0 is the survivor)."""
    filled = [i for i, v in enumerate(values) if v.strip()]
    if not filled:
        return None
    if strategy in ("most_recent", "oldest"):
        known: list[tuple[pd.Timestamp, int]] = [
            (t, i) for i in filled if isinstance(t := keys[i], pd.Timestamp)
        ]
        if known:
            # Ties go to the earlier member (the survivor first), as the merge breaks them.
            pick = max if strategy == "most_recent" else min
            best = pick(t for t, _ in known)
            return next(i for t, i in known if t == best)
    return filled[0]


def cell_states(
    values: Sequence[str], strategy: str = "survivor", dates: Sequence[object] | None = None
) -> list[str]:
    """The state of each member's value of one field, survivor first (KEPT, FILLS, LOST or
    SAME). Opt-out fields are left unjudged (all SAME). `dates`: the values already parsed
    (a date field's values are parsed once for all clusters, not once per cluster)."""
    states = [SAME] * len(values)
    if strategy == "opt_out":
        return states
    keys = _keys(values, strategy, dates)
    kept = _kept_index(values, keys, strategy)
    if kept is None:
        return states
    states[kept] = KEPT if kept == 0 else FILLS
    for i, v in enumerate(values):
        if i != kept and v.strip() and keys[i] != keys[kept]:
            states[i] = LOST
    return states


def strategy_note(strategy: str) -> str:
    """How a field is merged, in words, for fields not merged the default way ("")."""
    return {
        "most_recent": "latest date kept",
        "oldest": "earliest date kept",
        "opt_out": "an opt-out in any record is kept",
    }.get(strategy, "")
