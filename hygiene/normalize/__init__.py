"""Normalisation: pure functions from raw export text to canonical values and keys.

Each takes a pandas Series (any index) and returns a Series or DataFrame indexed the same
way; text results use `TEXT` (pyarrow-backed str, NaN for missing). See
/work/notes/normalize_api.md for the contract other modules code against.
"""

from __future__ import annotations

from .base import TEXT, unique_map, unique_map_values
from .categories import category_key, parse_bool
from .company import clean_company, company_key
from .dates import month_day, parse_dates
from .email import normalize_email
from .geo import country_code, country_display, last_address_part, state_code, state_display
from .names import clean_name, name_key, split_full_name
from .nulls import NULL_LIKES, nullify
from .phone import RegionGuess, calling_codes, dominant_region, normalize_phone

__all__ = [
    "NULL_LIKES",
    "TEXT",
    "category_key",
    "clean_company",
    "clean_name",
    "company_key",
    "country_code",
    "last_address_part",
    "country_display",
    "name_key",
    "normalize_email",
    "normalize_phone",
    "RegionGuess",
    "dominant_region",
    "calling_codes",
    "nullify",
    "parse_bool",
    "parse_dates",
    "month_day",
    "split_full_name",
    "state_code",
    "state_display",
    "unique_map",
    "unique_map_values",
]
