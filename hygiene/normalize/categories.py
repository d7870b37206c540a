"""Categorical fields (stages, statuses, consent, gender, language) and yes/no values.

Values compare by key: casefolded, accents stripped, punctuation and spaces removed, then
mapped through rules/aliases/categories.yaml ("MQL" -> "marketingqualifiedlead"). Work is
done once per distinct value: these columns hold a handful of values over millions of rows.
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd

from ..resources import rules_yaml
from ._text import alnum_key, fold
from .base import TEXT, unique_map
from .nulls import nullify

_BOOL_NOISE = re.compile(r"[\s\-_.]+")
_TRAILING_ZERO = re.compile(r"\.0+$")


@cache
def category_aliases(field: str) -> dict[str, str]:
    """Alias key -> canonical key of one field (empty for a field with no table)."""
    table = (rules_yaml("aliases", "categories.yaml") or {}).get(field) or {}
    out: dict[str, str] = {}
    for canonical, spellings in table.items():
        key = alnum_key(str(canonical))
        out[key] = key
        for spelling in spellings or ():
            out.setdefault(alnum_key(str(spelling)), key)
    return out


def category_key(s: pd.Series, field: str) -> pd.Series:
    """Canonical key of each value of a categorical field ("MQL" and "Marketing Qualified
    Lead" -> "marketingqualifiedlead"); unknown values keep their own key."""
    aliases = category_aliases(field)

    def lookup(value: str) -> str | None:
        key = alnum_key(value)
        return aliases.get(key, key) or None

    def apply(u: pd.Series) -> pd.Series:
        return pd.Series([lookup(v) for v in u.tolist()], dtype=TEXT)

    return unique_map(nullify(s), apply)


def _bool_key(value: str) -> str:
    return _BOOL_NOISE.sub("", fold(_TRAILING_ZERO.sub("", value.strip())))


@cache
def _bool_table() -> dict[str, bool]:
    data = rules_yaml("aliases", "booleans.yaml") or {}
    table = {_bool_key(str(v)): True for k in ("true", "true_excel") for v in data.get(k) or ()}
    table.update(
        {_bool_key(str(v)): False for k in ("false", "false_excel") for v in data.get(k) or ()}
    )
    return table


def parse_bool(s: pd.Series) -> pd.Series:
    """pandas "boolean": true/false, yes/no, y/n, 1/0, on/off, opted in/out, subscribed/
    unsubscribed (consent polarity: may the contact be mailed); NA when unknown or missing."""
    table = _bool_table()

    def apply(u: pd.Series) -> pd.Series:
        return pd.Series([table.get(_bool_key(v)) for v in u.tolist()], dtype="boolean")

    return unique_map(nullify(s), apply).astype("boolean")
