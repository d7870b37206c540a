"""libphonenumber's metadata compiled for column-wise use, plus the kernels that apply it.

phonenumbers parses and validates one number at a time, in Python, too slow for a column
of millions. The same decisions are made here over whole arrays: every pattern of the metadata
(general description, number types, national prefix, international prefix, leading digits)
is an RE2-compatible regular expression, so pyarrow's regex kernels run them on all the
numbers of a region at once. Each function mirrors the phonenumbers function it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers.phonemetadata import PhoneMetadata, PhoneNumberDesc

from ._arrow import to_numpy_mask

#: ValidationResult of phonenumbers._test_number_length, as small integers.
IS_POSSIBLE, IS_POSSIBLE_LOCAL_ONLY, INVALID_LENGTH, TOO_SHORT, TOO_LONG = range(5)
#: Results after which parse keeps the national prefix (the stripped number is not possible).
KEEP_PREFIX_RESULTS = (TOO_SHORT, IS_POSSIBLE_LOCAL_ONLY, INVALID_LENGTH)
MAX_LENGTH = 64

#: The number types in the order phonenumbers._number_type_helper tests them.
_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)
_CAPTURING_GROUP = re.compile(r"(?<!\\)\((?!\?)")

#: Calling code -> regions in phonenumbers' order (the first is the main region).
CC_REGIONS: dict[int, tuple[str, ...]] = dict(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
GEO_CODES = frozenset(cc for cc, regions in CC_REGIONS.items() if regions[0] != "001")


def _name_groups(pattern: str) -> tuple[str, int]:
    """`pattern` with its capturing groups named g1, g2, ... (pyarrow spans need names)."""
    count = 0

    def name(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"(?P<g{count}>"

    return _CAPTURING_GROUP.sub(name, pattern), count


@dataclass(frozen=True)
class Plan:
    """One region's metadata as anchored regexes and length tables."""

    region: str
    cc: int
    general: str
    general_lengths: frozenset[int]
    length_result: np.ndarray
    types_by_length: dict[int, str]
    idd: str | None
    npfp: str | None
    npfp_spans: str | None
    npfp_groups: int
    transform: str | None
    leading_digits: str | None


def _lengths(desc: PhoneNumberDesc | None) -> tuple[int, ...]:
    return tuple(desc.possible_length or ()) if desc is not None else ()


def _length_table(general: PhoneNumberDesc) -> np.ndarray:
    """phonenumbers._test_number_length(number, metadata) for every length 0..MAX_LENGTH."""
    possible = sorted(_lengths(general))
    local = set(general.possible_length_local_only or ())
    out = np.full(MAX_LENGTH + 1, INVALID_LENGTH, dtype=np.int8)
    for n in range(MAX_LENGTH + 1):
        if n in local:
            out[n] = IS_POSSIBLE_LOCAL_ONLY
        elif n == possible[0] or n in possible:
            out[n] = IS_POSSIBLE
        elif n < possible[0]:
            out[n] = TOO_SHORT
        elif n > possible[-1]:
            out[n] = TOO_LONG
    return out


def _types_by_length(md: PhoneMetadata) -> dict[int, str]:
    """Per national-number length, one anchored regex: the number types possible there."""
    by_length: dict[int, list[str]] = {}
    general = _lengths(md.general_desc)
    for name in _TYPES:
        desc = getattr(md, name)
        if desc is None or not desc.national_number_pattern:
            continue
        if name == "mobile" and md.same_mobile_and_fixed_line_pattern:
            continue
        for n in _lengths(desc) or general:
            by_length.setdefault(n, []).append(desc.national_number_pattern)
    return {n: "^(?:" + "|".join(pats) + ")$" for n, pats in by_length.items()}


@cache
def plan_for(region: str) -> Plan | None:
    """The compiled metadata of a region, or None when phonenumbers has none."""
    md = PhoneMetadata.metadata_for_region(region)
    general = md.general_desc if md is not None else None
    if md is None or general is None or not general.national_number_pattern:
        return None
    if md.country_code is None or not general.possible_length:
        return None
    npfp = md.national_prefix_for_parsing or None
    spans, groups = _name_groups(npfp) if npfp else (None, 0)
    return Plan(
        region=region,
        cc=int(md.country_code),
        general="^(?:" + general.national_number_pattern + ")$",
        general_lengths=frozenset(_lengths(general)),
        length_result=_length_table(general),
        types_by_length=_types_by_length(md),
        idd="^(?:" + md.international_prefix + ")" if md.international_prefix else None,
        npfp="^(?:" + npfp + ")" if npfp else None,
        npfp_spans="^(?P<pre>" + spans + ")" if spans else None,
        npfp_groups=groups,
        transform=md.national_prefix_transform_rule or None,
        leading_digits="^(?:" + md.leading_digits + ")" if md.leading_digits else None,
    )


def main_plan(cc: int) -> Plan | None:
    regions = CC_REGIONS.get(cc)
    return plan_for(regions[0]) if regions and cc in GEO_CODES else None


def matches(arr: pa.Array, pattern: str) -> np.ndarray:
    """Which values `pattern` (anchored by the caller) matches, as a numpy mask."""
    if len(arr) == 0:
        return np.zeros(0, dtype=bool)
    return to_numpy_mask(pc.match_substring_regex(arr, pattern))


def lengths_of(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.utf8_length(arr).fill_null(0).to_numpy(zero_copy_only=False))


def test_length(arr: pa.Array, plan: Plan) -> np.ndarray:
    """phonenumbers._test_number_length for every value."""
    return plan.length_result[np.clip(lengths_of(arr), 0, MAX_LENGTH)]


def strip_national_prefix(arr: pa.Array, plan: Plan) -> pa.Array:
    """phonenumbers._maybe_strip_national_prefix_carrier_code, returning the numbers only."""
    if plan.npfp is None or plan.npfp_spans is None or len(arr) == 0:
        return arr
    spans = pc.extract_regex_span(arr, plan.npfp_spans)
    hit = to_numpy_mask(pc.is_valid(spans))
    if not hit.any():
        return arr
    idx = np.flatnonzero(hit)
    sub = arr.take(pa.array(idx))
    new = pc.replace_substring_regex(sub, plan.npfp, "", max_replacements=1)
    if plan.transform and plan.npfp_groups:
        last = pc.struct_field(spans.take(pa.array(idx)), f"g{plan.npfp_groups}")
        took_last = pc.is_valid(last)
        transformed = pc.replace_substring_regex(
            sub, plan.npfp, plan.transform, max_replacements=1
        )
        new = pc.if_else(took_last, transformed, new)
    viable_before = matches(sub, plan.general)
    keep = viable_before & ~matches(new, plan.general)
    chosen = pc.if_else(pa.array(keep), sub, new)
    return pc.replace_with_mask(arr, pa.array(hit), chosen)


def valid_for(arr: pa.Array, plan: Plan) -> np.ndarray:
    """phonenumbers._number_type_helper(number, metadata) != UNKNOWN, for every value."""
    lengths = lengths_of(arr)
    ok = np.zeros(len(arr), dtype=bool)
    for n in np.unique(lengths):
        n = int(n)
        types = plan.types_by_length.get(n)
        if types is None or (plan.general_lengths and n not in plan.general_lengths):
            continue
        idx = np.flatnonzero(lengths == n)
        sub = arr.take(pa.array(idx))
        ok[idx] = matches(sub, plan.general) & matches(sub, types)
    return ok


def classify(national: pa.Array, cc: int) -> tuple[np.ndarray, np.ndarray]:
    """(is_valid_number, region_code_for_number) of numbers sharing one calling code.

    Regions are tried in phonenumbers' order: a region with leading digits claims a number
    on those digits alone, any other region when the number is valid for it.
    """
    n = len(national)
    regions = CC_REGIONS[cc]
    valid = np.zeros(n, dtype=bool)
    region = np.full(n, None, dtype=object)
    if len(regions) == 1:
        plan = plan_for(regions[0])
        region[:] = regions[0]
        if plan is not None:
            valid = valid_for(national, plan)
        return valid, region
    remaining = np.arange(n)
    for code in regions:
        plan = plan_for(code)
        if plan is None or len(remaining) == 0:
            continue
        sub = national.take(pa.array(remaining))
        if plan.leading_digits is not None:
            hit = matches(sub, plan.leading_digits)
            claimed = remaining[hit]
            valid[claimed] = valid_for(sub.take(pa.array(np.flatnonzero(hit))), plan)
        else:
            hit = valid_for(sub, plan)
            claimed = remaining[hit]
            valid[claimed] = True
        region[claimed] = code
        remaining = remaining[~hit]
    return valid, region
