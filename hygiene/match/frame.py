"""The match frame: one source's person fields, normalised for comparison.

Built from `hygiene.normalize` (emails with their provider-aware key, E.164 phones, name and
company keys, ISO dates) so matching compares what the checks validated. Street and postcode
keys are matching-only forms and live here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from hygiene import normalize as nz
from hygiene.model import Source
from hygiene.normalize.base import TEXT, arrow, text

from .features import MATCH_COLUMNS


def _missing(index: pd.Index) -> pd.Series:
    return pd.Series(np.nan, index=index, dtype=TEXT)


def _raw(source: Source, name: str) -> pd.Series | None:
    s = source.field(name)
    return None if s is None else nz.nullify(s.reset_index(drop=True))


def _names(source: Source, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """First and last name keys; a full-name column fills rows where they are empty."""
    first, last = _raw(source, "first_name"), _raw(source, "last_name")
    full = _raw(source, "full_name")
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
    return s.where(s.notna() & (s != ""))


def street_key(s: pd.Series) -> pd.Series:
    """Street for comparison: casefolded, accents and punctuation removed, single spaces."""
    a = arrow(s)
    a = pc.utf8_normalize(a, "NFKD")
    a = pc.replace_substring_regex(a, r"\p{Mn}", "")
    a = pc.utf8_lower(a)
    a = pc.replace_substring_regex(a, r"[^\p{L}\p{N}]+", " ")
    a = pc.utf8_trim_whitespace(a)
    return _key(text(a, s.index))


def postcode_key(s: pd.Series) -> pd.Series:
    """Postcode for comparison: upper case, no spaces or dashes; ZIP+4 cut to the ZIP."""
    a = pc.utf8_upper(arrow(s))
    a = pc.replace_substring_regex(a, r"[\s\-\.]", "")
    a = pc.replace_substring_regex(a, r"^(\d{5})\d{4}$", r"\1")
    return _key(text(a, s.index))


def _mode(s: pd.Series) -> str | None:
    counts = s.dropna().value_counts()
    return str(counts.index[0]) if len(counts) else None


def _phones(source: Source, index: pd.Index) -> dict[str, pd.Series]:
    """E.164 phone and mobile. Numbers written without a country code are read with the
    row's country, else the source's usual one: its most common country, or the most
    common country code among its numbers written with one ("(415) 555-0134" in a file of
    "+1 ..." numbers is a US number)."""
    country = _raw(source, "country")
    raws = {n: _raw(source, n) for n in ("phone", "mobile_phone")}
    parsed = {
        n: nz.normalize_phone(raw, region=country) for n, raw in raws.items() if raw is not None
    }
    default = None if country is None else _mode(nz.country_code(country)["alpha2"])
    if default is None and parsed:
        default = _mode(pd.concat([p["region"] for p in parsed.values()], ignore_index=True))
    out = {}
    for n in raws:
        raw = raws[n]
        if raw is None:
            out[n] = _missing(index)
            continue
        e164 = parsed[n]["e164"].astype(TEXT)
        todo = e164.isna() & raw.notna()
        if country is not None:
            todo &= country.isna()
        if default is not None and bool(todo.any()):
            again = nz.normalize_phone(raw[todo], region=default)["e164"].astype(TEXT)
            e164 = e164.mask(todo, again.reindex(e164.index))
        out[n] = _key(e164).set_axis(index)
    return out


def prepare(source: Source) -> pd.DataFrame:
    """The canonical, normalised match frame of one source, one row per row of `source.data`.

    Columns are `MATCH_COLUMNS` (text, NaN when missing); the index is the row position.
    """
    index = pd.RangeIndex(len(source.data))
    out = pd.DataFrame(index=index)
    email = _raw(source, "email")
    if email is not None:
        e = nz.normalize_email(email)
        out["email"] = _key(e["email"].where(e["domain"].notna()))
        out["email_key"] = _key(e["key"].where(e["domain"].notna()))
        out["email_local"] = _key(e["local"])
        out["email_domain"] = _key(e["domain"])
    out["first_name"], out["last_name"] = _names(source, index)
    phones = _phones(source, index)
    out["phone"], out["mobile_phone"] = phones["phone"], phones["mobile_phone"]
    company = _raw(source, "company")
    if company is not None:
        out["company"] = _key(nz.company_key(company))
    street = _raw(source, "street")
    if street is not None:
        out["street"] = street_key(street)
    city = _raw(source, "city")
    if city is not None:
        out["city"] = _key(nz.name_key(city))
    postcode = _raw(source, "postal_code")
    if postcode is not None:
        out["postal_code"] = postcode_key(postcode)
    birth = _raw(source, "birth_date")
    if birth is not None:
        dates = nz.parse_dates(birth)
        out["birth_date"] = _key(dates.dt.strftime("%Y-%m-%d").astype(TEXT))
    for c in MATCH_COLUMNS:
        if c not in out.columns:
            out[c] = _missing(index)
    return out[list(MATCH_COLUMNS)]


def stack(frames: list[pd.DataFrame], names: list[str]) -> pd.DataFrame:
    """Prepared frames of several sources as one, with `source` and `pos` columns."""
    parts = []
    for frame, name in zip(frames, names, strict=True):
        part = frame.reset_index(drop=True).copy()
        part["source"] = name
        part["pos"] = np.arange(len(part), dtype=np.int64)
        parts.append(part)
    if not parts:
        cols = {c: pd.Series(dtype=TEXT) for c in MATCH_COLUMNS}
        return pd.DataFrame({**cols, "source": pd.Series(dtype=TEXT), "pos": []})
    return pd.concat(parts, ignore_index=True)
