"""phone.invalid: numbers that cannot exist in their country (phonenumbers metadata)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..prepared import Prepared
from .registry import CheckOptions, check, hits, no_hits
from .rules import Rule
from .values import placeholder_positions


@check("phone.invalid")
def phone_valid(prep: Prepared, rule: Rule, options: CheckOptions) -> pd.DataFrame:
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
        pos = np.setdiff1d(pos, placeholder_positions(prep, field), assume_unique=True)
        region = parsed["region"].iloc[pos]
        if isinstance(prep.region, str):
            region = region.fillna(prep.region)
        country = prep.country_alpha2()
        if country is not None:
            region = region.fillna(country.iloc[pos])
        frames.append(hits(pos, field, region=region.fillna("any country")))
    if not frames:
        return no_hits()
    return pd.concat(frames, ignore_index=True)
