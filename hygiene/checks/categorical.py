"""field.inconsistent and field.unknown_value for categorical columns.

Each value is reduced to a canonical key (ISO code for countries and states, an alias-table key
for stages and statuses). Within one column, the spelling a key should have is the one the
column already mostly uses, in the column's dominant style: a column of country names keeps
names, a column of ISO codes keeps codes. Every row spelt otherwise gets a finding whose
suggestion is that spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry
from rapidfuzz import fuzz, process

from .. import normalize as nz
from ..normalize._arrow import flat, to_numpy_mask
from ..normalize.base import arrow
from ..prepared import Prepared
from .registry import CheckOptions, EarlierHits, FixProposal, check, fix, hits, no_hits
from .rules import Rule
from .values import PLACEHOLDER

#: Fields whose keys come from a closed list (ISO), so an unrecognised value is a finding.
CLOSED = ("country", "state")


def keys_and_styles(prep: Prepared, field: str) -> tuple[pd.Series, pd.Series | None] | None:
    """The canonical key of every row and, for ISO fields, the style of its spelling."""
    if field == "country":
        c = prep.country()
        return None if c is None else (c["alpha2"], c["style"])
    if field == "state":
        s = prep.state()
        return None if s is None else (s["code"], s["style"])
    k = prep.category(field)
    return None if k is None else (k, None)


def _display(field: str, keys: pd.Series, style: str) -> pd.Series:
    if field == "country":
        return nz.country_display(keys, style)
    return nz.state_display(keys, style)


def canonical_spellings(
    field: str, value: pd.Series, keys: pd.Series, styles: pd.Series | None
) -> pd.Series:
    """Key -> the spelling this column should use for it."""
    return canonical_from_counts(field, spelling_counts(value, keys, styles))


def spelling_counts(value: pd.Series, keys: pd.Series, styles: pd.Series | None) -> pd.DataFrame:
    """Rows per (key, value[, style]) of a column, as `n`: all `canonical_from_counts` needs,
    so counts of a column's parts (the Spark engine's partitions) can be added up."""
    frame = pd.DataFrame({"value": value, "key": keys})
    if styles is not None:
        frame["style"] = styles
    frame = frame.dropna(subset=["value", "key"])
    by = ["key", "value"] if styles is None else ["key", "value", "style"]
    return frame.groupby(by, observed=True, dropna=False).size().reset_index(name="n")


def canonical_from_counts(field: str, counts: pd.DataFrame) -> pd.Series:
    """Key -> spelling from `spelling_counts`: the key's most used value (in the column's
    dominant style, for ISO fields)."""
    if counts.empty or not counts["n"].sum():
        return pd.Series(dtype="str")
    if "style" not in counts:
        ranked = counts.sort_values(["key", "n", "value"], ascending=[True, False, True])
        return ranked.drop_duplicates("key").set_index("key")["value"]
    style_rows = counts.groupby("style", observed=True)["n"].sum()
    style_rows = style_rows.sort_values(ascending=False, kind="stable")
    dominant = next((s for s in style_rows.index if s != "other"), "name")
    in_style = counts[counts["style"] == dominant]
    per_value = in_style.groupby(["key", "value"], observed=True)["n"].sum().reset_index()
    ranked = per_value.sort_values(["key", "n", "value"], ascending=[True, False, True])
    chosen = ranked.drop_duplicates("key").set_index("key")["value"]
    # A key never written in the dominant style gets the standard spelling of that style,
    # with the column's casing convention (all caps columns stay all caps).
    missing = pd.Index(counts["key"].unique()).difference(chosen.index)
    if len(missing):
        standard = _display(field, pd.Series(missing, index=missing, dtype="str"), dominant)
        rows = in_style["n"].sum()
        upper = in_style.loc[in_style["value"] == in_style["value"].str.upper(), "n"].sum()
        if rows and upper / rows > 0.9:
            standard = standard.str.upper()
        chosen = pd.concat([chosen, standard.dropna()])
    return chosen


@check("field.inconsistent")
def inconsistent_category(prep: Prepared, rule: Rule, options: CheckOptions) -> pd.DataFrame:
    frames = []
    for field in rule.fields:
        got = keys_and_styles(prep, field)
        value = prep.value(field)
        if got is None or value is None:
            continue
        keys, styles = got
        canon = prep.memo(
            ("canonical", field), partial(canonical_spellings, field, value, keys, styles)
        )
        if canon.empty:
            continue
        # Spelt once per distinct key, then taken by code in Arrow (an object column of a
        # million spellings is slow to convert back to text).
        codes, uniq = pd.factorize(keys)
        spelled = pd.Series(uniq, dtype=object).map(canon)
        spellings = pa.array(spelled.where(spelled.notna(), None).tolist(), type=pa.string())
        want = spellings.take(pa.array(codes, mask=codes < 0, type=pa.int64()))
        pos = np.flatnonzero(to_numpy_mask(pc.not_equal(flat(arrow(value)), want)))
        frames.append(hits(pos, field, suggestion=want.take(pa.array(pos)).to_pylist()))
    return pd.concat(frames, ignore_index=True) if frames else no_hits()


@fix("field.inconsistent")
def use_spelling(prep: Prepared, rule: Rule, found: pd.DataFrame) -> FixProposal:
    """`hygiene clean` writes the spelling the column mostly uses (the suggestion)."""
    able = found["suggestion"].notna().to_numpy()
    return FixProposal(found["suggestion"].to_numpy(dtype=object), able, able)


@dataclass(frozen=True)
class UnknownValue:
    """field.unknown_value's parameters: the countries whose subdivision names are checked."""

    state_countries: tuple[str, ...] = ("US", "CA", "AU")


@check("field.unknown_value", params=UnknownValue, earlier=True)
def unknown_category(
    prep: Prepared, rule: Rule[UnknownValue], options: CheckOptions, earlier: EarlierHits
) -> pd.DataFrame:
    """Values of a closed list (countries, states) that match no entry; cells the placeholder
    rule reported are not reported twice."""
    frames = []
    for field in rule.fields:
        if field not in CLOSED:
            continue
        got = keys_and_styles(prep, field)
        value = prep.value(field)
        if got is None or value is None:
            continue
        keys, _ = got
        bad = value.notna() & keys.isna()
        if field == "state":
            # Subdivision names are only checked where the list is well known (US, CA, AU by
            # default): "Greater London" or "Île-de-France" are real but not ISO 3166-2 names.
            country = prep.country_alpha2()
            if country is not None:
                bad &= country.isna() | country.isin(list(rule.params.state_countries))
        pos = np.flatnonzero(bad.fillna(False).to_numpy(dtype=bool))
        pos = np.setdiff1d(pos, earlier.rows((PLACEHOLDER,), field), assume_unique=True)
        frames.append(hits(pos, field, kind=field))
    if "country" in rule.fields:
        # Whatever the country column says: Mailchimp's CC is where a subscriber signed up
        # from, not the country typed into the Address.
        frames.append(_unknown_address_country(prep))
    return pd.concat(frames, ignore_index=True) if frames else no_hits()


def _unknown_address_country(prep: Prepared) -> pd.DataFrame:
    """The country at the end of a combined address (Mailchimp's "12 Main St  Leeds    LS1 4AP
    Untied Kingdom"): a word no ISO entry knows."""
    street = prep.value("street")
    if street is None or prep.address_country() is None:
        return no_hits()
    combined = street.str.contains("  ", regex=False).fillna(False).astype(bool)
    last = nz.last_address_part(street[combined]).reindex(street.index)
    known = prep.address_country()
    assert known is not None
    # An address may end with its city or postcode instead: only a word close to a country
    # name ("Untied Kingdom", "Germny") is a misspelt country.
    unknown = combined & known.isna() & last.notna()
    if not unknown.any():
        return no_hits()
    near = nz.unique_map(last[unknown], _nearest_country).reindex(street.index)
    pos = np.flatnonzero(near.notna().to_numpy(dtype=bool))
    return hits(pos, "street", value=last.iloc[pos].tolist(),
                suggestion=near.iloc[pos].tolist(), kind="country")


#: Similarity (rapidfuzz ratio, 0-100) to a country name above which an unknown last part of
#: an address is a misspelt country: "Untied Kingdom" 93, "Germny" 92; "Leeds", "Paris" < 60.
_NEAR_COUNTRY = 85.0


@cache
def _country_names() -> tuple[str, ...]:
    return tuple(sorted({c.name for c in pycountry.countries}
                        | {getattr(c, "common_name", c.name) for c in pycountry.countries}))


def _nearest_country(u: pd.Series) -> pd.Series:
    names = _country_names()
    out: list[str | None] = []
    for v in u.tolist():
        if len(str(v)) < 6:  # "Omaha" is 89 from "Oman": short words say too little
            out.append(None)
            continue
        hit = process.extractOne(str(v), names, scorer=fuzz.ratio, score_cutoff=_NEAR_COUNTRY,
                                 processor=str.casefold)
        out.append(hit[0] if hit else None)
    return pd.Series(out, dtype=object)
