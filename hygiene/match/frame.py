"""The match frame: one source's person fields, normalised for comparison.

Built from `hygiene.normalize` (emails with their provider-aware key, E.164 phones, name and
company keys, ISO dates) so matching compares what the checks validated. Street and postcode
keys are matching-only forms and live here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hygiene import normalize as nz
from hygiene.model import Source
from hygiene.normalize._arrow import map_distinct
from hygiene.normalize.base import TEXT, arrow, text
from hygiene.prepared import Prepared
from hygiene.runtime import parallel_map

from .features import MATCH_COLUMNS


def _missing(index: pd.Index) -> pd.Series:
    return pd.Series(np.nan, index=index, dtype=TEXT)


def _raw(prep: Prepared, name: str) -> pd.Series | None:
    """The field trimmed, null-likes missing (the checks' own `Prepared.value`)."""
    s = prep.value(name)
    return None if s is None else s.reset_index(drop=True)


def _names(prep: Prepared, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """First and last name keys; a full-name column fills rows where they are empty."""
    first, last = _raw(prep, "first_name"), _raw(prep, "last_name")
    full = _raw(prep, "full_name")
    first = _missing(index) if first is None else first.astype(TEXT)
    last = _missing(index) if last is None else last.astype(TEXT)
    if full is not None and bool((first.isna() & last.isna() & full.notna()).any()):
        todo = first.isna() & last.isna() & full.notna()
        split = nz.split_full_name(full[todo])
        first = first.mask(todo, split["first_name"].reindex(index))
        last = last.mask(todo, split["last_name"].reindex(index))
    return _key(nz.name_key(first)), _key(nz.name_key(last))


def _key(s: pd.Series) -> pd.Series:
    """A key Series as text with empty strings made missing."""
    s = s.astype(TEXT)
    empty = (s == "").fillna(False).to_numpy(dtype=bool)
    # Most keys hold no empty string: masking anyway copied each 1.7M-row column.
    return s.mask(empty) if empty.any() else s


def _street(a: pa.Array) -> pa.Array | pa.ChunkedArray:
    a = pc.utf8_normalize(a, "NFKD")
    a = pc.replace_substring_regex(a, r"\p{Mn}", "")
    a = pc.utf8_lower(a)
    a = pc.replace_substring_regex(a, r"[^\p{L}\p{N}]+", " ")
    return pc.utf8_trim_whitespace(a)


def street_key(s: pd.Series) -> pd.Series:
    """Street for comparison: casefolded, accents and punctuation removed, single spaces.
    Computed once per distinct street."""
    return _key(text(map_distinct(arrow(s), _street), s.index))


def _postcode(a: pa.Array) -> pa.Array | pa.ChunkedArray:
    a = pc.utf8_upper(a)
    a = pc.replace_substring_regex(a, r"[\s\-\.]", "")
    return pc.replace_substring_regex(a, r"^(\d{5})\d{4}$", r"\1")


def postcode_key(s: pd.Series) -> pd.Series:
    """Postcode for comparison: upper case, no spaces or dashes; ZIP+4 cut to the ZIP.
    Computed once per distinct postcode."""
    return _key(text(map_distinct(arrow(s), _postcode), s.index))


def _mode(s: pd.Series) -> str | None:
    counts = s.dropna().value_counts()
    return str(counts.index[0]) if len(counts) else None


PHONE_FIELDS = ("phone", "mobile_phone")

#: One part of the match frame: some of its columns, from the source's views.
_Part = Callable[[Prepared, pd.Index], dict[str, pd.Series]]


def _default_region(prep: Prepared) -> str | None:
    """The country a number without one is read in, failing all else: the source's most
    common country, else the most common region of the numbers that were read."""
    regions = prep.likely_regions()
    if regions:
        return regions[0]
    seen = [p["region"] for p in (prep.phone(n) for n in PHONE_FIELDS) if p is not None]
    return _mode(pd.concat(seen, ignore_index=True)) if seen else None


def _phone(field: str) -> _Part:
    """E.164 phone (or mobile), as the checks read them (`Prepared.phone`: the row's country,
    else `--region`, else the source's common countries where the number is valid there).
    A number still unread, on a row with no country, is read in the source's usual country
    even when it is not valid there: one digit apart from its twin is evidence too."""

    def part(prep: Prepared, index: pd.Index) -> dict[str, pd.Series]:
        p, raw = prep.phone(field), _raw(prep, field)
        if p is None or raw is None:
            return {}
        alpha2 = prep.country_alpha2()
        e164 = p["e164"].reset_index(drop=True).astype(TEXT)
        todo = e164.isna() & raw.notna()
        if alpha2 is not None:
            todo &= alpha2.reset_index(drop=True).isna()
        if bool(todo.any()) and (default := _default_region(prep)) is not None:
            again = nz.normalize_phone(raw[todo], region=default)["e164"].astype(TEXT)
            e164 = e164.mask(todo, again.reindex(e164.index))
        return {field: _key(e164).set_axis(index)}

    return part


def _email_columns(prep: Prepared, index: pd.Index) -> dict[str, pd.Series]:
    e = prep.email()
    if e is None:
        return {}
    e = e.reset_index(drop=True)
    return {
        "email": _key(e["email"].where(e["domain"].notna())),
        "email_key": _key(e["key"].where(e["domain"].notna())),
        "email_local": _key(e["local"]),
        "email_domain": _key(e["domain"]),
    }


def _name_columns(prep: Prepared, index: pd.Index) -> dict[str, pd.Series]:
    first, last = _names(prep, index)
    return {"first_name": first, "last_name": last}


def _one(field: str, column: str, fn: Callable[[pd.Series], pd.Series]) -> _Part:
    def part(prep: Prepared, index: pd.Index) -> dict[str, pd.Series]:
        raw = _raw(prep, field)
        return {} if raw is None else {column: fn(raw)}

    return part


def _birth(prep: Prepared, index: pd.Index) -> dict[str, pd.Series]:
    """ "YYYY-MM-DD", or "--MM-DD" for a birthday written without a year (compared on
    month and day with a full date: `compare._birth_date`)."""
    dates = prep.dates("birth_date")
    if dates is None:
        return {}
    key = dates.reset_index(drop=True).dt.strftime("%Y-%m-%d").astype(TEXT)
    if bool(key.isna().any()):
        md = prep.month_days("birth_date")
        assert md is not None
        key = key.fillna(md.reset_index(drop=True).astype(TEXT))
    return {"birth_date": _key(key)}


#: The match frame's columns in independent parts, the costliest first: each is mostly
#: pyarrow work (GIL released), so two threads build them side by side.
_PARTS: tuple[_Part, ...] = (
    *(_phone(n) for n in PHONE_FIELDS),
    _email_columns,
    _name_columns,
    _one("street", "street", street_key),
    _one("company", "company", lambda s: _key(nz.company_key(s))),
    _one("city", "city", lambda s: _key(nz.name_key(s))),
    _one("postal_code", "postal_code", postcode_key),
    _birth,
)


def prepare(source: Source | Prepared) -> pd.DataFrame:
    """The canonical, normalised match frame of one source, one row per row of `source.data`.

    Columns are `MATCH_COLUMNS` (text, NaN when missing); the index is the row position.
    Given the audit's `Prepared`, the normalised values the checks computed are reused.
    """
    prep = source if isinstance(source, Prepared) else Prepared(source)
    index = pd.RangeIndex(prep.rows)
    out: dict[str, pd.Series] = {}
    for part in parallel_map(lambda fn: fn(prep, index), _PARTS):
        out.update(part)
    return pd.DataFrame({c: out[c] if c in out else _missing(index) for c in MATCH_COLUMNS})
