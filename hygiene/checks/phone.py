"""phone.invalid: numbers that cannot exist in their country (phonenumbers metadata)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import normalize as nz
from ..prepared import Prepared
from .registry import CheckOptions, EarlierHits, check, hits, no_hits
from .rules import Rule
from .values import PLACEHOLDER


@check("phone.invalid", earlier=True)
def phone_valid(
    prep: Prepared, rule: Rule, options: CheckOptions, earlier: EarlierHits
) -> pd.DataFrame:
    """Filled phone cells that do not parse to a valid number for the row's country.

    Cells already reported as placeholders (1234567890) are not reported twice.
    """
    frames = []
    for field in rule.fields:
        parsed = prep.phone(field)
        if parsed is None:
            continue
        value = prep.value(field)
        assert value is not None
        bad = value.notna() & ~parsed["valid"].fillna(False).astype(bool)
        pos = np.flatnonzero(bad.to_numpy(dtype=bool))
        pos = np.setdiff1d(pos, earlier.rows((PLACEHOLDER,), field), assume_unique=True)
        region = parsed["region"].iloc[pos]
        country = prep.country_alpha2()
        if country is not None:
            region = region.fillna(country.iloc[pos])
        default = prep.default_region()
        if default:
            region = region.fillna(default)
        frames.append(hits(pos, field, region=region.fillna("any country")))
    if not frames:
        return no_hits()
    return pd.concat(frames, ignore_index=True)


@check("phone.region_assumed")
def phone_region(prep: Prepared, rule: Rule, options: CheckOptions) -> pd.DataFrame:
    """One note per source whose numbers without a country code (on rows without a country)
    were read in the country most of its other numbers carry (`Prepared.region_guess`)."""
    guess = prep.region_guess()
    if guess is None:
        return no_hits()
    country = prep.country_alpha2()
    used = []
    for field in rule.fields:
        value = prep.value(field)
        if value is None:
            continue
        bare = value.notna().to_numpy(dtype=bool) & (nz.calling_codes(value) == 0)
        if country is not None:
            bare &= country.isna().to_numpy(dtype=bool)
        if bare.any():
            used.append((field, int(bare.sum())))
    if not used:
        return no_hits()
    field, _ = max(used, key=lambda fu: fu[1])
    return hits(
        np.full(1, -1, dtype=np.int64), field, value=[None], region=guess.region,
        code=guess.code, count=guess.count, total=guess.total,
        bare=sum(n for _, n in used),
    )
