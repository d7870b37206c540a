"""contact.unreachable and field.missing_column: completeness beyond one cell.

`contact.unreachable` reads what other rules already found (an address that is missing,
malformed or a typo is not usable), so it is listed after them in the pack; the engine runs
registry rules in pack order and gives it their hits (`earlier=True`: an `EarlierHits`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..prepared import Prepared
from .registry import CheckOptions, EarlierHits, check, hits, no_hits
from .rules import Rule


def _usable(
    prep: Prepared, field: str, filled: pd.Series | None, bad_codes: Sequence[str],
    earlier: EarlierHits,
) -> np.ndarray:
    """Boolean per row: the field is filled and no listed rule found fault with it."""
    ok = np.zeros(prep.rows, dtype=bool)
    if filled is None:
        return ok
    ok |= filled.to_numpy(dtype=bool)
    ok[earlier.rows(bad_codes, field)] = False
    return ok


@dataclass(frozen=True)
class Unreachable:
    """contact.unreachable's parameters: the codes of earlier rules whose finding makes an
    email address, or a phone number, unusable."""

    email_unusable: tuple[str, ...] = ()
    phone_unusable: tuple[str, ...] = ()


@check("contact.unreachable", params=Unreachable, earlier=True)
def unreachable(
    prep: Prepared, rule: Rule[Unreachable], options: CheckOptions, earlier: EarlierHits
) -> pd.DataFrame:
    """Neither a usable email nor a usable phone on the record."""
    email_fields = [f for f in rule.fields if f == "email"]
    phone_fields = [f for f in rule.fields if f != "email"]
    if not any(prep.source.has(f) for f in rule.fields):
        return no_hits()
    reach = np.zeros(prep.rows, dtype=bool)
    email_bad = rule.params.email_unusable
    phone_bad = rule.params.phone_unusable
    for f in email_fields:
        parts = prep.email()
        filled = None if parts is None else parts["email"].notna()
        reach |= _usable(prep, f, filled, email_bad, earlier)
    for f in phone_fields:
        parsed = prep.phone(f)
        filled = None if parsed is None else parsed["valid"].fillna(False).astype(bool)
        reach |= _usable(prep, f, filled, phone_bad, earlier)
    pos = np.flatnonzero(~reach)
    present = [f for f in rule.fields if prep.source.has(f)]
    return hits(pos, present[0], value=[None] * len(pos), channels=_either(present))


def _either(fields: Sequence[str]) -> str:
    """"email, phone or mobile phone": the fields in words, as a person reads them."""
    words = [f.replace("_", " ") for f in fields]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


@check("field.missing_column")
def missing_column(prep: Prepared, rule: Rule, options: CheckOptions) -> pd.DataFrame:
    """A field the selected workflows need has no column at all in this source."""
    wanted = options.required
    if options.required_by_source is not None:
        allowed = options.required_by_source.get(prep.source.name, ())
        wanted = {f: w for f, w in wanted.items() if f in allowed}
    absent = [f for f in wanted if not prep.source.has(f)]
    if not absent:
        return no_hits()
    return hits(
        np.full(len(absent), -1, dtype=np.int64),
        pd.Series(absent, dtype="str"),
        workflows=[", ".join(wanted[f]) for f in absent],
        need=["needs" if len(wanted[f]) == 1 else "need" for f in absent],
    )
