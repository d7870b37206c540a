"""Phone numbers: E.164 form, validity and the number's own region.

Semantics are phonenumbers' (parse + is_valid_number + format_number(E164) +
region_code_for_number). phonenumbers parses one number at a time in Python, too slow
for millions of rows, so numbers written with digits and ordinary punctuation take a
vectorised fast path (phone_meta: the same metadata, applied with pyarrow regex kernels
region by region); anything else (letters, extensions, odd prefixes, non-geographic codes) goes to
phonenumbers itself, once per distinct (number, region) pair. A test cross-checks both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from ..arrays import objects
from . import phone_meta as meta
from ._arrow import apply_where, ascii_digits, flat, to_numpy_mask
from ._text import pair_unique_map
from .base import TEXT, arrow, unique_map
from .geo import country_code
from .nulls import nullify

#: Plain digits and the punctuation people write between them, optionally one leading "+".
_ELIGIBLE = r"^[ (]*(?:\+[ (]*)?[0-9][0-9 ().\-/]*$"
_PLUS = r"^[ (]*\+"
_MIN_FAST_DIGITS, _MAX_FAST_DIGITS = 5, 20
_MIN_NSN, _MAX_NSN = 2, 17
# Excel damage: a number stored as a float ("4155552671.0") or shown in scientific form.
_EXCEL_FLOAT = r"^[0-9]{5,}\.0+$"
_EXCEL_SCI = re.compile(r"^([0-9])(?:[.,]([0-9]+))?[eE]\+?([0-9]{1,2})$")
_BARE_IDD = r"^[ (]*(?:00|011)[ ]?[1-9]"
_BARE_IDD_PREFIX = r"^[ (]*(?:00|011)[ ]?"

_REGIONS = tuple(sorted(phonenumbers.SUPPORTED_REGIONS))
_REGION_INDEX = {r: i for i, r in enumerate(_REGIONS)}
_CC_STRINGS = {
    k: pa.array(sorted(str(cc) for cc in meta.CC_REGIONS if len(str(cc)) == k)) for k in (1, 2, 3)
}


def _excel_sci(value: str) -> str | None:
    """The integer an Excel scientific display stands for, or None when digits were lost."""
    m = _EXCEL_SCI.match(value)
    if m is None:
        return None
    head, decimals, exp = m.group(1), m.group(2) or "", int(m.group(3))
    if len(decimals) < exp:
        return None  # "4.16E+09": Excel rounded the number away; it cannot be recovered
    try:
        number = Decimal(f"{head}.{decimals}e{exp}")
    except InvalidOperation:
        return None
    return str(int(number)) if number == number.to_integral_value() else None


def _where(arr: pa.Array, prefilter: pa.Array, pattern: str) -> np.ndarray:
    """Regex mask computed only on the rows a cheap literal test lets through."""
    out = np.zeros(len(arr), dtype=bool)
    rows = np.flatnonzero(to_numpy_mask(prefilter))
    if len(rows):
        out[rows] = meta.matches(arr.take(pa.array(rows)), pattern)
    return out


def _preprocess(raw: pa.Array, has_region: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Undo Excel damage, drop "tel:", read a bare 00/011 as "+" when no region is known.

    Returns the text to parse and a mask of values that are certainly not numbers. Each
    regex runs only on the rows a literal test selects (a full-column regex is costly).
    """
    txt = apply_where(
        raw,
        pc.match_substring(raw, "tel:", ignore_case=True),
        lambda a: pc.replace_substring_regex(a, r"^(?i:tel:)\s*", "", max_replacements=1),
    )
    excel_float = _where(txt, pc.ends_with(txt, ".0"), _EXCEL_FLOAT)
    if excel_float.any():
        txt = apply_where(
            txt, pa.array(excel_float), lambda a: pc.replace_substring_regex(a, r"\.0+$", "")
        )
    broken = np.zeros(len(raw), dtype=bool)
    sci = _where(
        txt,
        pc.match_substring(txt, "e", ignore_case=True),
        r"^[0-9](?:[.,][0-9]+)?[eE]\+?[0-9]{1,2}$",
    )
    if sci.any():
        values = np.asarray(txt.to_numpy(zero_copy_only=False), dtype=object)
        for i in np.flatnonzero(sci):
            fixed = _excel_sci(values[i])
            broken[i] = fixed is None
            values[i] = fixed
        txt = pa.array(values, pa.string())
    # Without a default region a leading 00 / 011 can only be an international prefix.
    no_region = pa.array(~has_region)
    bare = _where(txt, pc.and_(no_region, pc.match_substring(txt, "0")), _BARE_IDD)
    if bare.any():
        txt = apply_where(
            txt, pa.array(bare), lambda a: pc.replace_substring_regex(a, _BARE_IDD_PREFIX, "+")
        )
    return txt, broken


def _slow(value: str, region: str | None) -> tuple[str | None, bool, str | None]:
    """phonenumbers on one value: (E.164 or None, valid, region or None)."""
    try:
        number = phonenumbers.parse(value, region)
    except Exception:  # noqa: BLE001 - any parse failure on bad data means "not a number"
        return None, False, None
    own = phonenumbers.region_code_for_number(number)
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        bool(phonenumbers.is_valid_number(number)),
        own if own in _REGION_INDEX else None,
    )


def _region_codes(regions: np.ndarray) -> np.ndarray:
    """Positions in `_REGIONS` of region codes (-1 for None), computed per distinct code."""
    codes, uniques = pd.factorize(regions, use_na_sentinel=True)
    lookup = np.array([_REGION_INDEX.get(str(u), -1) for u in uniques] + [-1], dtype=np.int32)
    return lookup[codes]


@dataclass
class _Parsed:
    """Numbers the fast path has read: row, calling code, national number, prefix region."""

    rows: list[np.ndarray] = field(default_factory=list)
    ccs: list[np.ndarray] = field(default_factory=list)
    nationals: list[pa.Array] = field(default_factory=list)
    plans: list[np.ndarray] = field(default_factory=list)  # positions in `regions`
    #: Regions whose metadata reads the national prefixes (plans hold their positions:
    #: a million rows compared as Python strings held the GIL for a third of a second).
    regions: list[str] = field(default_factory=list)

    def add(self, rows: np.ndarray, cc: np.ndarray, national: pa.Array, region: str) -> None:
        """Record numbers whose national prefix is read with `region`'s metadata."""
        if len(rows):
            self.rows.append(rows)
            self.ccs.append(cc)
            self.nationals.append(national)
            if region not in self.regions:
                self.regions.append(region)
            self.plans.append(np.full(len(rows), self.regions.index(region), dtype=np.int16))


def _split_cc(digits: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """phonenumbers._extract_country_code: (calling code or 0, rest) for digits after "+"."""
    n = len(digits)
    cc = np.zeros(n, dtype=np.int64)
    rest = digits
    for k in (1, 2, 3):
        head = pc.utf8_slice_codeunits(digits, 0, k)
        hit = to_numpy_mask(pc.is_in(head, value_set=_CC_STRINGS[k])) & (cc == 0)
        if hit.any():
            cc[hit] = np.asarray(
                pc.cast(head.filter(pa.array(hit)), pa.int64()).to_numpy(), dtype=np.int64
            )
            rest = pc.if_else(pa.array(hit), pc.utf8_slice_codeunits(digits, k), rest)
    return cc, rest


def _add_international(
    parsed: _Parsed, rows: np.ndarray, digits: pa.Array, status: np.ndarray
) -> None:
    """Numbers after "+" or an international prefix: split the calling code off."""
    cc, rest = _split_cc(digits)
    geo = np.isin(cc, list(meta.GEO_CODES))
    # No known code after "+" makes phonenumbers retry without the "+": leave it to it.
    status[rows[~geo]] = 0
    for code in np.unique(cc[geo]):
        sel = np.flatnonzero(cc == code)
        parsed.add(rows[sel], cc[sel], rest.take(pa.array(sel)), meta.CC_REGIONS[int(code)][0])
        status[rows[sel]] = 1


def _add_national(
    parsed: _Parsed, rows: np.ndarray, digits: pa.Array, plan: meta.Plan, status: np.ndarray
) -> None:
    """Numbers without "+" read with a default region (phonenumbers._maybe_extract_country_code)."""
    n = len(digits)
    idd = np.zeros(n, dtype=bool)
    after_idd = digits
    if plan.idd is not None:
        idd = meta.matches(digits, plan.idd)
        if idd.any():
            after_idd = pc.replace_substring_regex(digits, plan.idd, "", max_replacements=1)
            idd &= ~meta.matches(after_idd, "^0")  # a calling code never starts with 0
    if idd.any():
        sel = np.flatnonzero(idd)
        rest = after_idd.take(pa.array(sel))
        short = meta.lengths_of(rest) <= _MIN_NSN
        status[rows[sel[short]]] = 2
        cc, _ = _split_cc(rest)
        status[rows[sel[~short & (cc == 0)]]] = 2  # unknown code after an IDD: not a number
        keep = np.flatnonzero(~short & (cc != 0))
        _add_international(parsed, rows[sel[keep]], rest.take(pa.array(keep)), status)

    home = np.flatnonzero(~idd)
    if not len(home):
        return
    d = digits.take(pa.array(home))
    cc_text = str(plan.cc)
    has_cc = to_numpy_mask(pc.starts_with(d, cc_text))
    with_cc = np.zeros(len(home), dtype=bool)
    if has_cc.any():
        sel = np.flatnonzero(has_cc)
        full = d.take(pa.array(sel))
        stripped = meta.strip_national_prefix(pc.utf8_slice_codeunits(full, len(cc_text)), plan)
        better = (~meta.matches(full, plan.general) & meta.matches(stripped, plan.general)) | (
            meta.test_length(full, plan) == meta.TOO_LONG
        )
        if better.any():
            pick = np.flatnonzero(better)
            with_cc[sel[pick]] = True
            parsed.add(
                rows[home[sel[pick]]],
                np.full(len(pick), plan.cc),
                stripped.take(pa.array(pick)),
                meta.CC_REGIONS[plan.cc][0],
            )
    rest_idx = np.flatnonzero(~with_cc)
    parsed.add(
        rows[home[rest_idx]],
        np.full(len(rest_idx), plan.cc),
        d.take(pa.array(rest_idx)),
        plan.region,
    )
    status[rows[home]] = 1


def _fast(txt: pa.Array, regions: np.ndarray, status: np.ndarray) -> _Parsed:
    """Read every eligible value; set status 1 (read), 2 (not a number) or leave 0 (fallback)."""
    parsed = _Parsed()
    digits = ascii_digits(txt)
    ndigits = meta.lengths_of(digits)
    eligible = (
        (status == 0)
        & meta.matches(txt, _ELIGIBLE)
        & (ndigits >= _MIN_FAST_DIGITS)
        & (ndigits <= _MAX_FAST_DIGITS)
    )
    plus = meta.matches(txt, _PLUS)
    rows = np.flatnonzero(eligible & plus)
    if len(rows):
        _add_international(parsed, rows, digits.take(pa.array(rows)), status)
    national = eligible & ~plus
    # Regions as integer codes: comparing a million Python strings holds the GIL.
    rcode, rname = pd.factorize(regions, use_na_sentinel=True)
    no_region = national & (rcode < 0)
    status[no_region] = 2  # phonenumbers: INVALID_COUNTRY_CODE without a default region
    for k in np.unique(rcode[national & ~no_region]):
        plan = meta.plan_for(str(rname[k]))
        if plan is None:
            continue
        rows = np.flatnonzero(national & (rcode == k))
        _add_national(parsed, rows, digits.take(pa.array(rows)), plan, status)
    return parsed


def _finish(parsed: _Parsed, n: int, status: np.ndarray) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """National prefix, length limits and validity of the numbers the fast path has read."""
    e164 = pa.nulls(n, pa.string())
    valid = np.zeros(n, dtype=bool)
    region = np.full(n, -1, dtype=np.int32)
    if not parsed.rows:
        return e164, valid, region
    rows = np.concatenate(parsed.rows)
    ccs = np.concatenate(parsed.ccs)
    national = pa.concat_arrays(parsed.nationals)
    plans = np.concatenate(parsed.plans)
    # parse(): strip the national prefix unless the rest cannot be a number of that region.
    for k, code in enumerate(parsed.regions):
        plan = meta.plan_for(code)
        if plan is None:
            continue
        in_group = plans == k
        sub = national.filter(pa.array(in_group))
        cand = meta.strip_national_prefix(sub, plan)
        take = ~np.isin(meta.test_length(cand, plan), meta.KEEP_PREFIX_RESULTS)
        chosen = pc.if_else(pa.array(take), cand, sub)
        national = pc.replace_with_mask(national, pa.array(in_group), chosen)
    length = meta.lengths_of(national)
    bad = (length < _MIN_NSN) | (length > _MAX_NSN)
    status[rows[bad]] = 2
    good = np.flatnonzero(~bad)
    rows, ccs, national = rows[good], ccs[good], national.take(pa.array(good))
    order = np.argsort(rows, kind="stable")
    rows, ccs, national = rows[order], ccs[order], national.take(pa.array(order))
    cc_text = pc.cast(pa.array(ccs), pa.string())
    joined = pc.binary_join_element_wise(pa.scalar("+"), cc_text, national, "")
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    e164 = pc.replace_with_mask(e164, pa.array(mask), joined)
    for code in np.unique(ccs):
        sel = np.flatnonzero(ccs == code)
        ok, own = meta.classify(national.take(pa.array(sel)), int(code))
        valid[rows[sel]] = ok
        region[rows[sel]] = _region_codes(own)
    return e164, valid, region


def _parse_frame(values: pd.Series, regions: pd.Series) -> pd.DataFrame:
    """Parse distinct (number, region) pairs: fast path first, phonenumbers for the rest."""
    n = len(values)
    reg = objects(regions)
    has_region = np.array([r is not None for r in reg], dtype=bool)
    txt, broken = _preprocess(flat(arrow(values)), has_region)
    status = np.where(broken | ~to_numpy_mask(pc.is_valid(txt)), 2, 0).astype(np.int8)
    parsed = _fast(txt, reg, status)
    e164, valid, region = _finish(parsed, n, status)

    slow_rows = np.flatnonzero(status == 0)
    if len(slow_rows):
        texts = txt.take(pa.array(slow_rows)).to_pylist()
        results = [_slow(t, reg[i]) for t, i in zip(texts, slow_rows, strict=True)]
        mask = np.zeros(n, dtype=bool)
        mask[slow_rows] = True
        slow_e164 = pa.array([r[0] for r in results], pa.string())
        e164 = pc.replace_with_mask(e164, pa.array(mask), slow_e164)
        valid[slow_rows] = [r[1] for r in results]
        region[slow_rows] = _region_codes(np.array([r[2] for r in results], dtype=object))
    e164 = pc.if_else(pa.array(status == 2), pa.scalar(None, pa.string()), e164)
    valid &= status != 2
    region[status == 2] = -1

    codes = pa.array(region, pa.int32(), mask=region < 0)
    region_text = pa.DictionaryArray.from_arrays(codes, pa.array(_REGIONS)).cast(pa.string())
    return pd.DataFrame(
        {
            "e164": pd.Series(pd.array(e164, dtype=TEXT)),
            "valid": pd.Series(valid, dtype="boolean"),
            "region": pd.Series(pd.array(region_text, dtype=TEXT)),
        }
    )


def _default_region(region: str | None) -> str | None:
    if region is None:
        return None
    code = country_code(pd.Series([region]))["alpha2"].iloc[0]
    return code if isinstance(code, str) and code in _REGION_INDEX else None


def normalize_phone(s: pd.Series, region: str | pd.Series | None = None) -> pd.DataFrame:
    """Columns `e164` ("+14155552671", NaN if unparseable), `valid` and `region` (alpha-2).

    `region` (one default, or per row, e.g. the row's country in any spelling) reads numbers
    written without a country code. `valid` follows phonenumbers.is_valid_number and is NA
    where the input is missing. Excel damage ("4.155552671E9", "4155552671.0") is undone.
    """
    values = nullify(s)
    if isinstance(region, pd.Series):
        per_row = country_code(region.reindex(values.index))["alpha2"]
        out = pair_unique_map(values, per_row, _parse_frame)
    else:
        code = _default_region(region)

        def parse(u: pd.Series) -> pd.DataFrame:
            return _parse_frame(u, pd.Series([code] * len(u), dtype=object))

        out = unique_map(values, parse)
    out["valid"] = out["valid"].astype("boolean")
    return out


@dataclass(frozen=True)
class RegionGuess:
    """The country a source's numbers without a country code are read in, from the numbers
    that carry one: `code` (+1) on `count` of the `total` numbers written with "+"."""

    region: str
    code: int
    count: int
    total: int


#: A calling code must be on this share of the numbers written with one, and on this many
#: numbers, before the rest are read in its country (a clear majority, not a plurality).
DOMINANT_SHARE = 0.8
DOMINANT_MIN = 3
#: Characters after "+" read for the calling code (three digits with separators around them).
_CC_HEAD_CHARS = 10


def calling_codes(s: pd.Series) -> np.ndarray:
    """The calling code each value is written with ("+1 415 ..." -> 1, "+44 20 ..." -> 44),
    0 where it carries none. Calling codes are prefix-free, so the digits after "+" name one."""
    arr = pc.utf8_ltrim(flat(arrow(nullify(s))), characters=" (")
    plus = to_numpy_mask(pc.starts_with(arr, "+"))
    out = np.zeros(len(arr), dtype=np.int64)
    if plus.any():
        rows = np.flatnonzero(plus)
        # The code is in the few characters after "+" ("+1 (415)", "+44 20"): the digits of
        # that head, not of the whole number (literal kernels, faster than a regex).
        head = pc.utf8_slice_codeunits(arr.take(pa.array(rows)), 1, _CC_HEAD_CHARS)
        out[rows] = _split_cc(ascii_digits(head))[0]
    return out


def dominant_region(columns: list[pd.Series]) -> RegionGuess | None:
    """The main country of the calling code most numbers written with one carry, across
    `columns`, when it is on DOMINANT_SHARE of them (and DOMINANT_MIN at least); else None.
    Counted over rows: the answer does not depend on their order."""
    codes = np.concatenate([calling_codes(c) for c in columns]) if columns else np.zeros(0)
    codes = codes[codes > 0]
    if len(codes) < DOMINANT_MIN:
        return None
    values, counts = np.unique(codes, return_counts=True)
    top = int(np.argmax(counts))
    if counts[top] < DOMINANT_SHARE * len(codes) or int(values[top]) not in meta.GEO_CODES:
        return None
    region = phonenumbers.region_code_for_country_code(int(values[top]))
    if region not in _REGION_INDEX:
        return None
    return RegionGuess(region, int(values[top]), int(counts[top]), len(codes))
