"""Dates and timestamps as exports write them, to UTC.

A column usually holds one format, so the format is inferred once from a sample and the
whole column parsed by pandas with that explicit format (vectorised); values it leaves
unparsed try the other formats, again a whole format at a time. Numbers are read as
epoch seconds/milliseconds (HubSpot API exports), Excel serial days or YYYYMMDD.
"""

from __future__ import annotations

from functools import partial
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow import flat, to_numpy_mask
from .base import arrow, unique_map
from .nulls import nullify

DATETIME: Final = "datetime64[ns, UTC]"

#: Text formats tried, month-first before day-first where both exist (US exports dominate).
FORMATS = (
    "ISO8601",
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y, %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%y",
    "%m/%d/%y %H:%M",
    "%m-%d-%Y",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%y",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%b %d, %Y %I:%M %p",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%a, %d %b %Y %H:%M:%S %z",
    "%a %b %d %H:%M:%S %Y",
)
_MONTH_FIRST = tuple(f for f in FORMATS if f.startswith(("%m/", "%m-")))
_DAY_FIRST = tuple(f for f in FORMATS if f.startswith(("%d/", "%d-%m")))
_SAMPLE = 2000
#: Rows looked at to tell whether a column writes numeric dates at all (the Spark engine
#: reads the same head on the driver).
HEAD_ROWS = 50_000
# Plausible ranges: Excel serial days 1954-2119, epoch seconds/milliseconds 1973-2286.
_EXCEL_RANGE = (20_000, 80_000)
_EXCEL_EPOCH = pd.Timestamp("1899-12-30", tz="UTC")


#: `order` values: day first (dd/mm/yyyy) or month first (mm/dd/yyyy).
ORDERS = ("dmy", "mdy")
# A month/day with no year (Mailchimp's Birthday "04/15") tells the order as well as a date.
_NUMERIC_DATE = r"^(?P<a>\d{1,2})[/\-](?P<b>\d{1,2})(?:[/\-]\d{2,4}\b|\s*$)"
#: How every such date starts (a cheaper test, to pick the values worth splitting).
_NUMERIC_DATE_START = r"^\d{1,2}[/\-]"


def _parts(values: pd.Series | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The first and second number of each dd/mm-or-mm/dd date among `values` (other values
    left out)."""
    arr = values if isinstance(values, pa.Array) else flat(arrow(values))
    found = pc.extract_regex(arr, _NUMERIC_DATE)
    found = found.filter(found.is_valid())
    first, second = (pc.struct_field(found, name).cast(pa.int16()) for name in ("a", "b"))
    return first.to_numpy(), second.to_numpy()


def _day_first(values: pd.Series) -> bool | None:
    """True when the column writes the day first (a first part > 12), False when a second
    part > 12 shows month first, None when no value decides."""
    first, second = _parts(values)
    day_first = bool((first > 12).any())
    month_first = bool((second > 12).any())
    if day_first != month_first:
        return day_first
    return None


def date_order(s: pd.Series) -> str | None:
    """How a column writes its numeric dates, decided from the data: "dmy" when a first part
    is above 12, "mdy" when a second one is, "ambiguous" when the column holds dd/mm-or-mm/dd
    dates and no value decides (or values decide both ways), None when it holds none.
    ("dd.mm.yyyy" is European by convention and never ambiguous.)"""
    return date_order_from(s.iloc[:HEAD_ROWS], *numeric_date_evidence(s))


def numeric_date_evidence(values: pd.Series) -> tuple[bool, bool]:
    """(some first part is above 12, some second part is): what `date_order` decides from,
    OR-able over the parts of a column (the Spark engine's partitions)."""
    arr = arrow(nullify(values))
    # Only the distinct dd/mm-or-mm/dd values are split into numbers: most values of a date
    # column are ISO or empty, and numeric dates repeat (a column holds a few thousand days).
    maybe = pc.match_substring_regex(arr, _NUMERIC_DATE_START)
    first, second = _parts(pc.unique(arr.filter(maybe)))
    return bool((first > 12).any()), bool((second > 12).any())


def date_order_from(head: pd.Series, day_first: bool, month_first: bool) -> str | None:
    """`date_order` from the column's first rows (`head`, at least its first 50,000) and the
    evidence of all its values (`numeric_date_evidence`)."""
    head = nullify(head.iloc[:HEAD_ROWS]).dropna().iloc[:_SAMPLE]
    if head.empty or not len(_parts(head)[0]):
        return None
    if day_first != month_first:
        return "dmy" if day_first else "mdy"
    return "ambiguous"


#: What datetime64[ns] can hold (1677-2262); pandas parses older dates at a coarser unit.
_NS_RANGE = (pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC"))


def _parse_format(values: pd.Series, fmt: str) -> pd.Series:
    """`values` read with `fmt`; NaT where not, or where out of datetime64[ns]'s range (a
    birth date of 1630 is bad data, not a reason to stop the audit)."""
    out = pd.to_datetime(values, format=fmt, errors="coerce", utc=True)
    try:
        return out.astype(DATETIME)
    except pd.errors.OutOfBoundsDatetime:
        # Filtered only when the cast refuses: the format-ranking pass parses each sample
        # with every format, and the range test on each result cost more than the cast.
        return out.where((out >= _NS_RANGE[0]) & (out <= _NS_RANGE[1])).astype(DATETIME)


def _numbers(values: pd.Series) -> pd.Series:
    """Epoch seconds/milliseconds, Excel serial days and YYYYMMDD; NaT for other numbers."""
    out = pd.Series(pd.NaT, index=values.index, dtype=DATETIME)
    digits = values.str.len()
    integer = values.str.fullmatch(r"\d+")
    ymd = integer & (digits == 8) & values.str.match(r"(19|20)\d{2}(0[1-9]|1[0-2])[0-3]\d")
    if ymd.any():
        out[ymd] = _parse_format(values[ymd], "%Y%m%d")
    number = pd.to_numeric(values, errors="coerce")
    seconds = integer & digits.isin((9, 10)) & (number >= 1e8)
    millis = integer & digits.isin((12, 13)) & (number >= 1e11)
    excel = ~ymd & (number >= _EXCEL_RANGE[0]) & (number < _EXCEL_RANGE[1])
    if seconds.any():
        out[seconds] = pd.to_datetime(number[seconds], unit="s", utc=True).astype(DATETIME)
    if millis.any():
        out[millis] = pd.to_datetime(number[millis], unit="ms", utc=True).astype(DATETIME)
    if excel.any():
        days = pd.to_timedelta(number[excel], unit="D")
        out[excel] = (_EXCEL_EPOCH + days).astype(DATETIME)
    return out


def format_literals(fmt: str) -> frozenset[str]:
    """The characters a value must hold to be read with `fmt`: its literal characters other
    than white space ("/" and ":" of "%m/%d/%Y %H:%M"); none for "ISO8601". pandas reads an
    explicit format as strptime does, where a literal matches only itself."""
    if fmt == "ISO8601":
        return frozenset()
    out: set[str] = set()
    i = 0
    while i < len(fmt):
        if fmt[i] == "%":
            i += 2
            continue
        if not fmt[i].isspace():
            out.add(fmt[i])
        i += 1
    return frozenset(out)


_LITERALS = {f: format_literals(f) for f in FORMATS}


def _readable(values: pd.Series, formats: list[str]) -> set[str]:
    """The formats among `formats` that some value could be read with: a format whose
    literal characters no value holds all of reads none of them (its parse, pandas' fixed
    cost per format even on a handful of values, is left out; the result is the same)."""
    arr = flat(arrow(values))
    holds: dict[str, pa.Array] = {}
    out: set[str] = set()
    for fmt in formats:
        need = _LITERALS.get(fmt)
        if need is None:
            need = format_literals(fmt)
        mask = None
        for char in sorted(need):
            if char not in holds:
                holds[char] = pc.match_substring(arr, char)
            mask = holds[char] if mask is None else pc.and_(mask, holds[char])
        if mask is None or pc.any(mask).as_py():
            out.add(fmt)
    return out


def _candidates(values: pd.Series, order: str | None = None) -> list[str]:
    """The formats worth trying on a column, best first (by a sample's parse rate)."""
    formats = list(FORMATS)
    if order in ORDERS:
        day_first: bool | None = order == "dmy"
    else:
        day_first = _day_first(values)
    if day_first is True:
        formats = [f for f in formats if f not in _MONTH_FIRST]
    elif day_first is False:
        formats = [f for f in formats if f not in _DAY_FIRST]
    sample = values.iloc[:_SAMPLE]
    readable = _readable(sample, formats)
    rates = {
        f: int(_parse_format(sample, f).notna().sum()) if f in readable else 0 for f in formats
    }
    return sorted(formats, key=lambda f: -rates[f])


def _parse_unique(u: pd.Series, order: str | None = None) -> pd.Series:
    out = pd.Series(pd.NaT, index=u.index, dtype=DATETIME)
    numeric = pd.Series(
        to_numpy_mask(pc.match_substring_regex(flat(arrow(u)), r"^\d+(\.\d+)?$")), index=u.index
    )
    if numeric.any():
        out[numeric] = _numbers(u[numeric])
    rest = u[~numeric]
    candidates = _candidates(rest, order) if len(rest) else []
    # What no value of `rest` could be read with, no part of it left later can be either.
    readable = _readable(rest, candidates) if candidates else set()
    for fmt in candidates:
        if fmt not in readable:
            continue
        parsed = _parse_format(rest, fmt)
        hit = parsed.notna()
        if hit.any():
            out[rest.index[hit.to_numpy()]] = parsed[hit]
            rest = rest[~hit]
        if rest.empty:
            break
    return out


def parse_dates(s: pd.Series, order: str | None = None) -> pd.Series:
    """datetime64[ns, UTC] of each value (NaT if unparseable); naive times are taken as UTC.

    Reads ISO 8601, US and European numeric dates (day-first when the column shows a day
    above 12 anywhere, or writes dd.mm.yyyy; `order` "dmy" / "mdy" settles a column whose
    values do not decide), month names, epoch seconds/ms and Excel serials.
    """
    if order is not None and order not in ORDERS:
        raise ValueError(f"date order must be one of {', '.join(ORDERS)}, not {order!r}")
    out = unique_map(nullify(s), partial(_parse_unique, order=order))
    return out.astype(DATETIME)


#: Month and day without a year: "04/15" (Mailchimp's Birthday, MM/DD or DD/MM by the
#: audience's setting), ISO 8601's / vCard's "--04-15" and "--0415", "April 15", "15 Apr".
_MD_NUMERIC = r"^\s*(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})\.?\s*$"
_MD_ISO = r"^\s*--(?P<m>\d{2})-?(?P<d>\d{2})\s*$"
_MONTHS = {m.casefold(): i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_MD_NAMED = (r"^\s*(?:(?P<m1>[A-Za-z]{3,9})\.?\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?"
             r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m2>[A-Za-z]{3,9})\.?)\s*$")
#: Days in each month, February with its 29th: a birthday has no year to rule it out.
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_day_unique(u: pd.Series, day_first: bool) -> pd.Series:
    text = u.astype(object).astype(str)
    num = text.str.extract(_MD_NUMERIC)
    iso = text.str.extract(_MD_ISO).apply(pd.to_numeric)
    named = text.str.extract(_MD_NAMED)
    first, second = pd.to_numeric(num["a"]), pd.to_numeric(num["b"])
    # "31.12." is European, day first, by convention.
    dmy = (num["sep"] == ".").to_numpy(dtype=bool) | day_first
    month = pd.Series(np.where(dmy, second, first), index=u.index).fillna(iso["m"])
    day = pd.Series(np.where(dmy, first, second), index=u.index).fillna(iso["d"])
    word = named["m1"].fillna(named["m2"])
    by_name = word.dropna().map(lambda w: _MONTHS[w[:3].casefold()]
                                if _is_month_name(w) and w[:3].casefold() in _MONTHS else np.nan)
    month = month.fillna(by_name.reindex(u.index).astype(float))
    day = day.fillna(pd.to_numeric(named["d1"].fillna(named["d2"])))
    limit = pd.Series(np.asarray(_DAYS + (0,))[month.fillna(13).clip(1, 13).astype(int) - 1],
                      index=u.index)
    ok = month.between(1, 12) & (day >= 1) & (day <= limit)
    out = pd.Series(None, index=u.index, dtype=object)
    if ok.any():
        mm = month[ok].astype(int).map("{:02d}".format)
        dd = day[ok].astype(int).map("{:02d}".format)
        out[ok] = "--" + mm + "-" + dd
    return out


def _is_month_name(word: str) -> bool:
    """"April", "Sept": a month's name or an abbreviation of it ("Aprilx" is not)."""
    names = ("january", "february", "march", "april", "may", "june", "july", "august",
             "september", "october", "november", "december")
    w = word.casefold()
    return any(n.startswith(w) for n in names)


def month_day(s: pd.Series, order: str | None = None) -> pd.Series:
    """A month and day written without a year, as ISO 8601's "--MM-DD" (NaN for any other
    value, full dates included: `parse_dates` reads those). Never given a year: a birthday
    "04/15" is the 15th of April of no year in particular. Numeric values are month first
    unless `order` is "dmy" or the column shows a first part above 12."""
    if order is not None and order not in ORDERS:
        raise ValueError(f"date order must be one of {', '.join(ORDERS)}, not {order!r}")
    values = nullify(s)
    if order is None:
        distinct = pd.Series(pc.unique(flat(arrow(values))).to_pandas(), dtype=values.dtype)
        day_first = _day_first(distinct.dropna()) is True
    else:
        day_first = order == "dmy"
    return unique_map(values, partial(_month_day_unique, day_first=day_first))
